/**
 * The pieces the simulator's node faults are made of, on generated inputs: WAL damage (a cut
 * leaves a WAL that opens and replays a prefix of what was written; a flipped byte is either
 * repaired as a torn tail, losing only records from it on, or refused as WAL_CORRUPT — never
 * another error, never a wrong record), sign-state backups on a MemoryDisk, and a drifting clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/node/logger.js';
import { Wal, WalCorruptError } from '../../src/node/wal.js';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';
import { backupSignState, damageWal, restoreSignState } from '../../src/sim/disk-damage.js';
import { NodeTime } from '../../src/sim/node-time.js';

const DIR = '/data/cs.wal';
const records = fc.array(fc.uint8Array({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 12 });
/** Draws as the run's generator gives them: `int(n)` in [0, n), from a fixed list. */
const draws = fc.array(fc.double({ min: 0, max: 0.999999, noNaN: true }), { minLength: 4, maxLength: 4 });
const intFrom = (list: number[]) => {
  let k = 0;
  return (n: number) => Math.floor((list[k++ % list.length] as number) * n);
};

async function written(list: Uint8Array[]): Promise<MemoryDisk> {
  const disk = new MemoryDisk();
  const wal = await Wal.open(DIR, silentLogger(), { disk });
  await wal.startHeight(5);
  for (const r of list) await wal.appendSync(r);
  await wal.close();
  return disk.crash();
}

const isPrefix = (got: Uint8Array[], of: Uint8Array[]): boolean => got.length <= of.length && got.every((r, i) => Buffer.from(r).equals(Buffer.from(of[i] as Uint8Array)));

describe('WAL damage', () => {
  it('a cut WAL opens and replays a prefix of its records', async () => {
    await fc.assert(
      fc.asyncProperty(records, draws, async (list, d) => {
        const disk = await written(list);
        expect(damageWal(disk, DIR, 'truncate', intFrom(d))).toMatch(/^WAL cut to \d+ of \d+ bytes$/);
        const wal = await Wal.open(DIR, silentLogger(), { disk });
        expect(isPrefix(wal.replay.records, list)).toBe(true);
        await wal.close();
      }),
      { numRuns: 60 },
    );
  });

  it('a corrupted record is a torn tail repaired (a prefix replayed) or damage refused as WAL_CORRUPT', async () => {
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(records, draws, async (list, d) => {
        const disk = await written(list);
        expect(damageWal(disk, DIR, 'corrupt', intFrom(d))).toMatch(/corrupted/);
        try {
          const wal = await Wal.open(DIR, silentLogger(), { disk });
          expect(isPrefix(wal.replay.records, list)).toBe(true);
          await wal.close();
        } catch (err) {
          expect(err).toBeInstanceOf(WalCorruptError);
          refused++;
        }
      }),
      { numRuns: 60 },
    );
    // Both outcomes occur: the property is not vacuous.
    expect(refused).toBeGreaterThan(0);
  });
});

describe('sign-state backups', () => {
  it('restore the durable content of the moment of the backup, or remove the file when there was none', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ maxLength: 20 }), { minLength: 1, maxLength: 5 }), fc.nat(), async (versions, pick) => {
        const disk = new MemoryDisk();
        await disk.mkdirDurably('/data');
        const path = '/data/priv_validator_state.json';
        expect(backupSignState(disk, path)).toBeNull();
        const at = pick % versions.length;
        let backup: Uint8Array | null = null;
        for (const [i, v] of versions.entries()) {
          await disk.replaceDurably(path, v, 0o600);
          if (i === at) backup = backupSignState(disk, path);
        }
        const after = disk.crash();
        restoreSignState(after, path, backup);
        expect(Buffer.from((await after.readSmallFile(path, 1_000)) as Uint8Array).toString()).toBe(versions[at]);
        restoreSignState(after, path, null);
        expect(await after.readSmallFile(path, 1_000)).toBeNull();
      }),
      { numRuns: 50 },
    );
  });
});

describe('a drifting clock', () => {
  it('never runs backwards, gains ppm per ms, and its timers take the drift into account', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ dt: fc.integer({ min: 0, max: 10_000 }), ppm: fc.integer({ min: -500_000, max: 500_000 }) }), { maxLength: 8 }), fc.integer({ min: 0, max: 100_000 }), (changes, timer) => {
        const time = new NodeTime();
        let now = 0;
        let last = time.local(now);
        let ppm = 0;
        for (const c of changes) {
          const before = time.local(now);
          now += c.dt;
          // Between changes it gains exactly ppm per ms (up to the whole-ms rounding).
          expect(Math.abs(time.local(now) - before - (c.dt + (c.dt * ppm) / 1e6))).toBeLessThanOrEqual(1);
          expect(time.local(now)).toBeGreaterThanOrEqual(last);
          last = time.local(now);
          time.setDrift(c.ppm, now);
          ppm = c.ppm;
        }
        // A timer of `timer` local ms fires when the local clock has moved at least that far, and not a whole ms later.
        const fires = now + time.virtualDelay(timer);
        expect(time.local(fires) - time.local(now)).toBeGreaterThanOrEqual(timer - 1);
        expect(time.virtualDelay(timer) * (1 + ppm / 1e6)).toBeLessThan(timer + 1 + Math.abs(ppm) / 1e6);
      }),
      { numRuns: 200 },
    );
  });
});

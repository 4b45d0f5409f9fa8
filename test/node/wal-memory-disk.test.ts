/**
 * The real Wal on a MemoryDisk, crashed at random points of random sequences of un-awaited
 * append/appendSync/flush/startHeight calls: after reopening, the replay is exactly what some
 * prefix of the calls would replay, a prefix that holds every record and marker whose
 * appendSync/flush/startHeight had resolved (the contract of spec/wal.md). And the same calls
 * on nodeDisk and on a MemoryDisk leave the same files and the same replay.
 */
import fc from 'fast-check';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/node/logger.js';
import { Wal } from '../../src/node/wal.js';
import { nodeDisk, type Disk } from '../../src/runtime/disk.js';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';
import { tempDir } from '../support/temp-dir.js';

const DIR = '/node/data/cs.wal';

type Op =
  | { t: 'append'; record: Uint8Array }
  | { t: 'appendSync'; record: Uint8Array }
  | { t: 'startHeight'; step: number }
  | { t: 'flush' }
  | { t: 'tick'; n: number }
  | { t: 'reopen' }
  | { t: 'crash'; ticks: number; torn: boolean };

const record = fc.uint8Array({ minLength: 0, maxLength: 40 });
const writeOp: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ t: fc.constant('append' as const), record }), weight: 6 },
  { arbitrary: fc.record({ t: fc.constant('appendSync' as const), record }), weight: 3 },
  { arbitrary: fc.record({ t: fc.constant('startHeight' as const), step: fc.integer({ min: 0, max: 2 }) }), weight: 2 },
  fc.record({ t: fc.constant('flush' as const) }),
  { arbitrary: fc.record({ t: fc.constant('tick' as const), n: fc.integer({ min: 0, max: 30 }) }), weight: 2 },
  fc.record({ t: fc.constant('reopen' as const) }),
);
const crashOp: fc.Arbitrary<Op> = fc.record({ t: fc.constant('crash' as const), ticks: fc.integer({ min: 0, max: 60 }), torn: fc.boolean() });
const ops = fc.array(fc.oneof({ arbitrary: writeOp, weight: 8 }, crashOp), { maxLength: 60 });
/** Small segments, so that rotation and pruning happen within a run. */
const maxSegmentBytes = fc.integer({ min: 40, max: 400 });

type Entry = { marker: false; record: Uint8Array } | { marker: true; height: number };

/** What the WAL must replay if exactly `entries` reached the disk. */
function replayOfPrefix(entries: Entry[]): { height: number | null; records: Uint8Array[] } {
  let height: number | null = null;
  let records: Uint8Array[] = [];
  for (const e of entries) {
    if (e.marker) {
      height = e.height;
      records = [];
    } else {
      records.push(e.record);
    }
  }
  return { height, records };
}

function sameReplay(a: { height: number | null; records: Uint8Array[] }, b: { height: number | null; records: Uint8Array[] }): boolean {
  if (a.height !== b.height || a.records.length !== b.records.length) return false;
  return a.records.every((r, i) => Buffer.from(r).equals(Buffer.from(b.records[i]!)));
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** Lets every queued write and fsync of a MemoryDisk finish (they resolve through promises only). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `seed` draws the torn prefixes. */
async function crashRun(list: Op[], segmentBytes: number, seed: number): Promise<void> {
  let disk = new MemoryDisk();
  const options = (): { maxSegmentBytes: number; disk: Disk } => ({ maxSegmentBytes: segmentBytes, disk });
  let wal = await Wal.open(DIR, silentLogger(), options());
  let entries: Entry[] = [];
  let lastHeight: number | null = null;
  /** Entries known durable: those before a resolved appendSync/flush/startHeight. */
  let acked = 0;
  /** Acknowledgements of a crashed WAL's calls must not count for the next one. */
  let epoch = 0;
  let s = seed >>> 0;
  const torn = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const track = (p: Promise<void>): void => {
    const n = entries.length;
    const mine = epoch;
    p.then(
      () => {
        if (mine === epoch) acked = Math.max(acked, n);
      },
      (err: unknown) => {
        throw err;
      },
    );
  };

  const reopened = async (ackedAtCrash: number): Promise<void> => {
    wal = await Wal.open(DIR, silentLogger(), options());
    let match = -1;
    for (let k = entries.length; k >= ackedAtCrash && match < 0; k--) if (sameReplay(wal.replay, replayOfPrefix(entries.slice(0, k)))) match = k;
    if (match < 0) {
      throw new Error(`replay ${JSON.stringify({ height: wal.replay.height, n: wal.replay.records.length })} is no prefix of the calls holding the ${ackedAtCrash} acknowledged entries`);
    }
    // The model starts again from what the reopened WAL holds.
    lastHeight = wal.replay.height;
    entries = [...(lastHeight === null ? [] : [{ marker: true as const, height: lastHeight }]), ...wal.replay.records.map((r) => ({ marker: false as const, record: r }))];
    acked = entries.length;
  };

  for (const o of list) {
    switch (o.t) {
      case 'append':
        wal.append(o.record);
        entries.push({ marker: false, record: o.record.slice() });
        break;
      case 'appendSync':
        entries.push({ marker: false, record: o.record.slice() });
        track(wal.appendSync(o.record));
        break;
      case 'startHeight': {
        const height: number = (lastHeight ?? 1) + o.step;
        if (height !== lastHeight) entries.push({ marker: true, height });
        lastHeight = height;
        track(wal.startHeight(height));
        break;
      }
      case 'flush':
        track(wal.flush());
        break;
      case 'tick':
        await ticks(o.n);
        break;
      case 'reopen':
        await wal.close();
        await reopened(entries.length); // a clean close loses nothing
        break;
      case 'crash': {
        await ticks(o.ticks);
        const ackedAtCrash = acked;
        epoch++;
        disk = disk.crash(o.torn ? { torn } : {});
        await reopened(ackedAtCrash);
        break;
      }
    }
  }
  await settle();
  await wal.close();
}

describe('Wal on a MemoryDisk', () => {
  it('after a crash at any point, replays a prefix of the calls that holds every acknowledged record', async () => {
    await fc.assert(fc.asyncProperty(ops, maxSegmentBytes, fc.integer(), crashRun), { numRuns: 300 });
  });

  it('an appendSync acknowledged just before the crash is replayed; an append never flushed is not', async () => {
    const disk = new MemoryDisk();
    const wal = await Wal.open(DIR, silentLogger(), { disk });
    await wal.startHeight(3);
    await wal.appendSync(Uint8Array.of(1));
    wal.append(Uint8Array.of(2)); // written to the page cache at once, never fsync'd
    await settle();
    const after = await Wal.open(DIR, silentLogger(), { disk: disk.crash() });
    expect(after.replay).toEqual({ height: 3, records: [Uint8Array.of(1)] });
    await after.close();
  });

  it('the same calls on nodeDisk and on a MemoryDisk leave the same files and the same replay', async () => {
    const noCrash = fc.array(writeOp.filter((o) => o.t !== 'reopen'), { maxLength: 50 });
    await fc.assert(
      fc.asyncProperty(noCrash, maxSegmentBytes, async (list, segmentBytes) => {
        const tmp = await tempDir('wal-diff');
        try {
          const realDir = join(tmp.path, 'cs.wal');
          const results = [];
          for (const [disk, dir] of [
            [nodeDisk, realDir],
            [new MemoryDisk(), DIR],
          ] as const) {
            const wal = await Wal.open(dir, silentLogger(), { disk, maxSegmentBytes: segmentBytes });
            let height: number | null = null;
            const pending: Promise<void>[] = [];
            for (const o of list) {
              if (o.t === 'append') wal.append(o.record);
              else if (o.t === 'appendSync') pending.push(wal.appendSync(o.record));
              else if (o.t === 'flush') pending.push(wal.flush());
              else if (o.t === 'startHeight') {
                height = (height ?? 1) + o.step;
                pending.push(wal.startHeight(height));
              } else if (o.t === 'tick') await ticks(o.n);
            }
            await Promise.all(pending);
            await wal.close();
            const files: Record<string, string> = {};
            for (const name of (await disk.list(dir)).sort()) files[name] = Buffer.from(await disk.readFile(join(dir, name))).toString('hex');
            const again = await Wal.open(dir, silentLogger(), { disk, maxSegmentBytes: segmentBytes });
            await again.close();
            results.push({ files, replay: again.replay });
          }
          expect(results[1]).toEqual(results[0]);
          // nodeDisk is the file system itself.
          expect((await readdir(realDir)).sort()).toEqual(Object.keys(results[0]!.files));
          for (const [name, hex] of Object.entries(results[0]!.files)) expect((await readFile(join(realDir, name))).toString('hex')).toBe(hex);
        } finally {
          await tmp.cleanup();
        }
      }),
      { numRuns: 40 },
    );
  });
});

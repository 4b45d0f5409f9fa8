/**
 * The priv-validator on a MemoryDisk, crashed at random points of random sequences of sign
 * requests: a checker that sees every signature as it leaves (before any guard, as the
 * simulator's double-sign checker sees the wire) never sees two different sign bytes for one
 * height/round/step, nor a signature for a step before one already given. With either unsafe
 * switch on, fast-check finds a sequence that the checker reports: the check can fail.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { keyPairFromSeed, verify } from '../../src/crypto/ed25519.js';
import { PrivValidator, SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, writeValidatorKey, type PrivValidatorOptions, type SignStep } from '../../src/node/priv-validator.js';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';
import { ManualClock } from '../support/manual-clock.js';

const KEY = keyPairFromSeed(new Uint8Array(32).fill(7));
const STATE = '/home/data/priv_validator_state.json';
const SYNC_MS = 2;

type Op =
  | { t: 'sign'; height: number; round: number; step: SignStep; bytes: string }
  | { t: 'tick'; n: number }
  | { t: 'advance' }
  | { t: 'crash'; ticks: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      t: fc.constant('sign' as const),
      height: fc.integer({ min: 1, max: 3 }),
      round: fc.integer({ min: 0, max: 1 }),
      step: fc.constantFrom<SignStep>(SIGN_STEP_PROPOSAL, SIGN_STEP_PREVOTE, SIGN_STEP_PRECOMMIT),
      bytes: fc.constantFrom('block A', 'block B'),
    }),
    weight: 5,
  },
  fc.record({ t: fc.constant('tick' as const), n: fc.integer({ min: 0, max: 20 }) }),
  { arbitrary: fc.record({ t: fc.constant('advance' as const) }), weight: 2 },
  fc.record({ t: fc.constant('crash' as const), ticks: fc.integer({ min: 0, max: 20 }) }),
);
const ops = fc.array(op, { maxLength: 30 });

/** What the checker saw leave the validator, in order; a description of the first violation, or null. */
class WireChecker {
  private readonly given = new Map<string, string>();
  private last: [number, number, number] | null = null;
  violation: string | null = null;

  observe(height: number, round: number, step: number, bytes: string): void {
    if (this.violation) return;
    const hrs = `${height}/${round}/${step}`;
    const before = this.given.get(hrs);
    if (before !== undefined && before !== bytes) this.violation = `double sign at ${hrs}: "${before}" then "${bytes}"`;
    const last = this.last;
    if (last && before === undefined && (height - last[0] || round - last[1] || step - last[2]) < 0) {
      this.violation = `signed ${hrs} after ${last.join('/')}`;
    }
    this.given.set(hrs, bytes);
    if (!last || (height - last[0] || round - last[1] || step - last[2]) > 0) this.last = [height, round, step];
  }
}

const ticks = async (n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await Promise.resolve();
};

/** Runs the ops; returns the checker's verdict. fsyncs take SYNC_MS on a manual clock, so a crash can fall before one completes. */
async function run(list: Op[], unsafe: Omit<PrivValidatorOptions, 'disk'>): Promise<string | null> {
  const clock = new ManualClock();
  let disk = new MemoryDisk({ clock, syncMs: SYNC_MS });
  const mkdir = disk.mkdirDurably('/home/data');
  clock.advance(SYNC_MS);
  await mkdir;
  let pv = await PrivValidator.create(KEY, STATE, { ...unsafe, disk });
  const checker = new WireChecker();
  let epoch = 0;
  for (const o of list) {
    switch (o.t) {
      case 'sign': {
        const mine = epoch;
        const signBytes = new TextEncoder().encode(o.bytes);
        pv.sign(o.height, o.round, o.step, signBytes).then(
          (signature) => {
            expect(verify(KEY.publicKey, signBytes, signature)).toBe(true);
            // A signature that a crashed validator's code returns after the crash never left it.
            if (mine === epoch) checker.observe(o.height, o.round, o.step, o.bytes);
          },
          (err: { code?: string }) => {
            if (err.code !== 'DOUBLE_SIGN_REFUSED') throw err;
          },
        );
        break;
      }
      case 'tick':
        await ticks(o.n);
        break;
      case 'advance':
        clock.advance(SYNC_MS);
        await ticks(10);
        break;
      case 'crash': {
        await ticks(o.ticks);
        epoch++;
        disk = disk.crash();
        pv = await PrivValidator.create(KEY, STATE, { ...unsafe, disk });
        break;
      }
    }
  }
  // Let what is still in flight finish and be seen.
  for (let i = 0; i < 5; i++) {
    clock.advance(SYNC_MS);
    await ticks(20);
  }
  return checker.violation;
}

describe('PrivValidator on a MemoryDisk, crashed at random points', () => {
  it('never gives two different signatures for one height/round/step, nor goes back, across crashes', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (list) => {
        expect(await run(list, {})).toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  for (const unsafe of [{ unsafeSkipGuard: true }, { unsafeSignBeforePersist: true }]) {
    it(`with ${Object.keys(unsafe)[0]} the checker finds a double sign`, async () => {
      const result = await fc.check(
        fc.asyncProperty(ops, async (list) => {
          expect(await run(list, unsafe)).toBeNull();
        }),
        { numRuns: 300, seed: 42 },
      );
      expect(result.failed).toBe(true);
      expect(String(result.errorInstance)).toMatch(/double sign|signed .* after/);
    });
  }

  it('unsafeSignBeforePersist: the signature leaves before the state is durable, so a crash then forgets it', async () => {
    const clock = new ManualClock();
    const disk = new MemoryDisk({ clock, syncMs: SYNC_MS });
    const pv = await PrivValidator.create(KEY, '/state.json', { disk, unsafeSignBeforePersist: true });
    const signature = await pv.sign(4, 0, SIGN_STEP_PREVOTE, new TextEncoder().encode('block A'));
    expect(signature).toHaveLength(64);
    const restarted = await PrivValidator.create(KEY, '/state.json', { disk: disk.crash() });
    expect(restarted.lastSigned).toBeNull();
    const second = restarted.sign(4, 0, SIGN_STEP_PREVOTE, new TextEncoder().encode('block B'));
    await ticks(10);
    clock.advance(SYNC_MS); // the background write of the first validator never completes: it crashed
    await ticks(10);
    clock.advance(SYNC_MS);
    await expect(second).resolves.toHaveLength(64);
  });

  it('load reads the key and the sign state from the given disk', async () => {
    const disk = new MemoryDisk();
    await writeValidatorKey('/key.json', KEY, disk);
    const pv = await PrivValidator.load('/key.json', '/state.json', { disk });
    expect(toHex(pv.publicKey)).toBe(toHex(KEY.publicKey));
    await pv.sign(2, 0, SIGN_STEP_PRECOMMIT, new TextEncoder().encode('x'));
    const again = await PrivValidator.load('/key.json', '/state.json', { disk: disk.crash() });
    expect(again.lastSigned).toEqual({ height: 2, round: 0, step: SIGN_STEP_PRECOMMIT });
    await expect(PrivValidator.load('/missing.json', '/state.json', { disk: new MemoryDisk() })).rejects.toMatchObject({ code: 'INVALID_VALIDATOR_KEY' });
  });
});

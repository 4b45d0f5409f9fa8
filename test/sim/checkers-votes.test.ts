/**
 * The vote record the accountability checker reads: every distinct verified vote once (copies
 * share a signature), forged ones never, bounded with a count of what was dropped; and on the
 * simulator, a Byzantine validator's votes sent to single peers are in it too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { encodeVote, voteSignBytes, type Vote, type VoteType } from '../../src/codec/vote.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { keyPairFromSeed, sign } from '../../src/crypto/ed25519.js';
import { runScenario } from '../../src/sim/run-scenario.js';
import { VoteWatch } from '../../src/sim/vote-watch.js';

const CHAIN = 'cmt-test-votes';
const keys = [1, 2, 3].map((n) => keyPairFromSeed(new Uint8Array(32).fill(n)));
const validators = keys.map((k, i) => ({ name: `v${i}`, publicKey: k.publicKey, correct: true }));

function vote(signer: number, type: VoteType, height: number, round: number, block: number, signedBy = signer): Vote {
  const blockHash = block === 0 ? new Uint8Array(0) : new Uint8Array(32).fill(block);
  const unsigned = { type, height, round, blockHash, validatorAddress: addressFromPublicKey(keys[signer]!.publicKey), validatorIndex: signer };
  return { ...unsigned, signature: sign(keys[signedBy]!.privateKey, voteSignBytes(CHAIN, unsigned)) };
}

const voteArb = fc.record({
  signer: fc.integer({ min: 0, max: 2 }),
  type: fc.constantFrom<VoteType>(1, 2),
  height: fc.integer({ min: 1, max: 2 }),
  round: fc.integer({ min: 0, max: 1 }),
  block: fc.integer({ min: 0, max: 2 }),
  forged: fc.boolean(),
});

describe('the vote record', () => {
  it('keeps each distinct verified vote once, in the order first seen, and no forged one', () => {
    fc.assert(
      fc.property(fc.array(voteArb, { maxLength: 30 }), (drawn) => {
        const watch = new VoteWatch(CHAIN, validators);
        drawn.forEach((d, at) => watch.vote(encodeVote(vote(d.signer, d.type, d.height, d.round, d.block, d.forged ? (d.signer + 1) % 3 : d.signer)), at));
        const expected: string[] = [];
        drawn.forEach((d) => {
          if (d.forged) return;
          const key = `${toHex(addressFromPublicKey(keys[d.signer]!.publicKey))}/${d.height}/${d.round}/${d.type}/${d.block === 0 ? '' : toHex(new Uint8Array(32).fill(d.block))}`;
          if (!expected.includes(key)) expected.push(key);
        });
        expect(watch.records.map((r) => `${r.validator}/${r.height}/${r.round}/${r.type}/${r.blockHash}`)).toEqual(expected);
        expect(watch.records.map((r) => r.at)).toEqual([...watch.records.map((r) => r.at)].sort((a, b) => a - b));
      }),
      { numRuns: 100 },
    );
  });

  it('stops at its bound and counts what it dropped', () => {
    const watch = new VoteWatch(CHAIN, validators, 1_000, 3);
    for (let h = 1; h <= 5; h++) watch.vote(encodeVote(vote(0, 1, h, 0, 1)));
    watch.vote(encodeVote(vote(0, 1, 1, 0, 1)));
    expect(watch.records.map((r) => r.height)).toEqual([1, 2, 3]);
    expect(watch.stats.droppedRecords).toBe(2);
  });

  it("holds a Byzantine validator's votes to single peers (double-prevote sends each side its own)", async () => {
    const { run } = await runScenario(
      {
        name: 'votes',
        seed: 1,
        durationMs: 3_000,
        validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10, ...(name === 'v3' ? { byzantine: 'double-prevote' as const } : {}) })),
        network: { delay: { kind: 'fixed', ms: 5 }, drop: 0, duplicate: 0 },
        faults: [],
        livenessBoundMs: 2_000,
        timeouts: { nextBlockDelay: 100 },
      },
      1,
    );
    const v3 = run.validators[3]?.address;
    const prevotes = (run.votes ?? []).filter((v) => v.validator === v3 && v.type === 1);
    const positions = prevotes.map((v) => `${v.height}/${v.round}`);
    expect(new Set(positions).size).toBeLessThan(positions.length);
    expect(run.votes?.every((v) => v.at <= run.endMs)).toBe(true);
  }, 30_000);
});

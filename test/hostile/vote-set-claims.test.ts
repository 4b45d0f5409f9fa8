/**
 * The vote set under equivocations and +2/3 claims (spec/hostile-input.md, "Vote sets and
 * proof-of-lock"): generated vote and claim sequences against a plain model. A block's tally
 * never counts a validator twice, first votes always count, a conflicting vote counts only for
 * a block claimed before it arrived, and memory stays bounded whatever peers claim.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { PREVOTE, type Vote } from '../../src/codec/vote.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { isTwoThirds, MAX_CLAIMS_PER_VOTE_SET, VoteSet } from '../../src/consensus/vote-set.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';

const BLOCKS = [new Uint8Array(0), ...[1, 2, 3, 4].map((b) => new Uint8Array(32).fill(b))];

type Op = { kind: 'vote'; validator: number; block: number } | { kind: 'claim'; peer: number; block: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('vote' as const), validator: fc.nat(9), block: fc.nat(BLOCKS.length - 1) }),
  fc.record({ kind: fc.constant('claim' as const), peer: fc.nat(3 * MAX_CLAIMS_PER_VOTE_SET), block: fc.nat(BLOCKS.length - 1) }),
);

function setOf(powers: number[]): ValidatorSet {
  return ValidatorSet.fromGenesis(powers.map((power, i) => ({ publicKey: keyPairFromSeed(new Uint8Array(32).fill(i + 1)).publicKey, power })));
}

describe('VoteSet per-block tallies with conflicting votes and claims', () => {
  it('agree with a model: no validator counted twice for a block, conflicting votes only for claimed blocks, bounded memory', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 10 }), fc.array(op, { maxLength: 400 }), (powers, ops) => {
        const validators = setOf(powers);
        const set = new VoteSet(validators, PREVOTE, 0);
        const first = new Map<number, string>();
        const counted = new Map<string, Set<number>>();
        const claimedBy = new Map<number, string>();
        const claimed = new Set<string>();
        const power = (key: string) => [...(counted.get(key) ?? [])].reduce((s, i) => s + (validators.getByIndex(i)?.power ?? 0), 0);
        const count = (key: string, i: number) => {
          counted.set(key, (counted.get(key) ?? new Set()).add(i));
          if (key !== '' && isTwoThirds(power(key), validators.totalPower)) claimed.add(key);
        };
        let equivocations = 0;
        for (const o of ops) {
          const hash = BLOCKS[o.block] as Uint8Array;
          const key = toHex(hash);
          if (o.kind === 'claim') {
            set.claim(`peer${o.peer}`, hash);
            if (hash.length > 0 && !claimedBy.has(o.peer) && claimedBy.size < MAX_CLAIMS_PER_VOTE_SET) {
              claimedBy.set(o.peer, key);
              claimed.add(key);
            }
            continue;
          }
          const index = o.validator % validators.size;
          const v = validators.getByIndex(index)!;
          const vote: Vote = { type: PREVOTE, height: 1, round: 0, blockHash: hash, validatorAddress: v.address, validatorIndex: index, signature: new Uint8Array(64) };
          const result = set.add(vote);
          if (!first.has(index)) {
            expect(result.kind).toBe('added');
            first.set(index, key);
            count(key, index);
          } else if (first.get(index) === key || counted.get(key)?.has(index)) {
            expect(result.kind).toBe('duplicate');
          } else {
            expect(result).toMatchObject({ kind: 'conflict', counted: claimed.has(key) });
            equivocations++;
            if (claimed.has(key)) count(key, index);
          }
        }
        for (const hash of BLOCKS) {
          const key = toHex(hash);
          const votes = set.votesFor(hash);
          expect(new Set(votes.map((v) => v.validatorIndex)).size).toBe(votes.length);
          expect(votes.map((v) => v.validatorIndex).sort()).toEqual([...(counted.get(key) ?? [])].sort());
          expect(set.powerFor(hash)).toBe(power(key));
          expect(set.powerFor(hash)).toBeLessThanOrEqual(validators.totalPower);
          expect(set.hasTwoThirdsFor(hash)).toBe(isTwoThirds(power(key), validators.totalPower));
        }
        const firstPower = [...first.keys()].reduce((s, i) => s + (validators.getByIndex(i)?.power ?? 0), 0);
        expect(set.hasTwoThirdsAny()).toBe(isTwoThirds(firstPower, validators.totalPower));
        expect(set.all()).toHaveLength(first.size);
        expect(set.claimCount).toBeLessThanOrEqual(MAX_CLAIMS_PER_VOTE_SET);
        expect(set.blockCount).toBeLessThanOrEqual(BLOCKS.length);
        // Beyond the first votes only second votes of equivocators are kept, at most one per claimed block each.
        expect(set.everyVote().length - first.size).toBeLessThanOrEqual(Math.min(equivocations, validators.size * claimed.size));
      }),
      { numRuns: 300 },
    );
  });

  it('two blocks reach +2/3 in one round only if more than 1/3 of the power voted for both', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 4, maxLength: 10 }), fc.array(op, { maxLength: 300 }), (powers, ops) => {
        const validators = setOf(powers);
        const set = new VoteSet(validators, PREVOTE, 0);
        for (const o of ops) {
          const hash = BLOCKS[o.block] as Uint8Array;
          if (o.kind === 'claim') set.claim(`peer${o.peer}`, hash);
          else {
            const index = o.validator % validators.size;
            const v = validators.getByIndex(index)!;
            set.add({ type: PREVOTE, height: 1, round: 0, blockHash: hash, validatorAddress: v.address, validatorIndex: index, signature: new Uint8Array(64) });
          }
        }
        const withMajority = BLOCKS.filter((b) => set.hasTwoThirdsFor(b));
        if (withMajority.length < 2) return;
        const [a, b] = withMajority.map((h) => new Set(set.votesFor(h).map((v) => v.validatorIndex))) as [Set<number>, Set<number>];
        const both = [...a].filter((i) => b.has(i)).reduce((s, i) => s + (validators.getByIndex(i)?.power ?? 0), 0);
        expect(both * 3).toBeGreaterThan(validators.totalPower);
      }),
      { numRuns: 300 },
    );
  });
});

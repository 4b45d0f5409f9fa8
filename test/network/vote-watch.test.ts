/**
 * The chaos runner's reading of the gossip: conflicting signed votes name their validator, and
 * a double sign only for a correct one; forged or undecodable bytes never count.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VoteWatch } from '../../src/sim/vote-watch.js';
import { toHex } from '../../src/codec/bytes.js';
import { encodeProposalMessage } from '../../src/codec/gossip.js';
import { encode } from '../../src/codec/schema.js';
import { encodeVote, Evidence, proposalSignBytes, voteSignBytes, type Vote, type VoteType } from '../../src/codec/vote.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { keyPairFromSeed, sign } from '../../src/crypto/ed25519.js';

const CHAIN = 'cmt-chaos-watch';
const keys = [1, 2, 3, 4].map((n) => keyPairFromSeed(new Uint8Array(32).fill(n)));
const validators = keys.map((k, i) => ({ name: `v${i}`, publicKey: k.publicKey, correct: i !== 3 }));
const addressOf = (i: number): string => toHex(addressFromPublicKey(keys[i]!.publicKey));

function vote(signer: number, type: VoteType, height: number, round: number, block: number, signedBy = signer): Vote {
  const blockHash = block === 0 ? new Uint8Array(0) : new Uint8Array(32).fill(block);
  const unsigned = { type, height, round, blockHash, validatorAddress: addressFromPublicKey(keys[signer]!.publicKey), validatorIndex: signer };
  return { ...unsigned, signature: sign(keys[signedBy]!.privateKey, voteSignBytes(CHAIN, unsigned)) };
}

const voteArb = fc.record({
  signer: fc.integer({ min: 0, max: 3 }),
  type: fc.constantFrom<VoteType>(1, 2),
  height: fc.integer({ min: 1, max: 3 }),
  round: fc.integer({ min: 0, max: 1 }),
  block: fc.integer({ min: 0, max: 2 }),
  forged: fc.boolean(),
});

describe('VoteWatch', () => {
  it('names exactly the validators with two different genuine votes for one slot, and counts double signs only for correct ones', () => {
    fc.assert(
      fc.property(fc.array(voteArb, { maxLength: 40 }), (seen) => {
        const watch = new VoteWatch(CHAIN, validators);
        const slots = new Map<string, Set<number>>();
        for (const v of seen) {
          // A forged vote carries v's address and another validator's signature.
          watch.vote(encodeVote(vote(v.signer, v.type, v.height, v.round, v.block, v.forged ? (v.signer + 1) % 4 : v.signer)));
          if (v.forged) continue;
          const key = `${v.signer}/${v.height}/${v.round}/${v.type}`;
          slots.set(key, (slots.get(key) ?? new Set()).add(v.block));
        }
        const conflicting = [...slots].filter(([, blocks]) => blocks.size > 1).map(([key]) => key.split('/').map(Number) as [number, number, number, number]);
        expect(new Set(watch.evidence)).toEqual(new Set(conflicting.map(([s]) => addressOf(s))));
        expect(new Set(watch.doubleSigns.map((d) => `${d.node}/${d.height}/${d.round}/${d.type}`))).toEqual(new Set(conflicting.filter(([s]) => s !== 3).map((k) => k.join('/'))));
        expect(watch.stats.unverified).toBe(seen.filter((v) => v.forged).length);
      }),
    );
  });

  it('reads conflicting votes out of evidence, and ignores junk and unknown signers', () => {
    const watch = new VoteWatch(CHAIN, validators);
    const evidence = encode(Evidence, { type: 'duplicateVote', voteA: vote(3, 1, 5, 0, 1), voteB: vote(3, 1, 5, 0, 0), totalVotingPower: 40, validatorPower: 10, time: 0 });
    watch.evidenceMessage(evidence);
    expect(watch.evidence).toEqual([addressOf(3)]);
    expect(watch.doubleSigns).toEqual([]);
    for (const junk of [new Uint8Array(0), Uint8Array.of(1, 2, 3), new Uint8Array(200).fill(7)]) {
      watch.vote(junk);
      watch.proposal(junk);
      watch.evidenceMessage(junk);
    }
    const stranger = keyPairFromSeed(new Uint8Array(32).fill(9));
    const unsigned = { type: 1 as const, height: 1, round: 0, blockHash: new Uint8Array(0), validatorAddress: addressFromPublicKey(stranger.publicKey), validatorIndex: 0 };
    watch.vote(encodeVote({ ...unsigned, signature: sign(stranger.privateKey, voteSignBytes(CHAIN, unsigned)) }));
    expect(watch.evidence).toEqual([addressOf(3)]);
    expect(watch.stats.unverified).toBe(10);
  });

  it('records two different proposals of one proposer for one height and round', () => {
    const watch = new VoteWatch(CHAIN, validators);
    const proposal = (block: number) => {
      const unsigned = { height: 4, round: 1, polRound: -1, blockHash: new Uint8Array(32).fill(block) };
      return encodeProposalMessage({ proposal: { ...unsigned, signature: sign(keys[2]!.privateKey, proposalSignBytes(CHAIN, unsigned)) }, block: new Uint8Array(0) });
    };
    watch.proposal(proposal(1));
    watch.proposal(proposal(1));
    expect(watch.conflictingProposals).toEqual([]);
    watch.proposal(proposal(2));
    watch.proposal(proposal(3));
    expect(watch.conflictingProposals).toEqual([{ name: 'v2', height: 4, round: 1 }]);
  });

  it('keeps at most its bound of votes and counts the rest', () => {
    const watch = new VoteWatch(CHAIN, validators, 5);
    for (let h = 1; h <= 8; h++) watch.vote(encodeVote(vote(0, 1, h, 0, 1)));
    watch.vote(encodeVote(vote(0, 1, 8, 0, 2)));
    expect(watch.stats.overflow).toBe(4);
    expect(watch.evidence).toEqual([]);
  });
});

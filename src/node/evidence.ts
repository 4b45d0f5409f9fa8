/**
 * Duplicate-vote evidence: one validator signed two different votes for the same height,
 * round and type. Checked as CometBFT's VerifyDuplicateVote: both signatures valid for the
 * validator of that height, the power fields match that height's set, the time is that
 * block's time, and the evidence is young enough. The two votes are ordered by block hash, so
 * one offence has exactly one encoding (and one hash).
 */
import { bytesEqual, compareBytes, toHex } from '../codec/bytes.js';
import { sha256 } from '../codec/hash.js';
import { encode } from '../codec/schema.js';
import { Evidence, voteSignBytes, type Vote } from '../codec/vote.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import { verify } from '../crypto/ed25519.js';
import type { ChainState } from './chain-state.js';

export type DuplicateVote = Extract<Evidence, { type: 'duplicateVote' }>;

export interface EvidenceContext {
  state: ChainState;
  /** The members, indexes and powers at `height`; its proposer priorities may be another height's (membersAt). */
  validatorsAt(height: number): Promise<ValidatorSet | undefined>;
  blockTimeAt(height: number): Promise<number | undefined>;
}

export function evidenceKey(evidence: Evidence): Uint8Array {
  return sha256(encode(Evidence, evidence));
}

/** The two votes in canonical order (lower block hash first; nil is the empty hash, lowest). */
export function orderedVotes(a: Vote, b: Vote): [Vote, Vote] {
  return compareBytes(a.blockHash, b.blockHash) <= 0 ? [a, b] : [b, a];
}

export function duplicateVoteEvidence(a: Vote, b: Vote, set: ValidatorSet, time: number): DuplicateVote {
  const [voteA, voteB] = orderedVotes(a, b);
  const validator = set.getByIndex(voteA.validatorIndex);
  return { type: 'duplicateVote', voteA, voteB, totalVotingPower: set.totalPower, validatorPower: validator?.power ?? 0, time };
}

/** Why `evidence` is not valid evidence for the chain in `ctx`, or null. */
export async function checkEvidence(evidence: Evidence, ctx: EvidenceContext): Promise<string | null> {
  const { voteA: a, voteB: b } = evidence;
  if (a.height !== b.height || a.round !== b.round || a.type !== b.type) return 'the votes are for different heights, rounds or types';
  if (!bytesEqual(a.validatorAddress, b.validatorAddress) || a.validatorIndex !== b.validatorIndex) return 'the votes are from different validators';
  if (compareBytes(a.blockHash, b.blockHash) >= 0) return 'the votes are not for different blocks in canonical order';
  const { state } = ctx;
  if (a.height > state.lastBlockHeight) return `evidence for height ${a.height}, which is not committed yet`;
  if (state.lastBlockHeight - a.height > state.consensusParams.evidenceMaxAgeBlocks) return `evidence for height ${a.height} is older than ${state.consensusParams.evidenceMaxAgeBlocks} blocks`;
  const set = await ctx.validatorsAt(a.height);
  if (!set) return `no validator set known for height ${a.height}`;
  const validator = set.getByIndex(a.validatorIndex);
  if (!validator || !bytesEqual(validator.address, a.validatorAddress)) return `${toHex(a.validatorAddress)} is not validator ${a.validatorIndex} at height ${a.height}`;
  if (evidence.validatorPower !== validator.power || evidence.totalVotingPower !== set.totalPower) return 'the power fields do not match the validator set of that height';
  if (evidence.time !== (await ctx.blockTimeAt(a.height))) return 'the time is not the time of the block at that height';
  for (const vote of [a, b]) {
    if (!verify(validator.publicKey, voteSignBytes(state.chainId, vote), vote.signature)) return 'a vote signature does not verify';
  }
  return null;
}

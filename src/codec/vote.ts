/**
 * Consensus messages: votes, proposals, commits and evidence. Each signature covers a domain
 * string, the chain id and the fields that matter to safety (never the signer's index, which
 * is only a hint to find its key).
 */
import { concatBytes, utf8 } from './bytes.js';
import { DecodeError } from './errors.js';
import { decode, encode, fixedBytes, bytes, list, mapped, optionalRound, safeUint, struct, text, union, type Codec, type Infer } from './schema.js';
import { MAX_CHAIN_ID_LENGTH } from './tx.js';

export const PREVOTE = 1;
export const PRECOMMIT = 2;
export type VoteType = typeof PREVOTE | typeof PRECOMMIT;

export const voteType: Codec<VoteType> = mapped(safeUint, 'voteType', (t: VoteType) => t, (wire, path) => {
  if (wire !== PREVOTE && wire !== PRECOMMIT) throw new DecodeError(`${path}: vote type must be 1 (prevote) or 2 (precommit)`);
  return wire;
});

/** A block hash, or empty bytes for nil (a vote for no block). */
export const hashOrNil: Codec<Uint8Array> = mapped(bytes(32), 'hash|nil', (h: Uint8Array) => h, (wire, path) => {
  if (wire.length !== 0 && wire.length !== 32) throw new DecodeError(`${path}: expected 32 bytes or empty`);
  return wire;
});

export const Vote = struct('Vote', {
  type: voteType,
  height: safeUint,
  round: safeUint,
  blockHash: hashOrNil,
  validatorAddress: fixedBytes(20),
  validatorIndex: safeUint,
  signature: fixedBytes(64),
});
export type Vote = Infer<typeof Vote>;

const VoteSignDoc = struct('VoteSignDoc', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  type: voteType,
  height: safeUint,
  round: safeUint,
  blockHash: hashOrNil,
});

const VOTE_SIGN_DOMAIN = utf8('cmt/vote/v1\0');

export function voteSignBytes(chainId: string, vote: Pick<Vote, 'type' | 'height' | 'round' | 'blockHash'>): Uint8Array {
  return concatBytes(
    VOTE_SIGN_DOMAIN,
    encode(VoteSignDoc, { chainId, type: vote.type, height: vote.height, round: vote.round, blockHash: vote.blockHash }),
  );
}

export const Proposal = struct('Proposal', {
  height: safeUint,
  round: safeUint,
  /** The round of the proof-of-lock this value was prevoted in, or -1. */
  polRound: optionalRound,
  blockHash: fixedBytes(32),
  signature: fixedBytes(64),
});
export type Proposal = Infer<typeof Proposal>;

const ProposalSignDoc = struct('ProposalSignDoc', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  height: safeUint,
  round: safeUint,
  polRound: optionalRound,
  blockHash: fixedBytes(32),
});

const PROPOSAL_SIGN_DOMAIN = utf8('cmt/proposal/v1\0');

export function proposalSignBytes(chainId: string, p: Pick<Proposal, 'height' | 'round' | 'polRound' | 'blockHash'>): Uint8Array {
  return concatBytes(
    PROPOSAL_SIGN_DOMAIN,
    encode(ProposalSignDoc, { chainId, height: p.height, round: p.round, polRound: p.polRound, blockHash: p.blockHash }),
  );
}

/** How a validator appears in a commit, as in CometBFT's BlockIDFlag. */
export const COMMIT_FLAG_ABSENT = 1;
export const COMMIT_FLAG_COMMIT = 2;
export const COMMIT_FLAG_NIL = 3;
export type CommitFlag = typeof COMMIT_FLAG_ABSENT | typeof COMMIT_FLAG_COMMIT | typeof COMMIT_FLAG_NIL;

const commitFlag: Codec<CommitFlag> = mapped(safeUint, 'commitFlag', (f: CommitFlag) => f, (wire, path) => {
  if (wire !== 1 && wire !== 2 && wire !== 3) throw new DecodeError(`${path}: commit flag must be 1, 2 or 3`);
  return wire;
});

/** One entry per validator of the set, in set order; absent entries carry no address or signature. */
export const CommitSig = struct('CommitSig', {
  flag: commitFlag,
  validatorAddress: bytes(20),
  signature: bytes(64),
});
export type CommitSig = Infer<typeof CommitSig>;

export const MAX_VALIDATORS = 10_000;

export const Commit = struct('Commit', {
  height: safeUint,
  round: safeUint,
  blockHash: hashOrNil,
  signatures: list(CommitSig, MAX_VALIDATORS),
});
export type Commit = Infer<typeof Commit>;

export const DuplicateVoteEvidence = struct('DuplicateVoteEvidence', {
  voteA: Vote,
  voteB: Vote,
  totalVotingPower: safeUint,
  validatorPower: safeUint,
  /** Time (ms) of the block at the evidence's height. */
  time: safeUint,
});

export const Evidence = union('Evidence', {
  duplicateVote: [1, DuplicateVoteEvidence],
});
export type Evidence = Infer<typeof Evidence>;

export function encodeVote(vote: Vote): Uint8Array {
  return encode(Vote, vote);
}

export function decodeVote(data: Uint8Array): Vote {
  return decode(Vote, data, 'vote');
}

/**
 * What validators send each other over the network: gossip messages on topics and the
 * request/response frames of catch-up and block sync. Each is one canonical RLP value, so a
 * peer's bytes either decode to exactly one message or are rejected.
 */
import { MAX_BLOCK_BYTES_STRUCTURAL, MAX_TX_BYTES_STRUCTURAL } from './block.js';
import { bytes, decode, encode, fixedBytes, list, safeUint, struct, type Infer } from './schema.js';
import { Commit, MAX_VALIDATORS, Proposal, Vote, voteType } from './vote.js';

/** Transactions travel in batches: gossipsub costs about as much per message as per kilobyte. */
export const MAX_TX_BATCH = 10_000;
/** At most this many votes in one catch-up answer: 2 types x 10,000 validators x a few rounds. */
export const MAX_VOTES_PER_ANSWER = 100_000;
/** Proposals in one catch-up answer (the newest rounds), and rounds the asker lists. */
export const MAX_PROPOSALS_PER_ANSWER = 64;

/** A proposal and its block; the block is empty when it is too large to gossip (peers then fetch it). */
export const ProposalMessage = struct('ProposalMessage', {
  proposal: Proposal,
  block: bytes(MAX_BLOCK_BYTES_STRUCTURAL),
});
export type ProposalMessage = Infer<typeof ProposalMessage>;

export const TxBatch = list(bytes(MAX_TX_BYTES_STRUCTURAL), MAX_TX_BATCH);

/** A vote bit array's bytes: bit i (byte i >> 3, bit i & 7) set when validator i's vote is held. */
export const MAX_VOTE_BITS_BYTES = Math.ceil(MAX_VALIDATORS / 8);
/** Rounds whose held votes a catch-up request lists, at most. */
export const MAX_ROUNDS_PER_REQUEST = 8;

/** Which validators' prevotes and precommits of one round the asker holds (CometBFT's vote bit arrays). */
export const RoundVoteBits = struct('RoundVoteBits', {
  round: safeUint,
  prevotes: bytes(MAX_VOTE_BITS_BYTES),
  precommits: bytes(MAX_VOTE_BITS_BYTES),
});
export type RoundVoteBits = Infer<typeof RoundVoteBits>;

/**
 * "What do you have for this height that I lack?": sent to a peer when this node stops making
 * progress. It says what the asker holds, so the answer carries only what is missing and a
 * peer with nothing new answers with (almost) nothing.
 */
export const CatchUpRequest = struct('CatchUpRequest', {
  height: safeUint,
  /** Rounds whose proposal the asker holds: the answer leaves those (and their blocks) out. */
  haveProposals: list(safeUint, MAX_PROPOSALS_PER_ANSWER),
  /** The asker's round: the answer covers it as well as the answerer's own rounds that matter. */
  round: safeUint,
  /** The votes the asker holds, per round; a round not listed counts as held by none. */
  haveVotes: list(RoundVoteBits, MAX_ROUNDS_PER_REQUEST),
});
export type CatchUpRequest = Infer<typeof CatchUpRequest>;

/**
 * The answer: the peer's last committed height, and if it is working on the asked height,
 * the proposals the asker lacks and, for the rounds that matter (the asker's and the peer's
 * round, the peer's lock and valid rounds, the proof-of-lock rounds of their proposals), the
 * votes the asker's bit arrays do not have.
 */
export const CatchUpAnswer = struct('CatchUpAnswer', {
  lastHeight: safeUint,
  proposals: list(ProposalMessage, MAX_PROPOSALS_PER_ANSWER),
  votes: list(Vote, MAX_VOTES_PER_ANSWER),
});
export type CatchUpAnswer = Infer<typeof CatchUpAnswer>;

/** The block of a proposal gossiped without it (too large for one gossip message), by its id. */
export const ProposalBlockRequest = struct('ProposalBlockRequest', {
  blockHash: fixedBytes(32),
});

export const BlockRequest = struct('BlockRequest', {
  height: safeUint,
});
export type BlockRequest = Infer<typeof BlockRequest>;

/** A committed block and the commit that finalized it; empty block bytes when the peer lacks it. */
export const BlockAnswer = struct('BlockAnswer', {
  lastHeight: safeUint,
  block: bytes(MAX_BLOCK_BYTES_STRUCTURAL),
  commit: Commit,
});
export type BlockAnswer = Infer<typeof BlockAnswer>;

/** A libp2p peer id in its text form is about 52 characters; room to spare. */
export const MAX_PEER_ID_BYTES = 128;

/**
 * "I hold +2/3 of the `voteType` votes of `round` for `blockHash`" (CometBFT's VoteSetMaj23),
 * sent directly to each peer. The receiver then keeps conflicting votes for that block, and if
 * it lacks +2/3 for it, asks the claimant for the votes with the same message as a
 * VotesForBlockRequest. Unsigned: a false claim costs the receiver one small tally.
 */
export const Maj23Claim = struct('Maj23Claim', {
  height: safeUint,
  round: safeUint,
  voteType,
  blockHash: fixedBytes(32),
});
export type Maj23Claim = Infer<typeof Maj23Claim>;

/** The votes the answerer counts for the asked block (one per validator at most). */
export const VotesForBlockAnswer = list(Vote, MAX_VOTES_PER_ANSWER);

export const encodeProposalMessage = (m: ProposalMessage): Uint8Array => encode(ProposalMessage, m);
export const decodeProposalMessage = (b: Uint8Array): ProposalMessage => decode(ProposalMessage, b, 'proposal message');
export const encodeTxBatch = (txs: Uint8Array[]): Uint8Array => encode(TxBatch, txs);
export const decodeTxBatch = (b: Uint8Array): Uint8Array[] => decode(TxBatch, b, 'transaction batch');

/**
 * The interface of the pure Tendermint state machine: events in, effects out. The core does
 * no I/O, reads no clock, draws no randomness and verifies no signatures: its drivers (the
 * node in src/node, the simulator in src/sim) verify signatures and membership before they
 * feed a message in, sign what the core asks to sign, run timers, and talk to the app.
 */
import type { Commit, Proposal, Vote, VoteType } from '../codec/vote.js';
import type { TimeoutParams } from '../codec/params.js';
import type { ValidatorSet } from './validator-set.js';

/** `decided`: +2/3 precommitted a block and it is being applied (CometBFT's RoundStepCommit). */
export type RoundStep = 'newHeight' | 'propose' | 'prevote' | 'precommit' | 'decided';
/**
 * Each timeout is named after the step it ends. `newHeight`'s is the next-block delay
 * (TimeoutParams.nextBlockDelay): the pause after a block is decided before round 0 of the next height.
 */
export type TimeoutStep = 'newHeight' | 'propose' | 'prevote' | 'precommit';

export type ConsensusEvent =
  /**
   * Begin height `height` with its validator set (proposer priorities already advanced for
   * this height). `lastValidators` and `lastCommit` describe the previous height, so late
   * precommits for it can still be added to the commit the next block carries.
   */
  | {
      type: 'startHeight';
      height: number;
      validators: ValidatorSet;
      timeouts: TimeoutParams;
      lastValidators: ValidatorSet | null;
      lastCommit: Commit | null;
    }
  /** A proposal whose signature the driver checked against the round's proposer; `block` hashes to proposal.blockHash. */
  | { type: 'proposal'; proposal: Proposal; block: Uint8Array }
  /** A vote whose signature and validator index the driver checked against the set of its height. */
  | { type: 'vote'; vote: Vote }
  /**
   * Peer `peer` says it holds +2/3 of the `voteType` votes of `round` for `blockHash`: conflicting
   * votes for that block are kept from now on (see vote-set.ts). Unsigned: a false claim costs
   * one small tally, bounded per peer (one per round and type).
   */
  | { type: 'maj23Claim'; peer: string; height: number; round: number; voteType: VoteType; blockHash: Uint8Array }
  | { type: 'timeout'; height: number; round: number; step: TimeoutStep }
  /** The driver's answer to a validateProposal effect (header checks plus the app's ProcessProposal). */
  /**
   * `timely: false`: the block's time is outside this validator's clock window. It is still
   * valid (it may be locked on and decided); only a new proposal of it is not prevoted.
   */
  | { type: 'proposalValidated'; height: number; round: number; blockHash: Uint8Array; valid: boolean; timely?: boolean }
  /** The driver's answer to a buildProposal effect (the app's PrepareProposal, assembled into a block). */
  | { type: 'proposalBuilt'; height: number; round: number; block: Uint8Array; blockHash: Uint8Array };

export type ConsensusEffect =
  | { type: 'scheduleTimeout'; height: number; round: number; step: TimeoutStep; durationMs: number }
  /** We are the proposer and hold no valid value: build a new block carrying `lastCommit`. */
  | { type: 'buildProposal'; height: number; round: number; lastCommit: Commit | null }
  /** Sign and broadcast this proposal, then feed it back as a 'proposal' event. */
  | { type: 'signProposal'; height: number; round: number; polRound: number; blockHash: Uint8Array; block: Uint8Array }
  /** Sign and broadcast this vote (empty blockHash = nil), then feed it back as a 'vote' event. */
  | { type: 'signVote'; voteType: VoteType; height: number; round: number; blockHash: Uint8Array }
  /** Check this proposed block; answer with a 'proposalValidated' event. */
  | { type: 'validateProposal'; height: number; round: number; blockHash: Uint8Array; block: Uint8Array }
  /** +2/3 precommits for a valid block: finalize it, then send 'startHeight' for height + 1. */
  | { type: 'decide'; height: number; round: number; blockHash: Uint8Array; block: Uint8Array; commit: Commit }
  /** One validator signed two different votes for the same height, round and type. */
  | { type: 'equivocation'; voteA: Vote; voteB: Vote };

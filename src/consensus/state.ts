/**
 * Everything one validator's Tendermint instance remembers, as plain data: the variables of
 * Algorithm 1 in "The latest gossip on BFT consensus" (h_p, round_p, step_p, lockedValue,
 * lockedRound, validValue, validRound, decision) plus the messages received for the height.
 */
import type { TimeoutParams } from '../codec/params.js';
import type { CommitSig, Proposal } from '../codec/vote.js';
import type { RoundStep } from './types.js';
import type { Validator, ValidatorSet } from './validator-set.js';
import type { HeightVoteSet } from './vote-set.js';
import type { MutationSet } from './mutations.js';

export type Validity = 'pending' | 'valid' | 'invalid';

/** The precommits for the previous height, still growing while late ones arrive. */
export interface LastCommitState {
  validators: ValidatorSet;
  height: number;
  round: number;
  blockHash: Uint8Array;
  signatures: CommitSig[];
}

export interface ConsensusState {
  readonly chainId: string;
  /** This node's validator address; null for a node that only follows. */
  readonly selfAddress: Uint8Array | null;
  /** See ConsensusConfig.unsafeMutations: the simulator only, empty on a real node. */
  readonly mutations: MutationSet;
  /** 0 until the first startHeight. */
  height: number;
  round: number;
  step: RoundStep;
  validators: ValidatorSet | null;
  timeouts: TimeoutParams | null;
  /** Proposers by round, computed on demand (each costs `round` priority increments). */
  proposers: Map<number, Validator>;
  votes: HeightVoteSet | null;
  /** The first proposal seen from each round's proposer. */
  proposals: Map<number, Proposal>;
  /** Proposed blocks of this height by hex hash. */
  blocks: Map<string, Uint8Array>;
  /** The app's verdict on each proposed block, by hex hash. */
  validity: Map<string, Validity>;
  /** Valid blocks whose time was outside this validator's clock window, by hex hash. */
  untimely: Set<string>;
  lockedValue: Uint8Array | null;
  lockedRound: number;
  validValue: Uint8Array | null;
  validRound: number;
  decision: { round: number; blockHash: Uint8Array } | null;
  lastCommit: LastCommitState | null;
  /** Rounds in which a once-per-round rule already fired (the paper's "for the first time"). */
  prevoteTimeoutRound: number;
  precommitTimeoutRound: number;
  lockRuleRound: number;
  /** The round whose block we asked the driver to build, or -1. */
  buildingRound: number;
  /** The round whose propose timeout fired while its proposal was still being checked, or -1. */
  proposeTimedOut: number;
}

export interface ConsensusConfig {
  chainId: string;
  selfAddress: Uint8Array | null;
  /**
   * SIMULATOR ONLY: deliberate bugs (src/consensus/mutations.ts), so that the simulator's
   * checkers can be shown to catch real safety and liveness bugs. Never set by a real node.
   */
  unsafeMutations?: MutationSet;
}

export function createConsensusState(config: ConsensusConfig): ConsensusState {
  return {
    chainId: config.chainId,
    selfAddress: config.selfAddress,
    mutations: config.unsafeMutations ?? [],
    height: 0,
    round: 0,
    step: 'newHeight',
    validators: null,
    timeouts: null,
    proposers: new Map(),
    votes: null,
    proposals: new Map(),
    blocks: new Map(),
    validity: new Map(),
    untimely: new Set(),
    lockedValue: null,
    lockedRound: -1,
    validValue: null,
    validRound: -1,
    decision: null,
    lastCommit: null,
    prevoteTimeoutRound: -1,
    precommitTimeoutRound: -1,
    lockRuleRound: -1,
    buildingRound: -1,
    proposeTimedOut: -1,
  };
}

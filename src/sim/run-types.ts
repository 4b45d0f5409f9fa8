/** What a run records (the simulator and the chaos runner both fill one); the checkers judge it. */
import type { ByzantineStrategyName } from './scenario-types.js';

export interface SimDecision {
  height: number;
  round: number;
  blockHash: string;
  /** The validator's own verdict (ProcessProposal and header checks) on the block before applying it. */
  valid: boolean;
  /** The validator's state root after applying it (FinalizeBlock + Commit). */
  appHash: string;
  at: number;
}

/** A signed vote seen on the wire: its signer's hex address, position and the block it is for ('' for nil). */
export interface VoteRecord {
  at: number;
  validator: string;
  height: number;
  round: number;
  /** 1 prevote, 2 precommit (codec/vote.ts). */
  type: number;
  blockHash: string;
}

/** A validator's lock as it changed (Tendermint's lockedRound/lockedValue and validRound/validValue; -1 and '' for none). */
export interface LockRecord {
  at: number;
  node: number;
  height: number;
  lockedRound: number;
  lockedValue: string;
  validRound: number;
}

/** A proposal a node sent on the wire (`made`), or accepted into its core from its proposer. */
export interface ProposalRecord {
  at: number;
  node: number;
  height: number;
  round: number;
  polRound: number;
  blockHash: string;
  /** The proposer's hex address ('' when the node had not computed it). */
  proposer: string;
  made: boolean;
}

export interface TimelinePoint {
  at: number;
  node: number;
  height: number;
  round: number;
  step: string;
}

export interface SimRunValidator {
  name: string;
  address: string;
  power: number;
  byzantine: ByzantineStrategyName | 'twin' | null;
}

export interface SimRun {
  seed: number;
  traceHash: string;
  endMs: number;
  /** When the last fault with an end healed (null: a network fault never heals). */
  gstMs: number | null;
  /** Validators crashed for good, or that refused to start: not asked to be live. */
  down: string[];
  /** Nodes that would not start (a corrupted WAL, a sign state they cannot read), with the node's own error. */
  refusedToStart?: { at: number; node: string; reason: string }[];
  /** One per node: validators, then the scenario's `nodes` (power 0; a twin and its validator are judged Byzantine, 'twin'). */
  validators: SimRunValidator[];
  decisions: SimDecision[][];
  /** Votes correct validators signed twice with different values, seen on the wire (must stay empty). */
  doubleSigns: { node: number; height: number; round: number; type: number }[];
  /** Validators named by the equivocation evidence correct validators collected. */
  evidence: string[];
  timeline: TimelinePoint[];
  faults: { at: number; description: string }[];
  /** Link crossings, those lost, messages a receiver rejected, and the bans rejections caused (the simulator counts bans). */
  messages: { sent: number; lost: number; junk: number; bans?: number };
  /** The validator set that signs each height, recorded where it changes (hex address → power); the first entry is height 1's. The last may be for the height after the last block: the set in force that has not signed yet. */
  validatorSets?: { height: number; powers: Record<string, number> }[];
  /** Every vote signed by any validator as it left a node (the checkers' input for accountability across rounds). */
  votes?: VoteRecord[];
  /** True when `votes` holds every vote any node received (the simulator's view): the locking rule is judged only then. */
  votesComplete?: boolean;
  /** Faults as they were applied: index into the scenario's faults, and when it started or ended (triggered faults included). */
  appliedFaults?: { at: number; phase: 'start' | 'end'; index: number }[];
  /** Double-sign evidence in decided blocks: who it names, at which height it was committed. */
  committedEvidence?: { height: number; validator: string }[];
  /** Each node's lock and valid round as they changed, and the proposals nodes made and accepted (for the timeline; bounded, see core-notes.ts). */
  locks?: LockRecord[];
  proposals?: ProposalRecord[];
}

/**
 * What a simulation scenario says (spec/faults.md): validators and their powers, how long to
 * run, the seed, the network's default behaviour, a timeline of faults, and who is Byzantine.
 * Times are virtual milliseconds from the start of the run.
 */

/** How long a message takes on a link. */
export type DelaySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  /** minMs plus an exponential tail of the given mean: most messages fast, a few slow. */
  | { kind: 'exponential'; minMs: number; meanMs: number };

/** The behaviour of links: every link by default, or one link while a `link` fault lasts. */
export interface LinkBehaviour {
  delay: DelaySpec;
  /** Probability in [0, 1] that a message is lost. */
  drop: number;
  /** Probability in [0, 1] that a message is delivered twice (the copy after its own delay). */
  duplicate: number;
}

import type { ByzantineStrategyName } from '../node/byzantine.js';
import type { ConsensusMessageKind } from '../p2p/link-faults.js';

/** The strategies live with the node (src/node/byzantine.ts): the simulator and real processes run the same code. */
export { BYZANTINE_STRATEGIES, type ByzantineStrategyName } from '../node/byzantine.js';

export interface ScenarioValidator {
  name: string;
  power: number;
  /** A named strategy, or 'random' (one drawn from the seed per run); absent: correct. */
  byzantine?: ByzantineStrategyName | 'random';
  /** Joins at this virtual time (default 0): its process starts then and syncs what it missed. */
  startAt?: number;
}

/** The consensus steps a trigger can wait for (the core's step names). */
export const TRIGGER_STEPS = ['propose', 'prevote', 'precommit', 'decided'] as const;
export type TriggerStep = (typeof TRIGGER_STEPS)[number];

/**
 * A protocol position that starts a fault (`when:` in a scenario file): the fault starts the
 * first time, at or after its `at`, that a watched node enters this position. Absent fields
 * match anything; a trigger that never matches never starts its fault.
 */
export interface ProtocolTrigger {
  /** Whose position is watched (default: any node that is up). */
  node?: string;
  height: number;
  round?: number;
  step?: TriggerStep;
  /** ...and this validator is the proposer of that height and round. */
  proposer?: string;
}

/** The consensus messages a `messages` fault can select: the kinds a node's message rules know. */
export { CONSENSUS_MESSAGE_KINDS as MESSAGE_KINDS } from '../p2p/link-faults.js';
export type MessageKind = ConsensusMessageKind;

/** Which consensus messages a `messages` fault touches: every listed field must match (absent: any). */
export interface MessageFilter {
  kinds?: MessageKind[];
  /** The link's sending end (the node that forwards it, the author or a relay). */
  from?: string[];
  /** The link's receiving end. */
  to?: string[];
  /** Who signed the message (its author, whoever relays it). */
  signer?: string[];
  /** Inclusive ranges. */
  heights?: { min: number; max: number };
  rounds?: { min: number; max: number };
}

/** What a `crash` does to the node's disk before it restarts (disk faults). */
export interface DiskDamage {
  /** The WAL loses its tail at a point drawn from the seed ('truncate'), or one record's bytes are flipped ('corrupt'). */
  wal?: 'truncate' | 'corrupt';
  /** The sign-state file is gone ('lost'), or restored as it was at virtual time `backupAt` (an old backup). */
  signState?: 'lost' | { backupAt: number };
}

/** Timing every fault may add: a protocol trigger, and a length measured from when it started. */
export interface FaultTiming {
  /** Start at the first matching position at or after `at` (instead of at `at` itself). */
  when?: ProtocolTrigger;
  /** Ends this many ms after it started (with `when`, in place of `until` / `restart_at`). */
  forMs?: number;
}

export type FaultEvent = FaultTiming &
  (
    /** Nodes in different groups cannot reach each other from `at` until `until` (absent: for ever). */
    | { type: 'partition'; at: number; until?: number; groups: string[][] }
    /** Messages from `from` to `to` (and back unless oneWay) behave as given while it lasts; drop 1 cuts the link. */
    | { type: 'link'; at: number; until?: number; from: string; to: string; oneWay: boolean; behaviour: Partial<LinkBehaviour> }
    /** The node stops (losing what it had not persisted, and what `disk` says); it restarts at `restartAt`, replaying its WAL and syncing blocks. */
    | { type: 'crash'; at: number; node: string; restartAt?: number; disk?: DiskDamage }
    /** The node stops processing until `until`; messages to it queue up meanwhile. */
    | { type: 'pause'; at: number; until: number; node: string }
    /** From `at`, the node's clock runs `skewMs` ahead (negative: behind) of virtual time. */
    | { type: 'clockSkew'; at: number; node: string; skewMs: number }
    /** From `at`, the node's clock gains `ppm` millionths per ms (negative: loses): its timers fire late or early. */
    | { type: 'clockDrift'; at: number; node: string; ppm: number }
    /** From `at` until `until`, every link behaves as given (random drops and delays for a while). */
    | { type: 'network'; at: number; until?: number; behaviour: Partial<LinkBehaviour> }
    /** From `at` until `until`, the consensus messages the filter selects behave as given (drop 1: lost). */
    | { type: 'messages'; at: number; until?: number; filter: MessageFilter; behaviour: Partial<LinkBehaviour> }
    /** From `at` until `until`, each fsync on the node's disk takes `fsyncMs`. */
    | { type: 'slowDisk'; at: number; until?: number; node: string; fsyncMs: number }
    /** From `at` until `until`, the node takes `msPerEvent` of its time for each message or timer it handles, one at a time. */
    | { type: 'slowCpu'; at: number; until?: number; node: string; msPerEvent: number }
  );

/** A node that holds no validator key of its own: a full node, or a twin running a validator's key (Twins). */
export interface ScenarioNode {
  name: string;
  /** Runs this validator's key, as a second node: equivocation from honest code. Both are judged as Byzantine. */
  twinOf?: string;
  /** Starts at this virtual time (default 0) and syncs what it missed. */
  startAt?: number;
}

/** Transactions handed to every up node during the run. */
export interface ScenarioLoad {
  /** Transfers per second (default 16). */
  txsPerSecond: number;
  /** Memo bytes per transfer, for block size (default 0). */
  memoBytes?: number;
}

/**
 * A staking transaction the simulation submits at `at`: the run's delegator bonds (default)
 * or unbonds `amount` CMT (= `amount` units of power) to or from validator `to`.
 */
export interface ScenarioDelegation {
  at: number;
  to: string;
  amount: number;
  action?: 'delegate' | 'unbond';
}

export interface Scenario {
  name: string;
  /** The seed of the run; `cmt sim run --seed` and `explore` override it. */
  seed: number;
  /** Virtual time the run lasts, in ms. */
  durationMs: number;
  validators: ScenarioValidator[];
  network: LinkBehaviour;
  faults: FaultEvent[];
  /**
   * Liveness: after the last fault heals (the simulated GST), every correct node must commit a
   * new height within this many virtual ms; under faults that never heal, so must every correct
   * node of a connected quorum holding more than 2/3 of the power (src/sim/checkers.ts).
   */
  livenessBoundMs: number;
  /** Delegations submitted during the run (staking changes the validator set at the next epoch, every 10 blocks). */
  delegations?: ScenarioDelegation[];
  /** Nodes beyond the validators: full nodes and twins. */
  nodes?: ScenarioNode[];
  /** The transaction load (default: 16 transfers a second, no memo). */
  load?: ScenarioLoad;
  /** Round timeouts over the defaults (ms), as in genesis `consensus_params.timeouts`. */
  timeouts: Partial<Record<'propose' | 'proposeDelta' | 'prevote' | 'prevoteDelta' | 'precommit' | 'precommitDelta' | 'nextBlockDelay', number>>;
}

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

/** The strategies live with the node (src/node/byzantine.ts): the simulator and real processes run the same code. */
export { BYZANTINE_STRATEGIES, type ByzantineStrategyName } from '../node/byzantine.js';

export interface ScenarioValidator {
  name: string;
  power: number;
  /** A named strategy, or 'random' (one drawn from the seed per run); absent: correct. */
  byzantine?: ByzantineStrategyName | 'random';
}

export type FaultEvent =
  /** Nodes in different groups cannot reach each other from `at` until `until` (absent: for ever). */
  | { type: 'partition'; at: number; until?: number; groups: string[][] }
  /** Messages from `from` to `to` (and back unless oneWay) behave as given while it lasts; drop 1 cuts the link. */
  | { type: 'link'; at: number; until?: number; from: string; to: string; oneWay: boolean; behaviour: Partial<LinkBehaviour> }
  /** The node stops (losing what it had not persisted); it restarts at `restartAt`, replaying its WAL and syncing blocks. */
  | { type: 'crash'; at: number; node: string; restartAt?: number }
  /** The node stops processing until `until`; messages to it queue up meanwhile. */
  | { type: 'pause'; at: number; until: number; node: string }
  /** From `at`, the node's clock runs `skewMs` ahead (negative: behind) of virtual time. */
  | { type: 'clockSkew'; at: number; node: string; skewMs: number }
  /** From `at` until `until`, every link behaves as given (random drops and delays for a while). */
  | { type: 'network'; at: number; until?: number; behaviour: Partial<LinkBehaviour> };

/** A staking transaction the simulation submits: the run's delegator bonds `amount` CMT (= `amount` units of power) to validator `to` at `at`. */
export interface ScenarioDelegation {
  at: number;
  to: string;
  amount: number;
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
   * new height within this many virtual ms.
   */
  livenessBoundMs: number;
  /** Delegations submitted during the run (staking changes the validator set at the next epoch, every 10 blocks). */
  delegations?: ScenarioDelegation[];
  /** Round timeouts over the defaults (ms), as in genesis `consensus_params.timeouts`. */
  timeouts: Partial<Record<'propose' | 'proposeDelta' | 'prevote' | 'prevoteDelta' | 'precommit' | 'precommitDelta' | 'nextBlockDelay', number>>;
}

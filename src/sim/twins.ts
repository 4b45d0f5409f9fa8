/**
 * The Twins generator (Bano et al., "Twins: BFT Systems Made Robust", OPODIS 2022), mapped to
 * this simulator (spec/faults.md, "Twins"). Twins runs f validators as two nodes each with one
 * key — equivocation from honest code — and enumerates, for R rounds, a partition of all the
 * nodes and a leader per round, running every combination up to a bound.
 *
 * Here the proposer of each (height, round) is fixed by the weighted round-robin, so the
 * paper's "leader per round" becomes *where the leader is*: the twinned validators are the
 * proposers of the attacked rounds (in order, as many as f allows), and a round's partition
 * decides which side hears which copy of the leader. Each round's partition is a fault with a
 * protocol trigger, `when: { height, round }`, lasting one round's timeouts (`forMs`); rounds
 * whose partition is a single group add no fault. Partitions are enumerated as restricted
 * growth strings (each set partition once) into at most `groups` groups; a case is a choice
 * of one partition per round, numbered in mixed radix (round 0 most significant), and that
 * number is the deterministic enumeration order. When there are more cases than `max`, `max`
 * distinct ones are drawn with the seed and run in enumeration order.
 */
import { ValidatorSet } from '../consensus/validator-set.js';
import { toHex } from '../codec/bytes.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { Rng } from './rng.js';
import { validatorKey } from './sim-genesis.js';
import type { FaultEvent, Scenario } from './scenario-types.js';

export interface TwinsOptions {
  /** Validators, named v0, v1, …, each of power 10. */
  validators: number;
  /** Validators run twice (f). */
  twins: number;
  /** Rounds of the attacked height, each with its own partition. */
  rounds: number;
  /** At most this many groups per round's partition (2 or 3). Default 2. */
  groups?: number;
  /** The attacked height. Default 1 (its proposers follow from the genesis set alone). */
  height?: number;
  /** At most this many cases. */
  max: number;
  /** Draws the cases when there are more than `max`. Default 1. */
  seed?: number;
}

export interface TwinsCase {
  /** Its number in the enumeration (mixed radix over rounds). */
  index: number;
  /** Per round, the groups (one group: no partition that round). */
  partitions: string[][][];
  scenario: Scenario;
  /** Where the run may stop (RunTask.stopAtHeight): a few heights after the attack. */
  stopAtHeight: number;
}

export interface TwinsPlan {
  /** How many cases exist; `cases` holds all of them or a seeded sample of `max`. */
  total: number;
  sampled: boolean;
  /** Validators that have a twin, and the twins' names. */
  twinned: string[];
  /** The proposer of each attacked round. */
  leaders: string[];
  cases: TwinsCase[];
}

/** Short timeouts keep a case to a few virtual seconds; a round's partition lasts one round of them. */
const TIMEOUTS = { propose: 300, proposeDelta: 100, prevote: 100, prevoteDelta: 50, precommit: 100, precommitDelta: 50, nextBlockDelay: 200 } as const;
/**
 * Generous on purpose: after a partition heals, votes lost during it come back by catch-up,
 * which took up to 3 s in 4-validator runs; a tighter bound flags that latency as a liveness failure.
 */
const LIVENESS_BOUND_MS = 8_000;
/** Runs stop once every correct validator decided this many heights past the attacked one after the partitions healed. */
export const TWINS_STOP_AFTER = 2;
const POWER = 10;
/** How far ahead a twin's clock runs of its validator's. */
export const TWIN_SKEW_MS = 1;
/** Cases are indexed by numbers: the space must stay exactly countable. */
const MAX_SPACE = Number.MAX_SAFE_INTEGER;
/** Partitions of one round are listed in memory: 12 nodes into 3 groups (88,574) is past this. */
const MAX_PARTITIONS = 50_000;

export class TwinsError extends Error {}

export const twinName = (validator: string): string => `${validator}-twin`;

/** Every partition of `n` items into at most `k` non-empty groups, as restricted growth strings in lexicographic order. */
export function setPartitions(n: number, k: number): number[][] {
  const out: number[][] = [];
  const walk = (prefix: number[], used: number): void => {
    if (prefix.length === n) {
      out.push(prefix);
      return;
    }
    for (let g = 0; g <= Math.min(used, k - 1); g++) walk([...prefix, g], Math.max(used, g + 1));
  };
  if (n > 0) walk([], 0);
  return out;
}

/** How many partitions of `n` items into at most `k` groups (sums of Stirling numbers of the second kind), without listing them. */
export function partitionCount(n: number, k: number): number {
  // row[j] = S(m, j) for the current m.
  let row = [1];
  for (let m = 1; m <= n; m++) {
    const next = [0];
    for (let j = 1; j <= Math.min(m, k); j++) next[j] = j * (row[j] ?? 0) + (row[j - 1] ?? 0);
    row = next;
  }
  return row.slice(1).reduce((a, b) => a + b, 0) + (n === 0 ? 1 : 0);
}

/** Round r's length under TIMEOUTS: propose, prevote and precommit timeouts with their deltas. */
export function roundMs(round: number): number {
  return TIMEOUTS.propose + TIMEOUTS.prevote + TIMEOUTS.precommit + round * (TIMEOUTS.proposeDelta + TIMEOUTS.prevoteDelta + TIMEOUTS.precommitDelta);
}

function check(o: TwinsOptions): void {
  const int = (v: number, min: number, max: number, what: string): void => {
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new TwinsError(`${what} must be a whole number from ${min} to ${max}, not ${v}`);
  };
  int(o.validators, 1, 16, 'validators');
  int(o.twins, 0, o.validators, 'twins');
  int(o.rounds, 1, 8, 'rounds');
  int(o.groups ?? 2, 2, 3, 'groups');
  int(o.height ?? 1, 1, 1_000, 'height');
  int(o.max, 1, 1_000_000, 'max');
  int(o.seed ?? 1, 0, 2 ** 32 - 1, 'seed');
}

/** Proposers of rounds 0..R-1 at height 1, from the genesis set the simulator builds. */
function leadersAtHeightOne(names: readonly string[], rounds: number): string[] {
  const keys = names.map((n) => validatorKey(n).publicKey);
  const set = ValidatorSet.fromGenesis(keys.map((publicKey) => ({ publicKey, power: POWER })));
  const byAddress = new Map(names.map((n, i) => [toHex(addressFromPublicKey(keys[i] as Uint8Array)), n]));
  return Array.from({ length: rounds }, (_, r) => byAddress.get(toHex(set.proposerForRound(r).address)) as string);
}

export function twinsPlan(o: TwinsOptions): TwinsPlan {
  check(o);
  const names = Array.from({ length: o.validators }, (_, i) => `v${i}`);
  const height = o.height ?? 1;
  // Past height 1 the proposers depend on how earlier heights went: no leader is known in advance.
  const leaders = height === 1 ? leadersAtHeightOne(names, o.rounds) : [];
  const twinned = [...new Set([...leaders, ...names])].slice(0, o.twins);
  const nodes = [...names, ...twinned.map(twinName)];
  const perRound = partitionCount(nodes.length, o.groups ?? 2);
  if (perRound > MAX_PARTITIONS) throw new TwinsError(`${nodes.length} nodes have ${perRound} partitions into at most ${o.groups ?? 2} groups, more than ${MAX_PARTITIONS} to list: fewer validators, twins or groups`);
  const partitions = setPartitions(nodes.length, o.groups ?? 2);
  const total = partitions.length ** o.rounds;
  if (total > MAX_SPACE) throw new TwinsError(`${partitions.length}^${o.rounds} cases are too many to number exactly: fewer rounds, nodes or groups`);
  const indices = total <= o.max ? Array.from({ length: total }, (_, i) => i) : sample(total, partitions.length, o.rounds, o.max, o.seed ?? 1);
  const cases = indices.map((index) => {
    const choice = digits(index, partitions.length, o.rounds).map((d) => groupsOf(nodes, partitions[d] as number[]));
    return { index, partitions: choice, scenario: scenarioFor(o, names, twinned, height, choice, index), stopAtHeight: height + TWINS_STOP_AFTER };
  });
  return { total, sampled: total > o.max, twinned, leaders, cases };
}

/** `max` distinct case numbers, each round's partition drawn uniformly, sorted. */
function sample(total: number, radix: number, rounds: number, max: number, seed: number): number[] {
  const rng = new Rng(seed);
  const chosen = new Set<number>();
  while (chosen.size < max) {
    let index = 0;
    for (let r = 0; r < rounds; r++) index = index * radix + rng.int(radix);
    chosen.add(index);
  }
  return [...chosen].sort((a, b) => a - b);
}

function digits(index: number, radix: number, rounds: number): number[] {
  const out = new Array<number>(rounds).fill(0);
  for (let r = rounds - 1, rest = index; r >= 0; r--, rest = Math.floor(rest / radix)) out[r] = rest % radix;
  return out;
}

function groupsOf(nodes: readonly string[], rgs: readonly number[]): string[][] {
  const groups: string[][] = [];
  rgs.forEach((g, i) => (groups[g] ??= []).push(nodes[i] as string));
  return groups;
}

function scenarioFor(o: TwinsOptions, names: readonly string[], twinned: readonly string[], height: number, choice: readonly string[][][], index: number): Scenario {
  // Two machines' clocks differ: with equal clocks a twin builds the very block its validator
  // builds (same height, state and mempool), and the pair could never propose two.
  const skews: FaultEvent[] = twinned.map((v) => ({ type: 'clockSkew', at: 0, node: twinName(v), skewMs: TWIN_SKEW_MS }));
  const faults: FaultEvent[] = [
    ...skews,
    ...choice.flatMap((groups, round): FaultEvent[] => (groups.length < 2 ? [] : [{ type: 'partition', at: 0, groups: groups.map((g) => [...g]), when: { height, round }, forMs: roundMs(round) }])),
  ];
  const attackMs = choice.reduce((s, _, r) => s + roundMs(r), 0);
  return {
    name: `twins-${o.validators}v-${o.twins}t-${o.rounds}r-${index}`,
    seed: o.seed ?? 1,
    // Time to reach the height, the attacked rounds (twice their timeouts: a round may wait for
    // its partition to end), and the liveness bound after they heal.
    durationMs: 500 * height + 2 * attackMs + LIVENESS_BOUND_MS,
    validators: names.map((name) => ({ name, power: POWER })),
    nodes: twinned.map((v) => ({ name: twinName(v), twinOf: v })),
    network: { delay: { kind: 'fixed', ms: 5 }, drop: 0, duplicate: 0 },
    faults,
    livenessBoundMs: LIVENESS_BOUND_MS,
    timeouts: { ...TIMEOUTS },
  };
}

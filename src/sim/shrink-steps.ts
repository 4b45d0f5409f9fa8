/**
 * The scenario edits `cmt sim shrink` tries (src/sim/shrink.ts): each a pure function from a
 * scenario to a simpler one. An edit never judges whether the result still fails; the
 * shrinker runs it. Every candidate goes through `reproducible`, which writes it as YAML and
 * reads it back, so the shrinker only ever runs what it will write to the shrunk file.
 */
import { parseScenario } from './scenario.js';
import { scenarioToYaml } from './scenario-yaml.js';
import type { FaultEvent, MessageFilter, Scenario } from './scenario-types.js';
import { strategiesOf } from './strategies.js';

/**
 * The scenario as the file to write: the failing seed in place of the scenario's, and every
 * `byzantine: random` replaced by the strategy that seed draws. The run does not change:
 * strategies are drawn from their own generator (strategies.ts), not from the simulator's.
 */
export function pinned(scenario: Scenario, seed: number): Scenario {
  const drawn = strategiesOf(scenario, seed);
  const validators = scenario.validators.map((v, i) => {
    if (v.byzantine !== 'random') return v;
    const { byzantine: _random, ...rest } = v;
    const strategy = drawn[i];
    return strategy ? { ...rest, byzantine: strategy } : rest;
  });
  return { ...scenario, seed, validators };
}

/**
 * The scenario as its YAML file reads back, or undefined when the edit left it invalid (a
 * partition that separates nothing, a name nothing defines): those are not tried.
 */
export function reproducible(scenario: Scenario): Scenario | undefined {
  try {
    return parseScenario(scenarioToYaml(scenario), `${scenario.name}.yaml`);
  } catch {
    return undefined;
  }
}

/** Where a fault's window ends, as a length from its start (`forMs`) or a time (`until`, `restart_at`). */
export type WindowEnd = { key: 'forMs'; length: number } | { key: 'until' | 'restartAt'; end: number };

export function windowEnd(f: FaultEvent): WindowEnd | undefined {
  if (f.forMs !== undefined) return { key: 'forMs', length: f.forMs };
  if (f.type === 'crash') return f.restartAt !== undefined ? { key: 'restartAt', end: f.restartAt } : undefined;
  if ('until' in f && f.until !== undefined) return { key: 'until', end: f.until };
  return undefined;
}

/** The fault with its window lasting `length` ms from its start (at least 1). */
export function withWindow(f: FaultEvent, length: number): FaultEvent {
  const end = windowEnd(f);
  if (!end) return f;
  if (end.key === 'forMs') return { ...f, forMs: Math.max(1, length) };
  return { ...f, [end.key]: f.at + Math.max(1, length) } as FaultEvent;
}

/** The window's length in ms, if it has an end. */
export function windowLength(f: FaultEvent): number | undefined {
  const end = windowEnd(f);
  if (!end) return undefined;
  return end.key === 'forMs' ? end.length : end.end - f.at;
}

/** A filter's list without `name`; null when the list named only it (the filter then matched only it). */
function without(list: string[] | undefined, name: string): string[] | undefined | null {
  if (list === undefined || !list.includes(name)) return list;
  const rest = list.filter((n) => n !== name);
  return rest.length === 0 ? null : rest;
}

function filterWithout(filter: MessageFilter, name: string): MessageFilter | null {
  const out: MessageFilter = { ...filter };
  for (const key of ['from', 'to', 'signer'] as const) {
    const list = without(filter[key], name);
    if (list === null) return null;
    if (list === undefined) delete out[key];
    else out[key] = list;
  }
  return out;
}

/** The fault with `name` gone, or null when the fault was about it. */
function faultWithout(f: FaultEvent, name: string): FaultEvent | null {
  if (f.when && (f.when.node === name || f.when.proposer === name)) return null;
  switch (f.type) {
    case 'partition': {
      const groups = f.groups.map((g) => g.filter((n) => n !== name)).filter((g) => g.length > 0);
      return groups.length < 2 ? null : { ...f, groups };
    }
    case 'link':
      return f.from === name || f.to === name ? null : f;
    case 'messages': {
      const filter = filterWithout(f.filter, name);
      return filter === null ? null : { ...f, filter };
    }
    case 'network':
      return f;
    default:
      return f.node === name ? null : f;
  }
}

/**
 * The scenario without the validator or node `name`: its twins, the faults about it (its
 * crashes, its links, triggers watching it) and the delegations to it go too; partitions and
 * message filters lose it. Undefined when it is the last validator.
 */
export function withoutNode(scenario: Scenario, name: string): Scenario | undefined {
  const validators = scenario.validators.filter((v) => v.name !== name);
  if (validators.length === 0) return undefined;
  const gone = [name, ...(scenario.nodes ?? []).filter((n) => n.twinOf === name).map((n) => n.name)];
  const nodes = (scenario.nodes ?? []).filter((n) => !gone.includes(n.name));
  let faults = scenario.faults;
  for (const g of gone) faults = faults.flatMap((f) => faultWithout(f, g) ?? []);
  const delegations = (scenario.delegations ?? []).filter((d) => d.to !== name);
  const out: Scenario = { ...scenario, validators, faults };
  if (scenario.nodes !== undefined) {
    if (nodes.length > 0) out.nodes = nodes;
    else delete out.nodes;
  }
  if (scenario.delegations !== undefined) {
    if (delegations.length > 0) out.delegations = delegations;
    else delete out.delegations;
  }
  return out;
}

/** Lighter loads to try, lightest first: none at all, one transfer a second, half, and no memo. */
export function lighterLoads(scenario: Scenario): { scenario: Scenario; step: string }[] {
  const load = scenario.load ?? { txsPerSecond: 16 };
  const out: { scenario: Scenario; step: string }[] = [];
  for (const txsPerSecond of [0, 1, Math.floor(load.txsPerSecond / 2)]) {
    if (txsPerSecond >= load.txsPerSecond) continue;
    out.push({ scenario: { ...scenario, load: { ...load, txsPerSecond } }, step: `load lowered to ${txsPerSecond} transfers/s` });
  }
  if (load.memoBytes !== undefined && load.memoBytes > 0) out.push({ scenario: { ...scenario, load: { txsPerSecond: load.txsPerSecond } }, step: 'no memo in the load' });
  return out;
}

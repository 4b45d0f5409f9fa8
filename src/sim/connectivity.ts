/**
 * Who can still talk to whom once faults stop changing (spec/faults.md, "Properties"): the
 * input of liveness under faults that never heal. After the last fault change, a link is cut
 * by a partition across it, a `link` or `network` fault with drop 1, or a `messages` fault
 * with drop 1 that selects every consensus message on it (no kind, signer, height or round
 * restriction: a filtered drop leaves the link up for the rest). Lossy links (drop < 1), slow
 * ones, skewed clocks and slow disks or CPUs do not cut anything: gossip gets through them
 * eventually. Crashed and paused nodes are down.
 */
import type { SimRun } from './run-types.js';
import type { FaultEvent, Scenario } from './scenario-types.js';
import { endOf } from './fault-timeline.js';

export type ScenarioShape = Pick<Scenario, 'faults' | 'validators' | 'nodes'>;

/** Every validator and extra node (full node, twin) with a start time: a late start is a fault change. */
export function lateStarts(scenario: ScenarioShape): { name: string; startAt: number }[] {
  return [...scenario.validators, ...(scenario.nodes ?? [])].flatMap((v) => (v.startAt === undefined ? [] : [{ name: v.name, startAt: v.startAt }]));
}

export interface FaultState {
  /** When faults last changed (a start, an end, or a late validator or node starting). */
  lastChange: number;
  /** Indices into the scenario's faults in force from then on. */
  inForce: number[];
}

/** The faults in force after the last change: from the run's record, or from the schedule when every fault is timed. */
export function faultStateAtEnd(run: SimRun, scenario: ScenarioShape): FaultState | string {
  let lastChange = 0;
  for (const v of lateStarts(scenario)) if (v.startAt <= run.endMs) lastChange = Math.max(lastChange, v.startAt);
  if (run.appliedFaults) {
    const active = new Set<number>();
    for (const a of [...run.appliedFaults].sort((x, y) => x.at - y.at)) {
      lastChange = Math.max(lastChange, a.at);
      if (a.phase === 'start') active.add(a.index);
      else active.delete(a.index);
    }
    return { lastChange, inForce: [...active].sort((a, b) => a - b) };
  }
  if (scenario.faults.some((f) => f.when !== undefined)) return 'the run has no record of when its triggered faults fired';
  const inForce: number[] = [];
  scenario.faults.forEach((f, i) => {
    if (f.at > run.endMs) return;
    lastChange = Math.max(lastChange, f.at);
    const end = endOf(f);
    if (end !== undefined && end <= run.endMs) lastChange = Math.max(lastChange, end);
    else inForce.push(i);
  });
  return { lastChange, inForce };
}

/** Whether each directed link (from → to, validator indices) is cut by the faults in force. */
export function cutLinks(names: readonly string[], faults: readonly FaultEvent[]): boolean[][] {
  const cut = names.map(() => names.map(() => false));
  const index = (name: string): number => names.indexOf(name);
  const sever = (from: number, to: number): void => {
    if (from >= 0 && to >= 0 && from !== to) (cut[from] as boolean[])[to] = true;
  };
  for (const f of faults) {
    switch (f.type) {
      case 'partition': {
        const group = new Map<string, number>();
        f.groups.forEach((g, gi) => g.forEach((n) => group.set(n, gi)));
        names.forEach((a, i) => names.forEach((b, j) => group.get(a) !== group.get(b) && sever(i, j)));
        break;
      }
      case 'link':
        if (f.behaviour.drop === 1) {
          sever(index(f.from), index(f.to));
          if (!f.oneWay) sever(index(f.to), index(f.from));
        }
        break;
      case 'network':
        if (f.behaviour.drop === 1) names.forEach((_, i) => names.forEach((__, j) => sever(i, j)));
        break;
      case 'messages': {
        const m = f.filter;
        const everyKind = m.kinds === undefined || new Set(m.kinds).size === 3;
        if (f.behaviour.drop !== 1 || !everyKind || m.signer || m.heights || m.rounds) break;
        const from = m.from ?? names;
        const to = m.to ?? names;
        for (const a of from) for (const b of to) sever(index(a), index(b));
        break;
      }
      default:
        break;
    }
  }
  return cut;
}

/** Nodes crashed or paused by the faults in force. */
export function downNodes(faults: readonly FaultEvent[]): Set<string> {
  return new Set(faults.flatMap((f) => (f.type === 'crash' || f.type === 'pause' ? [f.node] : [])));
}

/**
 * The strongly connected components of `members` over links that are not cut (relays only
 * through members: a Byzantine or down node need not relay). Tarjan's algorithm, visiting in
 * index order so the result is deterministic.
 */
export function components(members: readonly number[], cut: readonly (readonly boolean[])[]): number[][] {
  const order = new Map<number, number>();
  const low = new Map<number, number>();
  const stack: number[] = [];
  const onStack = new Set<number>();
  const out: number[][] = [];
  let counter = 0;
  const visit = (v: number): void => {
    order.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of members) {
      if (w === v || cut[v]?.[w]) continue;
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, order.get(w) as number));
    }
    if (low.get(v) === order.get(v)) {
      const comp: number[] = [];
      let w: number;
      do {
        w = stack.pop() as number;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      out.push(comp.sort((a, b) => a - b));
    }
  };
  for (const v of members) if (!order.has(v)) visit(v);
  return out;
}

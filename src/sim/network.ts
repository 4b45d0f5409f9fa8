/**
 * The simulated network: for a message sent on a link at a virtual time, when it arrives
 * (never, once, or twice). The default behaviour applies to every link; faults active at the
 * send time override it: network-wide windows, per-link behaviour (one way or both), and
 * partitions, where nodes not named in any group form a group of their own.
 */
import type { Rng } from './rng.js';
import type { DelaySpec, FaultEvent, LinkBehaviour } from './scenario-types.js';

type PartitionFault = Extract<FaultEvent, { type: 'partition' }>;
type LinkFault = Extract<FaultEvent, { type: 'link' }>;
type NetworkFault = Extract<FaultEvent, { type: 'network' }>;

const active = (f: { at: number; until?: number }, now: number): boolean => now >= f.at && (f.until === undefined || now < f.until);

export function sampleDelay(spec: DelaySpec, rng: Rng): number {
  switch (spec.kind) {
    case 'fixed':
      return spec.ms;
    case 'uniform':
      return spec.minMs + rng.int(spec.maxMs - spec.minMs + 1);
    case 'exponential':
      // V8 computes Math.log with its own fdlibm port: the same bits on every platform.
      return spec.minMs + Math.floor(-Math.log(1 - rng.float()) * spec.meanMs);
  }
}

export class SimNetwork {
  private readonly partitions: PartitionFault[];
  private readonly links: LinkFault[];
  private readonly windows: NetworkFault[];
  private readonly index: Map<string, number>;

  constructor(
    names: readonly string[],
    private readonly base: LinkBehaviour,
    faults: readonly FaultEvent[],
  ) {
    this.index = new Map(names.map((n, i) => [n, i]));
    this.partitions = faults.filter((f): f is PartitionFault => f.type === 'partition');
    this.links = faults.filter((f): f is LinkFault => f.type === 'link');
    this.windows = faults.filter((f): f is NetworkFault => f.type === 'network');
  }

  /** Whether a partition active at `now` separates `from` and `to`. */
  separated(from: number, to: number, now: number): boolean {
    return this.partitions.some((p) => active(p, now) && this.groupOf(p, from) !== this.groupOf(p, to));
  }

  behaviour(from: number, to: number, now: number): LinkBehaviour {
    let b = this.base;
    for (const w of this.windows) if (active(w, now)) b = { ...b, ...w.behaviour };
    for (const l of this.links) {
      if (!active(l, now)) continue;
      const a = this.index.get(l.from);
      const c = this.index.get(l.to);
      if ((a === from && c === to) || (!l.oneWay && a === to && c === from)) b = { ...b, ...l.behaviour };
    }
    return b;
  }

  /** Arrival times of a message sent from `from` to `to` at `now`: none if lost, two if duplicated. */
  arrivals(from: number, to: number, now: number, rng: Rng): number[] {
    if (this.separated(from, to, now)) return [];
    const b = this.behaviour(from, to, now);
    if (rng.chance(b.drop)) return [];
    const first = now + sampleDelay(b.delay, rng);
    return rng.chance(b.duplicate) ? [first, now + sampleDelay(b.delay, rng)] : [first];
  }

  private groupOf(p: PartitionFault, node: number): number {
    const i = p.groups.findIndex((g) => g.some((name) => this.index.get(name) === node));
    return i === -1 ? p.groups.length : i;
  }
}

/**
 * The simulated network: for a message sent on a link at a virtual time, when it arrives
 * (never, once, or twice). The default behaviour applies to every link; faults active at the
 * send time override it: network-wide windows, per-link behaviour (one way or both),
 * `messages` faults whose filter selects the message, and partitions, where nodes not named
 * in any group form a group of their own.
 *
 * When a fault is active is its span: a fault scheduled by time spans [at, until) (or
 * [at, at + forMs)); a fault with a protocol trigger (`when`) has no span until the simulator,
 * which watches the protocol, calls `start(index, now)`. See `SimNetwork.start`.
 */
import type { Rng } from './rng.js';
import type { DelaySpec, FaultEvent, LinkBehaviour, MessageFilter, MessageKind } from './scenario-types.js';

type PartitionFault = Extract<FaultEvent, { type: 'partition' }>;
type LinkFault = Extract<FaultEvent, { type: 'link' }>;
type NetworkFault = Extract<FaultEvent, { type: 'network' }>;
type MessagesFault = Extract<FaultEvent, { type: 'messages' }>;

/** A consensus message on a link, for `messages` filters. `signer` is the validator index of the key that signed it (a twin's is its validator's), which is that validator's node index. */
export interface SimMessage {
  kind: MessageKind;
  height: number;
  round: number;
  signer: number;
}

/** A half-open interval of virtual time; `end` undefined: for ever. */
interface Span {
  start: number;
  end: number | undefined;
}

/** A filter with names turned into node indices once, so matching a message does no lookups by name. */
interface CompiledFilter {
  kinds: ReadonlySet<MessageKind> | null;
  from: ReadonlySet<number> | null;
  to: ReadonlySet<number> | null;
  signer: ReadonlySet<number> | null;
  heights: { min: number; max: number } | null;
  rounds: { min: number; max: number } | null;
}

/** The span a fault has from the scenario alone: none while it waits for its trigger. */
export function scheduledSpan(f: FaultEvent): Span | null {
  if (f.when !== undefined) return null;
  const end = f.type === 'crash' ? f.restartAt : 'until' in f ? f.until : undefined;
  return { start: f.at, end: end ?? (f.forMs !== undefined ? f.at + f.forMs : undefined) };
}

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
  private readonly faults: readonly FaultEvent[];
  /** Per fault index: when it is active (null: not started). */
  private readonly spans: (Span | null)[];
  private readonly partitions: number[] = [];
  private readonly links: number[] = [];
  private readonly windows: number[] = [];
  private readonly filters = new Map<number, CompiledFilter>();
  private readonly index: Map<string, number>;

  /**
   * `names` are the simulator's nodes in order (validators, then the scenario's `nodes`);
   * indices in `arrivals` and `SimMessage.signer` refer to this order.
   */
  constructor(
    names: readonly string[],
    private readonly base: LinkBehaviour,
    faults: readonly FaultEvent[],
  ) {
    this.index = new Map(names.map((n, i) => [n, i]));
    this.faults = faults;
    this.spans = faults.map(scheduledSpan);
    faults.forEach((f, i) => {
      if (f.type === 'partition') this.partitions.push(i);
      else if (f.type === 'link') this.links.push(i);
      else if (f.type === 'network' || f.type === 'messages') this.windows.push(i);
      if (f.type === 'messages') this.filters.set(i, this.compile(f.filter));
    });
  }

  /**
   * Starts fault `index` (its place in `scenario.faults`) at `now`: the simulator calls this
   * when a fault's protocol trigger (`when`) matches. It lasts `forMs` from `now` when the
   * fault has one, else until `end(index, …)`. Starting a fault again restarts its span;
   * `now` never runs backwards, so a span is never in the past of a message already sent.
   * Faults the network does not model (crash, pause, clocks, disk, CPU) are accepted and
   * ignored here, so the caller may call it for every fault it fires.
   */
  start(index: number, now: number): void {
    const f = this.faultAt(index);
    this.spans[index] = { start: now, end: f.forMs !== undefined ? now + f.forMs : undefined };
  }

  /** Ends fault `index` at `now` (if it is active then): messages sent from `now` on are no longer touched by it. */
  end(index: number, now: number): void {
    this.faultAt(index);
    const span = this.spans[index];
    if (span && (span.end === undefined || span.end > now)) span.end = Math.max(now, span.start);
  }

  /** Whether fault `index` is active at `now`. */
  isActive(index: number, now: number): boolean {
    const span = this.spans[index];
    return span !== null && span !== undefined && now >= span.start && (span.end === undefined || now < span.end);
  }

  /** Whether a partition active at `now` separates `from` and `to`. */
  separated(from: number, to: number, now: number): boolean {
    return this.partitions.some((i) => this.isActive(i, now) && this.groupOf(this.faults[i] as PartitionFault, from) !== this.groupOf(this.faults[i] as PartitionFault, to));
  }

  /**
   * The behaviour of the link at `now`, for `message` when given: network windows, then link
   * faults, then matching `messages` faults (each in file order) on top. Without `message`
   * (sync requests and answers, transactions, any non-consensus gossip) `messages` faults
   * do not apply: their filters select consensus messages only.
   */
  behaviour(from: number, to: number, now: number, message?: SimMessage): LinkBehaviour {
    let b = this.base;
    for (const i of this.windows) {
      if (!this.isActive(i, now)) continue;
      const f = this.faults[i] as NetworkFault | MessagesFault;
      if (f.type === 'network') b = { ...b, ...f.behaviour };
    }
    for (const i of this.links) {
      if (!this.isActive(i, now)) continue;
      const l = this.faults[i] as LinkFault;
      const a = this.index.get(l.from);
      const c = this.index.get(l.to);
      if ((a === from && c === to) || (!l.oneWay && a === to && c === from)) b = { ...b, ...l.behaviour };
    }
    // A messages fault is the most specific: it wins over a link fault that is active too.
    if (message !== undefined) {
      for (const i of this.windows) {
        const f = this.faults[i] as NetworkFault | MessagesFault;
        if (f.type === 'messages' && this.isActive(i, now) && this.matches(this.filters.get(i) as CompiledFilter, from, to, message)) b = { ...b, ...f.behaviour };
      }
    }
    return b;
  }

  /** Arrival times of a message sent from `from` to `to` at `now`: none if lost, two if duplicated. */
  arrivals(from: number, to: number, now: number, rng: Rng, message?: SimMessage): number[] {
    if (this.separated(from, to, now)) return [];
    const b = this.behaviour(from, to, now, message);
    if (rng.chance(b.drop)) return [];
    const first = now + sampleDelay(b.delay, rng);
    return rng.chance(b.duplicate) ? [first, now + sampleDelay(b.delay, rng)] : [first];
  }

  private faultAt(index: number): FaultEvent {
    const f = this.faults[index];
    if (f === undefined) throw new RangeError(`no fault ${index}: the scenario has ${this.faults.length}`);
    return f;
  }

  private matches(f: CompiledFilter, from: number, to: number, m: SimMessage): boolean {
    return (
      (f.kinds === null || f.kinds.has(m.kind)) &&
      (f.from === null || f.from.has(from)) &&
      (f.to === null || f.to.has(to)) &&
      (f.signer === null || f.signer.has(m.signer)) &&
      (f.heights === null || (m.height >= f.heights.min && m.height <= f.heights.max)) &&
      (f.rounds === null || (m.round >= f.rounds.min && m.round <= f.rounds.max))
    );
  }

  private compile(f: MessageFilter): CompiledFilter {
    // A name the scenario parser let through always exists; -1 for any other keeps the filter selecting nothing by it.
    const ids = (names: string[] | undefined): ReadonlySet<number> | null => (names === undefined ? null : new Set(names.map((n) => this.index.get(n) ?? -1)));
    return {
      kinds: f.kinds === undefined ? null : new Set(f.kinds),
      from: ids(f.from),
      to: ids(f.to),
      signer: ids(f.signer),
      heights: f.heights ?? null,
      rounds: f.rounds ?? null,
    };
  }

  private groupOf(p: PartitionFault, node: number): number {
    const i = p.groups.findIndex((g) => g.some((name) => this.index.get(name) === node));
    return i === -1 ? p.groups.length : i;
  }
}

/**
 * What serving direct pushes (direct-push.ts) may cost: a ServeBudget that also caps the pushes
 * in flight from all peers together (each may carry a maximal gossip payload while it is read),
 * and a per-peer rate, so a flood of small pushes costs a bounded number of handler runs.
 */
import { ServeBudget, type ServeBudgetLimits } from './serve-budget.js';

export class PushBudget extends ServeBudget {
  private open = 0;

  constructor(
    limits: ServeBudgetLimits,
    private readonly requestsTotal: number,
  ) {
    super(limits);
  }

  override openRequest(peer: string): boolean {
    if (this.open >= this.requestsTotal || !super.openRequest(peer)) return false;
    this.open++;
    return true;
  }

  override closeRequest(peer: string): void {
    super.closeRequest(peer);
    this.open--;
  }

  /** Pushes being read or judged now, from all peers (tests, diagnostics). */
  get inFlight(): number {
    return this.open;
  }
}

/** Peers whose buckets are tracked before full ones are forgotten (a full bucket is the same as none). */
const SWEEP_ABOVE = 256;

/** A token bucket per peer: `perSecond` tokens a second, holding at most that many. */
export class PushRate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes one token for `peer`; false when it has none left. */
  take(peer: string): boolean {
    const now = this.now();
    if (this.buckets.size > SWEEP_ABOVE) this.sweep(now);
    const bucket = this.buckets.get(peer) ?? { tokens: this.perSecond, at: now };
    bucket.tokens = Math.min(this.perSecond, bucket.tokens + ((now - bucket.at) * this.perSecond) / 1000);
    bucket.at = now;
    this.buckets.set(peer, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Peers tracked now (tests). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    for (const [peer, b] of this.buckets) {
      if (b.tokens + ((now - b.at) * this.perSecond) / 1000 >= this.perSecond) this.buckets.delete(peer);
    }
  }
}

/** How long a pushed message's id is remembered: gossipsub's seen cache keeps ids this long (its seenTTL). */
export const PUSH_SEEN_TTL_MS = 120_000;
/** Ids remembered at most; the oldest go first (a peer that pushes that many distinct messages is rate-limited and scored long before). */
export const PUSH_SEEN_MAX = 65_536;

/**
 * The ids of messages pushed to this node, as gossipsub keeps those it was gossiped: a copy is
 * answered without running the topic's handler again, so pushing one valid message over and
 * over costs the node one handler run (and one WAL record) per message, not one per push.
 */
export class PushSeen {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True if `id` was seen within the TTL; remembers it either way. */
  check(id: string): boolean {
    const now = this.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < PUSH_SEEN_TTL_MS) return true;
    this.seen.delete(id);
    this.seen.set(id, now);
    if (this.seen.size > PUSH_SEEN_MAX) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

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

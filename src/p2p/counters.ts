/**
 * Named counters for `P2PHost.stats()`. Reasons given by callers become metric labels, so the
 * number of distinct names is capped: a buggy caller inventing reasons cannot grow memory or
 * blow up a Prometheus label set.
 */
const MAX_NAMES = 64;
export const OTHER = 'other';

export class Counters {
  private readonly counts = new Map<string, number>();

  inc(name: string, by = 1): void {
    const key = this.counts.has(name) || this.counts.size < MAX_NAMES ? name : OTHER;
    this.counts.set(key, (this.counts.get(key) ?? 0) + by);
  }

  get(name: string): number {
    return this.counts.get(name) ?? 0;
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

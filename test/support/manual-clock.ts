/**
 * A Clock that moves only when a test says so: `advance(ms)` fires the timers that fall due, in
 * the order of their due time (then of scheduling), each seeing `now()` at its own due time.
 * Timers a firing timer sets are fired too if they fall due within the advance.
 */
import type { Clock, Timer } from '../../src/runtime/clock.js';

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class ManualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly pending = new Set<Pending>();

  constructor(start = 1_700_000_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  after(ms: number, fn: () => void): Timer {
    const timer: Pending = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.pending.add(timer);
    return { cancel: () => void this.pending.delete(timer) };
  }

  /** Timers not yet fired or cancelled. */
  get timers(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const until = this.time + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const t of this.pending) if (t.at <= until && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.pending.delete(next);
      this.time = next.at;
      next.fn();
    }
    this.time = until;
  }
}

/**
 * Time as a host provides it. The node reads the time and sets timers only through a Clock, so
 * the same code runs on the wall clock (a real process) and on the simulator's virtual clock.
 */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (virtual time in the simulator). */
  now(): number;
  /** Runs `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): Timer;
  /** True when time moves only between events (the simulator): work takes no time on this clock, so nothing may be learned from timing it. */
  readonly virtual?: boolean;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Runs `fn` every `ms` until cancelled: each run is scheduled when the previous one starts. */
export function every(clock: Clock, ms: number, fn: () => void): Timer {
  let current: Timer;
  let cancelled = false;
  const schedule = (): void => {
    current = clock.after(ms, () => {
      if (cancelled) return;
      schedule();
      fn();
    });
  };
  schedule();
  return {
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
  };
}

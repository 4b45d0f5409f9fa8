/** Polling a node from a component: the answer, the last error, and when it came. */
import { useEffect, useRef, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  /** Date.now() of the last answer or error; 0 before the first. */
  at: number;
}

/**
 * Runs `load` now and every `intervalMs` (never two at once) while the component is shown;
 * `deps` restart it. The last good answer is kept when a later call fails.
 */
export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: unknown[] = []): Polled<T> {
  const [state, setState] = useState<Polled<T>>({ data: undefined, error: undefined, at: 0 });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    setState({ data: undefined, error: undefined, at: 0 });
    const tick = async (): Promise<void> => {
      try {
        const data = await loadRef.current();
        if (!stopped) setState({ data, error: undefined, at: Date.now() });
      } catch (err) {
        if (!stopped) setState((s) => ({ data: s.data, error: err instanceof Error ? err : new Error(String(err)), at: Date.now() }));
      }
      if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    };
  }, deps);
  return state;
}

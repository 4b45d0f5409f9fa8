/**
 * Whether a polled node is up: a node that fails twice in a row, or has not answered for
 * DOWN_AFTER_MS, is down; one answer brings it back. Its last known values are kept.
 */

export const DOWN_AFTER_MS = 2500;

export type NodeStatus = 'unknown' | 'up' | 'down';

export interface Liveness<T> {
  status: NodeStatus;
  /** The last answer, kept while the node is down. */
  last: T | undefined;
  /** Date.now() of the last answer; 0 before the first. */
  lastOkAt: number;
  /** Failures since the last answer. */
  failures: number;
  /** When the node went down (the first failure of this run); 0 while up. */
  downSince: number;
  error: string | undefined;
}

export function initialLiveness<T>(): Liveness<T> {
  return { status: 'unknown', last: undefined, lastOkAt: 0, failures: 0, downSince: 0, error: undefined };
}

export function answered<T>(_prev: Liveness<T>, data: T, now: number): Liveness<T> {
  return { status: 'up', last: data, lastOkAt: now, failures: 0, downSince: 0, error: undefined };
}

export function failed<T>(prev: Liveness<T>, error: string, now: number, startedAt = now): Liveness<T> {
  const failures = prev.failures + 1;
  // The failure began when the failing call was sent, not when its timeout ended.
  const downSince = prev.failures === 0 ? startedAt : prev.downSince;
  const silentFor = now - (prev.lastOkAt || startedAt);
  const down = failures >= 2 || silentFor >= DOWN_AFTER_MS || prev.status === 'down' || prev.status === 'unknown';
  return { status: down ? 'down' : prev.status, last: prev.last, lastOkAt: prev.lastOkAt, failures, downSince, error };
}

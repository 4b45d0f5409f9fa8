/**
 * The chain view's lists of the newest blocks and transactions: merged from a first read and
 * then from each new block, never longer than their cap, newest first, each item once.
 */

export interface Placed {
  height: number;
  /** A transaction's index in its block; 0 for a block. */
  index: number;
}

/** Adds `incoming` to `list` (an item already there by key is replaced), keeps the newest `cap`. */
export function mergeNewest<T extends Placed>(list: readonly T[], incoming: readonly T[], key: (item: T) => string, cap: number): T[] {
  const byKey = new Map<string, T>();
  for (const item of list) byKey.set(key(item), item);
  for (const item of incoming) byKey.set(key(item), item);
  return [...byKey.values()].sort((a, b) => b.height - a.height || b.index - a.index).slice(0, Math.max(0, cap));
}

/** The `blockchain` range for the newest `count` blocks up to `latest` (heights start at 1). */
export function newestRange(latest: number, count: number): { minHeight: number; maxHeight: number } {
  return { minHeight: Math.max(1, latest - count + 1), maxHeight: Math.max(1, latest) };
}

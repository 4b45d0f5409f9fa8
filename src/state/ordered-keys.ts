/**
 * Keys kept in byte order for range reads (spec/state.md, "Ordered keys"). The trie orders
 * keys by their hash, so ordered listing needs its own index; it covers only keys under
 * ORDERED_PREFIX (contract tables), where a sorted array with binary search costs one
 * memmove per insert and stays small next to the account space. Listing is lazy: a reader
 * that wants the first n keys under a prefix pays for about n keys, not for the whole table.
 */
export const ORDERED_PREFIX = 'r/';

/** Anything that lists its keys under a prefix lazily, in byte order (latin1 strings, see bytesKey). */
export interface RangeReader {
  orderedKeys(prefix: string): Iterable<string>;
}

/** First index whose key is >= `key` (latin1 strings compare by code unit, which is byte order). */
export function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Inserts `key` into sorted `keys` unless present. */
export function insertSorted(keys: string[], key: string): void {
  const at = lowerBound(keys, key);
  if (keys[at] !== key) keys.splice(at, 0, key);
}

/** The keys of sorted `keys` under `prefix`, from the first on. */
export function* sortedUnder(keys: readonly string[], prefix: string): Generator<string> {
  for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
    const k = keys[i] as string;
    if (!k.startsWith(prefix)) return;
    yield k;
  }
}

/** At most `limit` items of `items`, consuming no more than that. */
export function take(items: Iterable<string>, limit: number): string[] {
  const out: string[] = [];
  if (limit <= 0) return out;
  for (const item of items) {
    out.push(item);
    if (out.length >= limit) break;
  }
  return out;
}

export class OrderedKeys implements RangeReader {
  private readonly keys: string[];

  constructor(all: Iterable<string>) {
    this.keys = [...all].filter((k) => k.startsWith(ORDERED_PREFIX)).sort();
  }

  add(key: string): void {
    if (key.startsWith(ORDERED_PREFIX)) insertSorted(this.keys, key);
  }

  remove(key: string): void {
    if (!key.startsWith(ORDERED_PREFIX)) return;
    const at = lowerBound(this.keys, key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  orderedKeys(prefix: string): Iterable<string> {
    return sortedUnder(this.keys, prefix);
  }
}

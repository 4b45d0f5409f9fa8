/**
 * Keys kept in byte order for range reads (spec/state.md, "Ordered keys"). The trie orders
 * keys by their hash, so ordered listing needs its own index; it covers only keys under
 * ORDERED_PREFIX (contract tables), in a sorted array that takes changes in a buffer and merges
 * them when it is next listed or the buffer outgrows it (SortedKeys). Listing is lazy: a reader that wants the first n
 * keys under a prefix pays for about n keys, not for the whole table (plus, once after
 * changes, the merge).
 */
export const ORDERED_PREFIX = 'r/';

/** Anything that lists its keys under a prefix lazily, in byte order (latin1 strings, see bytesKey). */
export interface RangeReader {
  /**
   * `onSkip`, if given, is called for each key a layer steps over without listing it (deleted
   * there): the work a reader can make a listing do beyond the keys it gets, so it can be paid.
   */
  orderedKeys(prefix: string, onSkip?: () => void): Iterable<string>;
}

/** First index whose key is >= `key` (latin1 strings compare by code unit, which is byte order). */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The keys of sorted `keys` under `prefix`, from the first on. */
function* sortedUnder(keys: readonly string[], prefix: string): Generator<string> {
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

/** Changes a SortedKeys buffers at least before merging them in. */
const MIN_BUFFER = 4096;

/**
 * A set of keys listed in byte order. Adding and removing cost O(1) amortized: changes wait in
 * a buffer and are merged into the sorted array (a sort of the buffer and one pass) by the next
 * listing, or once the buffer outgrows the array, so a block that writes thousands of new rows
 * pays no memmove per row and a set never listed stays bounded by its keys.
 */
export class SortedKeys {
  private sorted: string[];
  /** Keys added since the last merge (perhaps also in `sorted`, perhaps twice). */
  private added: string[] = [];
  /** Keys removed since the last merge; an add after a remove takes the key out again. */
  private readonly removed = new Set<string>();

  constructor(sorted: string[] = []) {
    this.sorted = sorted;
  }

  add(key: string): void {
    this.removed.delete(key);
    this.added.push(key);
    this.settleIfLarge();
  }

  remove(key: string): void {
    this.removed.add(key);
    this.settleIfLarge();
  }

  /**
   * Merges once the buffer outgrows the array: a set that is never listed (a chain whose
   * contracts never call db.range) stays bounded by its keys, not by every write ever made, and
   * each merge is paid for by as many changes as the array holds.
   */
  private settleIfLarge(): void {
    if (this.added.length + this.removed.size > Math.max(MIN_BUFFER, this.sorted.length)) this.settled();
  }

  /** The keys under `prefix`, from the first on. */
  under(prefix: string): Generator<string> {
    return sortedUnder(this.settled(), prefix);
  }

  private settled(): readonly string[] {
    if (this.added.length === 0 && this.removed.size === 0) return this.sorted;
    const added = this.added.sort();
    const merged: string[] = [];
    let i = 0;
    let j = 0;
    let last: string | undefined;
    while (i < this.sorted.length || j < added.length) {
      const a = this.sorted[i];
      const b = added[j];
      let next: string;
      if (b === undefined || (a !== undefined && a <= b)) {
        next = a as string;
        i++;
      } else {
        next = b;
        j++;
      }
      if (next !== last && !this.removed.has(next)) merged.push(next);
      last = next;
    }
    this.sorted = merged;
    this.added = [];
    this.removed.clear();
    return merged;
  }
}

/** The store's index: every key under ORDERED_PREFIX. */
export class OrderedKeys implements RangeReader {
  private readonly keys: SortedKeys;

  constructor(all: Iterable<string>) {
    this.keys = new SortedKeys([...all].filter((k) => k.startsWith(ORDERED_PREFIX)).sort());
  }

  add(key: string): void {
    if (key.startsWith(ORDERED_PREFIX)) this.keys.add(key);
  }

  remove(key: string): void {
    if (key.startsWith(ORDERED_PREFIX)) this.keys.remove(key);
  }

  orderedKeys(prefix: string): Iterable<string> {
    return this.keys.under(prefix);
  }
}

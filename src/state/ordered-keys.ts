/**
 * Keys kept in byte order for range reads (spec/state.md, "Ordered keys"). The trie orders
 * keys by their hash, so ordered listing needs its own index; it covers only keys under
 * ORDERED_PREFIX (contract tables), where a sorted array with binary search costs one
 * memmove per insert and stays small next to the account space.
 */
export const ORDERED_PREFIX = 'r/';

/** Anything that lists its keys under a prefix in byte order (latin1 strings, see bytesKey). */
export interface RangeReader {
  keysWithPrefix(prefix: string): string[];
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

export class OrderedKeys implements RangeReader {
  private readonly keys: string[];

  constructor(all: Iterable<string>) {
    this.keys = [...all].filter((k) => k.startsWith(ORDERED_PREFIX)).sort();
  }

  add(key: string): void {
    if (!key.startsWith(ORDERED_PREFIX)) return;
    const at = lowerBound(this.keys, key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  remove(key: string): void {
    if (!key.startsWith(ORDERED_PREFIX)) return;
    const at = lowerBound(this.keys, key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  keysWithPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (let i = lowerBound(this.keys, prefix); i < this.keys.length; i++) {
      const k = this.keys[i] as string;
      if (!k.startsWith(prefix)) break;
      out.push(k);
    }
    return out;
  }
}

/** `below`'s keys under `prefix` with `writes` applied (null deletes), in byte order. */
export function mergeKeys(below: readonly string[], writes: ReadonlyMap<string, Uint8Array | null>, prefix: string): string[] {
  const present = new Set(below);
  for (const [k, v] of writes) {
    if (!k.startsWith(prefix)) continue;
    if (v === null) present.delete(k);
    else present.add(k);
  }
  return [...present].sort();
}

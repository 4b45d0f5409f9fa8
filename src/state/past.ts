/**
 * Past versions of the trie: the latest trie with journals undone. Only the changed paths are
 * rebuilt (structural sharing), so a version a few blocks back costs about as much as staging
 * those blocks did.
 */
import { bytesFromKey } from '../codec/bytes.js';
import { sha256String, valueHashOf } from './hashing.js';
import type { Journal } from './journal.js';
import { applyUpdates, hashedLeaf, sortByKeyHash, type Leaf, type Trie, type TrieUpdate } from './trie.js';

/** Finds a key's hash without hashing when the key still exists (its leaf carries it). */
export type KeyHashOf = (key: string) => string;

export function keyHashFinder(latest: ReadonlyMap<string, Leaf>): KeyHashOf {
  const computed = new Map<string, string>();
  return (key) => {
    const known = latest.get(key)?.keyHash ?? computed.get(key);
    if (known !== undefined) return known;
    const fresh = sha256String(bytesFromKey(key));
    computed.set(key, fresh);
    return fresh;
  };
}

/** `trie` with every key of `undo` set to its recorded value (undefined = removed). */
export function applyUndo(trie: Trie, undo: Journal, keyHashOf: KeyHashOf): Trie {
  const updates: TrieUpdate[] = [];
  for (const [key, value] of undo) {
    const keyHash = keyHashOf(key);
    updates.push({ keyHash, leaf: value === undefined ? null : hashedLeaf(keyHash, value, valueHashOf(value)) });
  }
  return applyUpdates(trie, sortByKeyHash(updates));
}

/** A few rebuilt past tries, most recently used last (proofs tend to ask for the same heights). */
export class PastTrieCache {
  private readonly tries = new Map<number, Trie>();

  constructor(private readonly capacity = 4) {}

  get(version: number): Trie | undefined {
    const trie = this.tries.get(version);
    if (trie !== undefined) {
      this.tries.delete(version);
      this.tries.set(version, trie);
    }
    return trie;
  }

  set(version: number, trie: Trie): void {
    this.tries.delete(version);
    this.tries.set(version, trie);
    if (this.tries.size > this.capacity) this.tries.delete(this.tries.keys().next().value as number);
  }

  /** A past trie stays valid whatever is written later; only versions leaving the window go. */
  pruneBelow(oldest: number): void {
    for (const version of [...this.tries.keys()]) if (version < oldest) this.tries.delete(version);
  }
}

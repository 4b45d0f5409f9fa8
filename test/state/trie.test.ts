import { describe, expect, it } from 'vitest';
import { bytesKey, compareBytes, concatBytes } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { EMPTY_ROOT, leafHashOf, sha256String, valueHashOf } from '../../src/state/hashing.js';
import { applyUpdates, Branch, buildTrie, EMPTY_TRIE, hashedLeaf, Leaf, sortByKeyHash, type HashedLeaf, type Trie, type TrieNode, type TrieUpdate } from '../../src/state/trie.js';
import { prng, randomBytes, randomKeys, shuffled } from '../support/state-fixtures.js';

/** An independent, deliberately plain implementation of spec/state.md's root, over Uint8Arrays. */
function referenceRoot(entries: Map<string, Uint8Array>): Uint8Array {
  const leaves = [...entries].map(([key, value]) => {
    const keyHash = sha256(Buffer.from(key, 'latin1'));
    return { keyHash, hash: sha256(concatBytes(Uint8Array.of(0), keyHash, sha256(value))) };
  });
  leaves.sort((a, b) => compareBytes(a.keyHash, b.keyHash));
  const nib = (h: Uint8Array, d: number): number => ((h[d >> 1] as number) >> (d % 2 ? 0 : 4)) & 15;
  const node = (items: typeof leaves, depth: number): Uint8Array => {
    if (items.length === 1) return (items[0] as (typeof leaves)[number]).hash;
    let bitmap = 0;
    const hashes: Uint8Array[] = [];
    for (let n = 0; n < 16; n++) {
      const group = items.filter((it) => nib(it.keyHash, depth) === n);
      if (group.length === 0) continue;
      bitmap |= 1 << n;
      hashes.push(node(group, depth + 1));
    }
    return sha256(concatBytes(Uint8Array.of(1, bitmap >> 8, bitmap & 255), ...hashes));
  };
  return leaves.length === 0 ? new Uint8Array(32) : node(leaves, 0);
}

function updatesFor(changes: [Uint8Array, Uint8Array | null][]): TrieUpdate[] {
  const updates = changes.map(([key, value]): TrieUpdate => {
    const keyHash = sha256String(key);
    return { keyHash, leaf: value === null ? null : hashedLeaf(keyHash, bytesKey(value), sha256String(value)) };
  });
  return sortByKeyHash(updates);
}

function leavesFor(entries: [Uint8Array, Uint8Array][]): HashedLeaf[] {
  return updatesFor(entries).map((u) => u.leaf as HashedLeaf);
}

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');

/**
 * Asserts the canonical shape (a branch has >= 2 keys below it; a lone leaf never stays under
 * a branch) and that every stored hash is the hash of the node below it. Returns the key count.
 */
function checkCanonical(node: TrieNode | null, hash = ''): number {
  if (node === null) return 0;
  if (node instanceof Leaf) {
    if (hash) expect(hex(hash)).toBe(hex(leafHashOf(node.keyHash, valueHashOf(node.value))));
    return 1;
  }
  expect(node).toBeInstanceOf(Branch);
  expect(node.hashes.length).toBe(32 * node.children.length);
  if (hash) expect(hex(hash)).toBe(Buffer.from(sha256(concatBytes(Uint8Array.of(1, node.bitmap >> 8, node.bitmap & 255), Buffer.from(node.hashes, 'latin1')))).toString('hex'));
  let bits = 0;
  for (let b = node.bitmap; b; b &= b - 1) bits++;
  expect(bits).toBe(node.children.length);
  let count = 0;
  node.children.forEach((child, i) => (count += checkCanonical(child, node.hashes.substr(32 * i, 32))));
  expect(count).toBeGreaterThanOrEqual(2);
  return count;
}

describe('trie hashing', () => {
  it('uses the same SHA-256 as the codec', () => {
    const rand = prng(1);
    for (let i = 0; i < 50; i++) {
      const data = randomBytes(rand, i * 7);
      expect(Buffer.from(sha256String(data), 'latin1')).toEqual(Buffer.from(sha256(data)));
    }
  });

  it('gives the empty trie the zero root and a single key the leaf hash', () => {
    expect(hex(EMPTY_TRIE.hash)).toBe('00'.repeat(32));
    const key = Uint8Array.of(1, 2, 3);
    const value = Uint8Array.of(9);
    const trie = applyUpdates(EMPTY_TRIE, updatesFor([[key, value]]));
    expect(Buffer.from(trie.hash, 'latin1')).toEqual(Buffer.from(sha256(concatBytes(Uint8Array.of(0), sha256(key), sha256(value)))));
  });

  it('matches an independent reference implementation on random key sets', () => {
    const rand = prng(7);
    for (const size of [0, 1, 2, 3, 17, 300, 2000]) {
      const keys = randomKeys(rand, size);
      const entries = new Map(keys.map((k) => [bytesKey(k), randomBytes(rand, Math.floor(rand() * 50))]));
      const trie = buildTrie(leavesFor(keys.map((k) => [k, entries.get(bytesKey(k)) as Uint8Array])));
      expect(hex(trie.hash)).toBe(Buffer.from(referenceRoot(entries)).toString('hex'));
      expect(checkCanonical(trie.node, trie.hash)).toBe(size);
    }
  });
});

describe('trie updates', () => {
  it('depends only on the final key set, whatever the batches, order and intermediate deletes', () => {
    const rand = prng(42);
    const keys = randomKeys(rand, 800);
    const final = new Map(keys.map((k) => [bytesKey(k), randomBytes(rand, 1 + Math.floor(rand() * 30))]));
    const expected = buildTrie(leavesFor(keys.map((k) => [k, final.get(bytesKey(k)) as Uint8Array]))).hash;
    for (let round = 0; round < 5; round++) {
      let trie: Trie = EMPTY_TRIE;
      const order = shuffled(rand, keys);
      // Insert everything with wrong values plus junk keys, in random batch sizes.
      const junk = randomKeys(rand, 100).filter((j) => !final.has(bytesKey(j)));
      const first: [Uint8Array, Uint8Array | null][] = [...order.map((k): [Uint8Array, Uint8Array] => [k, randomBytes(rand, 5)]), ...junk.map((j): [Uint8Array, Uint8Array] => [j, Uint8Array.of(1)])];
      for (let i = 0; i < first.length; ) {
        const n = 1 + Math.floor(rand() * 200);
        trie = applyUpdates(trie, updatesFor(first.slice(i, i + n)));
        i += n;
      }
      // Then the real values and the junk deleted, in another order.
      const second: [Uint8Array, Uint8Array | null][] = shuffled(rand, [...keys.map((k): [Uint8Array, Uint8Array] => [k, final.get(bytesKey(k)) as Uint8Array]), ...junk.map((j): [Uint8Array, null] => [j, null])]);
      for (let i = 0; i < second.length; ) {
        const n = 1 + Math.floor(rand() * 300);
        trie = applyUpdates(trie, updatesFor(second.slice(i, i + n)));
        i += n;
      }
      expect(hex(trie.hash)).toBe(hex(expected));
      expect(checkCanonical(trie.node, trie.hash)).toBe(keys.length);
    }
  });

  it('restores the previous root when keys are deleted, down to the empty root', () => {
    const rand = prng(3);
    const keys = randomKeys(rand, 500);
    let trie = buildTrie(leavesFor(keys.slice(0, 250).map((k) => [k, randomBytes(rand, 8)])));
    const before = trie.hash;
    const extra = keys.slice(250);
    trie = applyUpdates(trie, updatesFor(extra.map((k) => [k, randomBytes(rand, 8)])));
    expect(trie.hash).not.toBe(before);
    trie = applyUpdates(trie, updatesFor(extra.map((k) => [k, null])));
    expect(hex(trie.hash)).toBe(hex(before));
    checkCanonical(trie.node, trie.hash);
    trie = applyUpdates(trie, updatesFor(keys.slice(0, 250).map((k) => [k, null])));
    expect(trie.hash).toBe(EMPTY_ROOT);
    expect(trie.node).toBeNull();
  });

  it('leaves the old version intact (copy-on-write)', () => {
    const rand = prng(5);
    const keys = randomKeys(rand, 300);
    const v1 = buildTrie(leavesFor(keys.map((k) => [k, Uint8Array.of(1)])));
    const snapshot = hex(v1.hash);
    applyUpdates(v1, updatesFor(keys.slice(0, 100).map((k) => [k, null])));
    applyUpdates(v1, updatesFor(keys.slice(100, 200).map((k) => [k, Uint8Array.of(2)])));
    expect(hex(buildTrie(leavesFor(keys.map((k) => [k, Uint8Array.of(1)]))).hash)).toBe(snapshot);
    expect(hex(v1.hash)).toBe(snapshot);
    expect(checkCanonical(v1.node, v1.hash)).toBe(300);
  });
});

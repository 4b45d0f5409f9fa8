/**
 * The canonical 16-ary Merkle radix trie over key hashes (spec/state.md, "Trie").
 *
 * The shape depends only on the set of key hashes: the subtree at a nibble path holds nothing
 * (empty), exactly one key (a leaf, placed at the shortest unique prefix) or two or more keys
 * (a branch); there are no extension nodes. Nodes are immutable: an update copies the paths it
 * changes and shares every other node, so a written version stays intact while the next one
 * is staged and past versions can be rebuilt beside the latest.
 *
 * Updates are applied in one pass over key-hash-sorted changes, hashing each changed node
 * once, bottom-up. Hashes, keys and values are latin1 strings (see hashing.ts).
 */
import { EMPTY_ROOT, leafHashOf, nibbleAt, popcount16, putHash, sha256String } from './hashing.js';

export class Leaf {
  constructor(
    /** sha256(key). */
    readonly keyHash: string,
    /** The value's bytes. */
    readonly value: string,
  ) {}
}

/**
 * A branch holds its children's hashes in one string, in child order: exactly the tail of its
 * own hash preimage. Rebuilding a branch then reads one contiguous string instead of every
 * child object (a cache miss each across a heap of hundreds of MB: measured 2x slower).
 */
export class Branch {
  constructor(
    /** Bit i (value 1 << i) set = a child at nibble i. */
    readonly bitmap: number,
    /** The present children in nibble order. */
    readonly children: readonly TrieNode[],
    /** Their hashes, 32 chars each, in the same order. */
    readonly hashes: string,
  ) {}
}

export type TrieNode = Leaf | Branch;

/** One version of the trie: its root node (null when empty) and root hash. */
export interface Trie {
  readonly node: TrieNode | null;
  readonly hash: string;
}

export const EMPTY_TRIE: Trie = { node: null, hash: EMPTY_ROOT };

/** A leaf with its hash, as updates and builds take them. */
export interface HashedLeaf {
  readonly keyHash: string;
  readonly leaf: Leaf;
  /** sha256(0x00 || keyHash || sha256(value)). */
  readonly hash: string;
}

export function hashedLeaf(keyHash: string, value: string, valueHash: string): HashedLeaf {
  return { keyHash, leaf: new Leaf(keyHash, value), hash: leafHashOf(keyHash, valueHash) };
}

/** The new leaf at a key hash, or `leaf: null` to remove that key. */
export interface TrieUpdate {
  readonly keyHash: string;
  readonly leaf: HashedLeaf | null;
}

/** Second return value of apply/build/assemble (the new subtree's hash), kept out of a result object. */
let resultHash = '';

function trieOf(node: TrieNode | null): Trie {
  return { node, hash: node === null ? EMPTY_ROOT : resultHash };
}

/** Key-hash order (latin1 strings compare by code unit, i.e. by byte). */
export function byKeyHash(a: { keyHash: string }, b: { keyHash: string }): number {
  return a.keyHash < b.keyHash ? -1 : a.keyHash > b.keyHash ? 1 : 0;
}

/** The trie after `updates`, which must be sorted by key hash with no key hash twice. */
export function applyUpdates(trie: Trie, updates: readonly TrieUpdate[]): Trie {
  return updates.length === 0 ? trie : trieOf(apply(trie.node, trie.hash, 0, updates, 0, updates.length));
}

/** A trie holding exactly `leaves` (sorted by key hash, unique). */
export function buildTrie(leaves: readonly HashedLeaf[]): Trie {
  return trieOf(build(leaves, 0, leaves.length, 0));
}

/**
 * Sorts by key hash: a radix sort on the first 32 bits, then the rare equal prefixes by the
 * full hash. A comparison sort on the strings costs ~15 ms for a 10,000-update block (and
 * seconds for the million leaves of a rebuild); this costs well under 1 ms per 10,000.
 */
export function sortByKeyHash<T extends { keyHash: string }>(items: readonly T[]): T[] {
  const n = items.length;
  if (n < 256) return [...items].sort(byKeyHash);
  const prefix = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = (items[i] as T).keyHash;
    prefix[i] = ((h.charCodeAt(0) << 24) | (h.charCodeAt(1) << 16) | (h.charCodeAt(2) << 8) | h.charCodeAt(3)) >>> 0;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let spare = new Uint32Array(n);
  const count = new Uint32Array(65536);
  for (const shift of [0, 16]) {
    count.fill(0);
    for (let i = 0; i < n; i++) (count[((prefix[order[i] as number] as number) >>> shift) & 0xffff] as number)++;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = count[d] as number;
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = order[i] as number;
      const digit = ((prefix[j] as number) >>> shift) & 0xffff;
      spare[count[digit] as number] = j;
      count[digit] = (count[digit] as number) + 1;
    }
    [order, spare] = [spare, order];
  }
  const out = new Array<T>(n);
  for (let i = 0; i < n; i++) {
    // Insertion step among equal 32-bit prefixes only (about n^2 / 2^33 pairs).
    const j = order[i] as number;
    const item = items[j] as T;
    let k = i;
    while (k > 0 && prefix[order[k - 1] as number] === prefix[j] && (out[k - 1] as T).keyHash > item.keyHash) {
      out[k] = out[k - 1] as T;
      order[k] = order[k - 1] as number;
      k--;
    }
    out[k] = item;
    order[k] = j;
  }
  return out;
}

function apply(node: TrieNode | null, nodeHash: string, depth: number, ups: readonly TrieUpdate[], lo: number, hi: number): TrieNode | null {
  if (node instanceof Branch) return applyToBranch(node, depth, ups, lo, hi);
  const present: HashedLeaf[] = [];
  if (node === null) {
    for (let i = lo; i < hi; i++) {
      const leaf = (ups[i] as TrieUpdate).leaf;
      if (leaf !== null) present.push(leaf);
    }
  } else {
    // The subtree is one leaf: merge it, in key-hash order, with the updates that survive.
    let pending = true;
    for (let i = lo; i < hi; i++) {
      const u = ups[i] as TrieUpdate;
      if (pending && u.keyHash >= node.keyHash) {
        pending = false;
        if (u.keyHash !== node.keyHash) present.push({ keyHash: node.keyHash, leaf: node, hash: nodeHash });
      }
      if (u.leaf !== null) present.push(u.leaf);
    }
    if (pending) present.push({ keyHash: node.keyHash, leaf: node, hash: nodeHash });
  }
  return build(present, 0, present.length, depth);
}

/*
 * A branch being rebuilt keeps its new children (and their hashes) in per-depth slots until
 * all are known, then assembles them in one pass: no temporary arrays per node, which keeps
 * the garbage collector out of staging a version as far as possible.
 */
const slotNodes: (TrieNode | null)[][] = Array.from({ length: 65 }, () => new Array<TrieNode | null>(16).fill(null));
const slotHashes: string[][] = Array.from({ length: 65 }, () => new Array<string>(16).fill(''));
const scratch = Buffer.alloc(3 + 32 * 16);
const scratchViews = Array.from({ length: 17 }, (_, k) => scratch.subarray(0, 3 + 32 * k));

function applyToBranch(branch: Branch, depth: number, ups: readonly TrieUpdate[], lo: number, hi: number): TrieNode | null {
  const nodes = slotNodes[depth] as (TrieNode | null)[];
  const hashes = slotHashes[depth] as string[];
  let bitmap = branch.bitmap;
  let changed = 0;
  let oldIndex = 0;
  let i = lo;
  for (let n = 0; n < 16 && i < hi; n++) {
    const bit = 1 << n;
    const had = (branch.bitmap & bit) !== 0;
    let j = i;
    while (j < hi && nibbleAt((ups[j] as TrieUpdate).keyHash, depth) === n) j++;
    if (j > i) {
      const old = had ? (branch.children[oldIndex] as TrieNode) : null;
      // Only a leaf child needs its old hash (it may move down); a branch child is rebuilt.
      const child = apply(old, old instanceof Leaf ? branch.hashes.substr(32 * oldIndex, 32) : '', depth + 1, ups, i, j);
      changed |= bit;
      nodes[n] = child;
      hashes[n] = child === null ? '' : resultHash;
      bitmap = child === null ? bitmap & ~bit : bitmap | bit;
      i = j;
    }
    if (had) oldIndex++;
  }
  return assemble(depth, bitmap, changed, branch);
}

function build(leaves: readonly HashedLeaf[], lo: number, hi: number, depth: number): TrieNode | null {
  if (hi - lo <= 1) {
    if (hi === lo) return null;
    resultHash = (leaves[lo] as HashedLeaf).hash;
    return (leaves[lo] as HashedLeaf).leaf;
  }
  const nodes = slotNodes[depth] as (TrieNode | null)[];
  const hashes = slotHashes[depth] as string[];
  let bitmap = 0;
  let i = lo;
  while (i < hi) {
    const n = nibbleAt((leaves[i] as HashedLeaf).keyHash, depth);
    let j = i + 1;
    while (j < hi && nibbleAt((leaves[j] as HashedLeaf).keyHash, depth) === n) j++;
    nodes[n] = build(leaves, i, j, depth + 1);
    hashes[n] = resultHash;
    bitmap |= 1 << n;
    i = j;
  }
  return assemble(depth, bitmap, bitmap, null);
}

/**
 * The canonical node for the children in `bitmap`: those in `changed` come from this depth's
 * slots, the others from `old`. Nothing, the lone leaf moved up, or a newly hashed branch.
 */
function assemble(depth: number, bitmap: number, changed: number, old: Branch | null): TrieNode | null {
  const nodes = slotNodes[depth] as (TrieNode | null)[];
  const hashes = slotHashes[depth] as string[];
  const count = popcount16(bitmap);
  let children: TrieNode[];
  if (old !== null && old.bitmap === bitmap) {
    // Same shape (the common case: values overwritten): copy, then patch the changed children.
    children = old.children.slice();
    scratch.write(old.hashes, 3, 'latin1');
    for (let c = changed & bitmap; c !== 0; c &= c - 1) {
      const bit = c & -c;
      const n = 31 - Math.clz32(bit);
      const k = popcount16(bitmap & (bit - 1));
      children[k] = nodes[n] as TrieNode;
      putHash(scratch, 3 + 32 * k, hashes[n] as string);
    }
  } else {
    children = new Array<TrieNode>(count);
    let k = 0;
    let oldIndex = 0;
    for (let n = 0; n < 16; n++) {
      const bit = 1 << n;
      if (bitmap & bit) {
        if (changed & bit) {
          children[k] = nodes[n] as TrieNode;
          putHash(scratch, 3 + 32 * k, hashes[n] as string);
        } else {
          children[k] = (old as Branch).children[oldIndex] as TrieNode;
          putHash(scratch, 3 + 32 * k, (old as Branch).hashes, 32 * oldIndex);
        }
        k++;
      }
      if (old !== null && old.bitmap & bit) oldIndex++;
    }
  }
  for (let c = changed; c !== 0; c &= c - 1) nodes[31 - Math.clz32(c & -c)] = null;
  if (count === 0) return null;
  if (count === 1 && children[0] instanceof Leaf) {
    resultHash = scratch.toString('latin1', 3, 35);
    return children[0];
  }
  scratch[0] = 0x01;
  scratch[1] = bitmap >>> 8;
  scratch[2] = bitmap & 0xff;
  // branch = sha256(0x01 || bitmap || child hashes), the preimage just assembled in scratch.
  resultHash = sha256String(scratchViews[count] as Buffer);
  return new Branch(bitmap, children, scratch.toString('latin1', 3, 3 + 32 * count));
}

/** The path to a key hash: what a proof needs, still in the trie's string form. */
export interface TriePath {
  steps: { bitmap: number; siblings: string[] }[];
  /** The leaf where the path ends (the key's own leaf, or another key's), or null for an empty slot. */
  leaf: Leaf | null;
}

export function pathTo(trie: Trie, keyHash: string): TriePath {
  const steps: TriePath['steps'] = [];
  let node = trie.node;
  for (let depth = 0; node instanceof Branch; depth++) {
    const bit = 1 << nibbleAt(keyHash, depth);
    const index = (node.bitmap & bit) === 0 ? -1 : popcount16(node.bitmap & (bit - 1));
    const siblings: string[] = [];
    for (let c = 0; c < node.children.length; c++) if (c !== index) siblings.push(node.hashes.substr(32 * c, 32));
    steps.push({ bitmap: node.bitmap, siblings });
    if (index < 0) return { steps, leaf: null };
    node = node.children[index] as TrieNode;
  }
  return { steps, leaf: node };
}

/** The leaf of a key hash, if present. */
export function findLeaf(trie: Trie, keyHash: string): Leaf | undefined {
  let node = trie.node;
  for (let depth = 0; node instanceof Branch; depth++) {
    const bit = 1 << nibbleAt(keyHash, depth);
    if ((node.bitmap & bit) === 0) return undefined;
    node = node.children[popcount16(node.bitmap & (bit - 1))] as TrieNode;
  }
  return node !== null && node.keyHash === keyHash ? node : undefined;
}

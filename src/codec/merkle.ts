/**
 * Binary Merkle tree over a list (RFC 6962 shape, as CometBFT's HashFromByteSlices): leaves
 * are sha256(0x00 || item), inner nodes sha256(0x01 || left || right), the split at the largest
 * power of two below n. Used for the header's data, validators and results hashes.
 */
import { sha256, EMPTY_HASH } from './hash.js';

const LEAF = Uint8Array.of(0);
const INNER = Uint8Array.of(1);

function leafHash(item: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([LEAF, item]));
}

function innerHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(Buffer.concat([INNER, left, right]));
}

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function merkleRoot(items: readonly Uint8Array[]): Uint8Array {
  if (items.length === 0) return EMPTY_HASH;
  return rootOf(items, 0, items.length);
}

function rootOf(items: readonly Uint8Array[], start: number, end: number): Uint8Array {
  const n = end - start;
  if (n === 1) return leafHash(items[start] as Uint8Array);
  const k = splitPoint(n);
  return innerHash(rootOf(items, start, start + k), rootOf(items, start + k, end));
}

/**
 * The trie's hashes (spec/state.md, "Hashes"), computed over latin1 strings.
 *
 * Inside the store a 32-byte hash, a key and a value are latin1 strings (one char per byte):
 * a 32-char string costs about 48 bytes of heap where a Uint8Array costs about 250 with its
 * ArrayBuffer, which decides whether a million keys fit in a few hundred MB. For the same
 * reason the digests are asked for as strings: `crypto.hash(..., 'binary')` runs about 3x
 * faster here than a Buffer digest (1.3M/s against 440k/s for 65 bytes) because it allocates
 * no Buffer per hash. It is the same SHA-256 as `sha256` in src/codec/hash.ts (a test pins
 * both to the same bytes); the client-side verifier in proof.ts uses that one.
 */
import { hash } from 'node:crypto';

/** Root of the empty trie: 32 zero bytes (no preimage is known, so no proof can reach it). */
export const EMPTY_ROOT = '\0'.repeat(32);

/** SHA-256 of bytes, as a 32-char latin1 string. */
export function sha256String(data: Uint8Array): string {
  // 'binary' is Node's name for latin1 in the digest-encoding type.
  return hash('sha256', data, 'binary');
}

const LEAF_TAG = 0x00;
const leafScratch = Buffer.alloc(65);
let valueScratch = Buffer.alloc(4096);

/** valueHash = sha256(value), for a value held as a latin1 string. */
export function valueHashOf(value: string): string {
  if (value.length > valueScratch.length) valueScratch = Buffer.alloc(Math.max(value.length, valueScratch.length * 2));
  valueScratch.write(value, 0, 'latin1');
  return hash('sha256', valueScratch.subarray(0, value.length), 'binary');
}

/** leaf = sha256(0x00 || keyHash || valueHash). (A branch's hash is assembled in trie.ts.) */
export function leafHashOf(keyHash: string, valueHash: string): string {
  leafScratch[0] = LEAF_TAG;
  putHash(leafScratch, 1, keyHash);
  putHash(leafScratch, 33, valueHash);
  return hash('sha256', leafScratch, 'binary');
}

/**
 * Copies 32 chars of `source` (from `from`) into `buf` at `offset`. A plain loop: Buffer.write costs a
 * native call each (about 0.1 us, a fifth of staging's time with 16 per branch); this is JIT code.
 */
export function putHash(buf: Uint8Array, offset: number, source: string, from = 0): void {
  for (let i = 0; i < 32; i++) buf[offset + i] = source.charCodeAt(from + i);
}

/** The 4-bit digit of a key hash at `depth` (0 = high nibble of byte 0). */
export function nibbleAt(keyHash: string, depth: number): number {
  const byte = keyHash.charCodeAt(depth >>> 1);
  return depth & 1 ? byte & 0x0f : byte >>> 4;
}

/** Number of set bits in a 16-bit bitmap. */
export function popcount16(x: number): number {
  x = x - ((x >>> 1) & 0x5555);
  x = (x & 0x3333) + ((x >>> 2) & 0x3333);
  x = (x + (x >>> 4)) & 0x0f0f;
  return (x + (x >>> 8)) & 0x1f;
}

/** latin1 string -> fresh plain Uint8Array (small ones stay on the V8 heap: no ArrayBuffer). */
export function stringBytes(s: string): Uint8Array {
  const n = s.length;
  const out = new Uint8Array(n);
  if (n <= 64) {
    for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  } else {
    Buffer.from(out.buffer, out.byteOffset, n).write(s, 0, 'latin1');
  }
  return out;
}

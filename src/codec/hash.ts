import { hash } from 'node:crypto';

/** SHA-256, the only hash of the protocol. One-shot `crypto.hash` is about 1.6x faster than createHash here. */
export function sha256(data: Uint8Array): Uint8Array {
  const digest = hash('sha256', data, 'buffer');
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength);
}

export const HASH_LENGTH = 32;

/** The hash of nothing: an empty Merkle tree, an empty list of transactions. */
export const EMPTY_HASH: Uint8Array = sha256(new Uint8Array(0));

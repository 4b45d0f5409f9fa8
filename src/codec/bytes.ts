import { DecodeError } from './errors.js';

/** A plain Uint8Array view of the same memory (a Buffer from LevelDB or node:crypto becomes a plain view, no copy). */
export function asView(bytes: Uint8Array): Uint8Array {
  return Buffer.isBuffer(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes;
}

/** Lower-case hex without prefix. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

/** `0x`-prefixed lower-case hex. */
export function to0x(bytes: Uint8Array): string {
  return '0x' + toHex(bytes);
}

/** Parses hex with or without `0x`, any letter case; rejects odd length and non-hex characters. */
export function fromHex(text: string, what = 'hex string'): Uint8Array {
  const body = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new DecodeError(`invalid ${what}: expected an even number of hex digits`);
  }
  return new Uint8Array(Buffer.from(body, 'hex'));
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}

/** Lexicographic byte order: the canonical order wherever a set of byte strings is hashed. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A string key that stands for a byte string in a Map (one char per byte, exact round trip). */
export function bytesKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

export function bytesFromKey(key: string): Uint8Array {
  return new Uint8Array(Buffer.from(key, 'latin1'));
}

export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** 8-byte big-endian encoding of a non-negative safe integer: sorts numerically in LevelDB. */
export function u64be(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value));
  return out;
}

export function readU64be(bytes: Uint8Array, offset = 0): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(offset));
}

/**
 * The state database's LevelDB layout (spec/state.md, "On disk"). One byte of prefix per
 * table; versions are 8-byte big-endian so they sort numerically.
 */
import { u64be } from '../codec/bytes.js';
import { fixedBytes, safeUint, struct, type Infer } from '../codec/schema.js';

/** `f` + key -> value: the latest value of every key (one get per read, for worker threads). */
export const FLAT = 0x66;
/** `j` + version -> journal: the keys that version changed, with their previous values. */
export const JOURNAL = 0x6a;
/** `r` + version -> the 32-byte root of that version. */
export const ROOT = 0x72;
/** `m` -> StateMeta. */
export const META_KEY = Buffer.from('m');

/** Bumped when this layout changes incompatibly; a store of another format refuses to open. */
export const STATE_FORMAT = 1;

export const StateMeta = struct('StateMeta', {
  format: safeUint,
  latestVersion: safeUint,
  /** The oldest version whose root (and, above it, journal) is still on disk. */
  oldestVersion: safeUint,
  rootHash: fixedBytes(32),
});
export type StateMeta = Infer<typeof StateMeta>;

export function flatKey(key: string): Buffer {
  const out = Buffer.allocUnsafe(1 + key.length);
  out[0] = FLAT;
  out.write(key, 1, 'latin1');
  return out;
}

export function versionKey(prefix: number, version: number): Buffer {
  const out = Buffer.allocUnsafe(9);
  out[0] = prefix;
  out.set(u64be(version), 1);
  return out;
}

/** Bounds of one table for an iterator: [prefix, prefix + 1). */
export function tableRange(prefix: number): { gte: Buffer; lt: Buffer } {
  return { gte: Buffer.of(prefix), lt: Buffer.of(prefix + 1) };
}

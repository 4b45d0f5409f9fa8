/**
 * Downtime tracking (spec/staking.md, "Slashing and jailing"): per validator, a sliding window
 * of the last `signedBlocksWindow` blocks as a bitmap of misses, in 1,024-bit chunks so that a
 * block rewrites a chunk only when a bit flips, plus a small record with the running count.
 */
import { concatBytes, u64be, utf8 } from '../../codec/bytes.js';
import { decode, encode, safeUint, struct, type Infer } from '../../codec/schema.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { BPS, type StakingParams } from './params.js';

export const SigningInfo = struct('SigningInfo', {
  /** The height tracking started (or restarted after a jail): no downtime verdict before a full window. */
  startHeight: safeUint,
  /** Blocks seen since startHeight: the window position is indexOffset mod W. */
  indexOffset: safeUint,
  missed: safeUint,
});
export type SigningInfo = Infer<typeof SigningInfo>;

const INFO = utf8('stk/si/');
const BITMAP = utf8('stk/mb/');
const CHUNK_BITS = 1024;

export function readSigningInfo(state: StateReader, owner: Uint8Array): SigningInfo | undefined {
  const raw = state.get(concatBytes(INFO, owner));
  return raw === undefined ? undefined : decode(SigningInfo, raw, 'signing info');
}

function chunkKey(owner: Uint8Array, chunk: number): Uint8Array {
  return concatBytes(BITMAP, owner, u64be(chunk));
}

function clearBitmap(state: Overlay, owner: Uint8Array, window: number): void {
  for (let chunk = 0; chunk * CHUNK_BITS < window; chunk++) state.delete(chunkKey(owner, chunk));
}

/** Sets the bit of `index`; returns whether it was set before. */
function flipBit(state: Overlay, owner: Uint8Array, index: number, missed: boolean): boolean {
  const key = chunkKey(owner, Math.floor(index / CHUNK_BITS));
  const bit = index % CHUNK_BITS;
  const raw = state.get(key);
  const was = raw !== undefined && ((raw[bit >> 3] as number) & (1 << (bit & 7))) !== 0;
  if (was === missed) return was;
  const next = raw ? Uint8Array.from(raw) : new Uint8Array(CHUNK_BITS / 8);
  next[bit >> 3] = (next[bit >> 3] as number) ^ (1 << (bit & 7));
  if (next.every((b) => b === 0)) state.delete(key);
  else state.set(key, next);
  return was;
}

/**
 * Records whether the validator signed the block at `height - 1`; returns true when it has now
 * missed more than the window allows (the caller slashes and jails it, then calls resetSigning).
 */
export function recordSignature(state: Overlay, owner: Uint8Array, signed: boolean, height: number, params: StakingParams): boolean {
  const window = params.signedBlocksWindow;
  const info = readSigningInfo(state, owner) ?? { startHeight: height, indexOffset: 0, missed: 0 };
  const index = info.indexOffset % window;
  const was = flipBit(state, owner, index, !signed);
  let missed = info.missed;
  if (!was && !signed) missed++;
  else if (was && signed) missed--;
  const next = { startHeight: info.startHeight, indexOffset: info.indexOffset + 1, missed };
  state.set(concatBytes(INFO, owner), encode(SigningInfo, next));
  const minSigned = Math.floor((window * params.minSignedPerWindowBps) / BPS);
  return height >= info.startHeight + window && missed > window - minSigned;
}

/** Starts a fresh window at `height` (after a jail, so a returning validator is judged anew). */
export function resetSigning(state: Overlay, owner: Uint8Array, height: number, params: StakingParams): void {
  clearBitmap(state, owner, params.signedBlocksWindow);
  state.set(concatBytes(INFO, owner), encode(SigningInfo, { startHeight: height, indexOffset: 0, missed: 0 }));
}

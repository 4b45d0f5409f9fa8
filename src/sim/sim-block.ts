/**
 * The blocks simulated validators propose: height, round, proposer, the proposer's clock, a
 * validity mark the application checks, and a salt (an equivocating proposer's two blocks
 * differ in it). Fixed 41 bytes, so encoding costs nothing next to consensus itself.
 */
import { readU64be, u64be } from '../codec/bytes.js';

export interface SimBlock {
  height: number;
  round: number;
  proposer: number;
  /** The proposer's clock when it built the block (virtual ms plus its skew). */
  time: number;
  /** False for the blocks of the 'invalid-proposal' strategy: the application rejects them. */
  valid: boolean;
  salt: number;
}

const SIZE = 41;

export function encodeSimBlock(b: SimBlock): Uint8Array {
  const out = new Uint8Array(SIZE);
  out.set(u64be(b.height), 0);
  out.set(u64be(b.round), 8);
  out.set(u64be(b.proposer), 16);
  out.set(u64be(b.time), 24);
  out[32] = b.valid ? 1 : 0;
  out.set(u64be(b.salt), 33);
  return out;
}

export function decodeSimBlock(bytes: Uint8Array): SimBlock | undefined {
  if (bytes.length !== SIZE || (bytes[32] !== 0 && bytes[32] !== 1)) return undefined;
  return { height: readU64be(bytes, 0), round: readU64be(bytes, 8), proposer: readU64be(bytes, 16), time: readU64be(bytes, 24), valid: bytes[32] === 1, salt: readU64be(bytes, 33) };
}

/** A validator's clock may run this far ahead of another's before its blocks are refused (CometBFT's default drift). */
export const MAX_CLOCK_DRIFT_MS = 10_000;

/** The simulated application's verdict on a proposed block (ProcessProposal). */
export function simBlockValid(bytes: Uint8Array, height: number, lastTime: number, localClock: number): boolean {
  const b = decodeSimBlock(bytes);
  return b !== undefined && b.valid && b.height === height && b.time > lastTime && b.time <= localClock + MAX_CLOCK_DRIFT_MS;
}

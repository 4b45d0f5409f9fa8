/**
 * The blocks simulated validators propose: height, round, proposer, the proposer's clock, the
 * application state root the block builds on (as a header's app hash), a salt (an
 * equivocating proposer's two blocks differ in it), the transactions and the commit of the
 * previous block, RLP-encoded.
 */
import { decode, encode, fixedBytes, list, bytes, safeUint, struct, type Infer } from '../codec/schema.js';
import { MAX_TX_BYTES_STRUCTURAL } from '../codec/block.js';
import { Commit } from '../codec/vote.js';

export const SimBlock = struct('SimBlock', {
  height: safeUint,
  round: safeUint,
  proposer: safeUint,
  /** The proposer's clock when it built the block (virtual ms plus its skew). */
  time: safeUint,
  /** The state root after the previous block, on the proposer's application. */
  appHash: fixedBytes(32),
  salt: safeUint,
  txs: list(bytes(MAX_TX_BYTES_STRUCTURAL), 10_000),
  /** The proposer's commit of the previous block: who signed it (rewards and downtime use it). */
  lastCommit: Commit,
});
export type SimBlock = Infer<typeof SimBlock>;

export function encodeSimBlock(b: SimBlock): Uint8Array {
  return encode(SimBlock, b);
}

export function decodeSimBlock(raw: Uint8Array): SimBlock | undefined {
  try {
    return decode(SimBlock, raw, 'sim block');
  } catch {
    return undefined;
  }
}

/** A proposal's time may run this far ahead of a validator's clock before it prevotes nil (CometBFT's default drift). */
export const MAX_CLOCK_DRIFT_MS = 10_000;

/** Whether a proposed block's time fits a validator's clock. Judged at prevote only, never for a decided block. */
export function isTimely(blockTime: number, localClock: number): boolean {
  return blockTime <= localClock + MAX_CLOCK_DRIFT_MS;
}

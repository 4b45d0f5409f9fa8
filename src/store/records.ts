/** What the block store keeps besides blocks: per-block execution results and per-transaction index entries. */
import { bytes, fixedBytes, list, safeUint, struct, type Infer } from '../codec/schema.js';
import { ConsensusParams } from '../codec/params.js';
import { AppEvent, TxResult } from '../codec/results.js';

export const ValidatorUpdateRecord = struct('ValidatorUpdate', {
  publicKey: fixedBytes(32),
  power: safeUint,
});

export const BlockResults = struct('BlockResults', {
  height: safeUint,
  txResults: list(TxResult, 1_000_000),
  events: list(AppEvent, 10_000),
  validatorUpdates: list(ValidatorUpdateRecord, 10_000),
  /** Empty, or exactly one new set of consensus parameters. */
  consensusParamUpdates: list(ConsensusParams, 1),
  /** The state root after this block. */
  appHash: fixedBytes(32),
});
export type BlockResults = Infer<typeof BlockResults>;

export const TxRecord = struct('TxRecord', {
  height: safeUint,
  index: safeUint,
  tx: bytes(16 * 1024 * 1024),
  result: TxResult,
});
export type TxRecord = Infer<typeof TxRecord>;

/** What the block store keeps besides blocks: per-block execution results and per-transaction index entries. */
import { clampedList, fixedBytes, list, safeUint, struct, type Infer } from '../codec/schema.js';
import { ConsensusParams } from '../codec/params.js';
import { AppEvent, TxResult, type TxResult as TxResultT } from '../codec/results.js';

export const ValidatorUpdateRecord = struct('ValidatorUpdate', {
  publicKey: fixedBytes(32),
  power: safeUint,
});

export const BlockResults = struct('BlockResults', {
  height: safeUint,
  txResults: list(TxResult, 1_000_000),
  /** Block-level events (staking, governance); more than a block may hold are dropped, never a failed store. */
  events: clampedList(AppEvent, 10_000),
  validatorUpdates: list(ValidatorUpdateRecord, 10_000),
  /** Empty, or exactly one new set of consensus parameters. */
  consensusParamUpdates: list(ConsensusParams, 1),
  /** The state root after this block. */
  appHash: fixedBytes(32),
});
export type BlockResults = Infer<typeof BlockResults>;

/** The index entry of a transaction: where it is. Its bytes and result live in the block and the block's results. */
export const TxLocation = struct('TxLocation', {
  height: safeUint,
  index: safeUint,
});

/** A committed transaction as queries see it. */
export interface TxRecord {
  height: number;
  index: number;
  tx: Uint8Array;
  result: TxResultT;
}

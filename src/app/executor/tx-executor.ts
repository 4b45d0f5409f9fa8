/**
 * How a block's transactions are executed on the block's overlay. The sequential executor is
 * the reference; the parallel one (parallel-executor.ts) must give byte-identical results.
 */
import type { Overlay } from '../../state/overlay.js';
import { deliverTx, type DeliveredTx } from '../deliver-tx.js';
import type { SignatureCheck, TxLimits } from '../tx-checks.js';
import type { DecodeTx } from '../tx-decoder.js';

export interface TxExecutor {
  /** Executes `txs` in block order on `block`; one result per transaction. */
  execute(block: Overlay, txs: readonly Uint8Array[], limits: TxLimits, signatures: SignatureCheck, decode: DecodeTx): Promise<DeliveredTx[]>;
  close(): Promise<void>;
}

export class SequentialExecutor implements TxExecutor {
  async execute(block: Overlay, txs: readonly Uint8Array[], limits: TxLimits, signatures: SignatureCheck, decode: DecodeTx): Promise<DeliveredTx[]> {
    return txs.map((tx) => deliverTx(block, tx, limits, signatures, decode));
  }

  async close(): Promise<void> {}
}

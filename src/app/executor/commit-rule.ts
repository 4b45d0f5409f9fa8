/**
 * The in-order commit of speculative results (Block-STM's commit rule without its scheduler).
 * Transaction i commits its speculative writes when every key it read still holds the value
 * it saw: read from the pre-block state and written by no earlier transaction of the block,
 * or written by the same transaction its own batch ran before it, which committed exactly
 * those writes and is still the key's last writer. Otherwise it runs again here, on the
 * block's state as sequential execution would have left it. Every committed transaction has
 * then read what sequential execution gives it, so the state and results are identical.
 */
import type { Overlay } from '../../state/overlay.js';
import { deliverTx, type DeliveredTx } from '../deliver-tx.js';
import type { SignatureCheck, TxLimits } from '../tx-checks.js';
import type { DecodeTx } from '../tx-decoder.js';
import type { SpeculativeTx } from './speculative-batch.js';

export interface CommitStats {
  /** Transactions whose speculative writes were committed as they were. */
  committed: number;
  /** Transactions executed again on the main thread (conflicts and key listings). */
  reExecuted: number;
}

/** Block index -> the keys whose value a transaction's speculative run saw went stale. */
export type StaleReads = Map<number, string[]>;

function sameWrites(spec: SpeculativeTx, keys: string[], values: (Uint8Array | null)[]): boolean {
  if (keys.length !== spec.writeKeys.length) return false;
  return keys.every((k, i) => {
    const a = values[i];
    const b = spec.writeValues[i];
    return k === spec.writeKeys[i] && (a === null || b === null ? a === b : a !== undefined && b !== undefined && Buffer.compare(a, b) === 0);
  });
}

export function commitInOrder(
  block: Overlay,
  txs: readonly Uint8Array[],
  speculative: readonly SpeculativeTx[],
  limits: TxLimits,
  signatures: SignatureCheck,
  decode: DecodeTx,
): { delivered: DeliveredTx[]; stats: CommitStats; stale: StaleReads } {
  const lastWriter = new Map<string, number>();
  const exact = new Set<number>();
  const stats: CommitStats = { committed: 0, reExecuted: 0 };
  const stale: StaleReads = new Map();
  const delivered = txs.map((tx, i): DeliveredTx => {
    const spec = speculative[i] as SpeculativeTx;
    const staleKeys = spec.readKeys.filter((k, j) => {
      const source = spec.readSources[j] as number;
      const writer = lastWriter.get(k);
      return !(source === -1 ? writer === undefined : writer === source && exact.has(source));
    });
    if (staleKeys.length > 0) stale.set(i, staleKeys);
    if (!spec.needsMain && staleKeys.length === 0) {
      block.applyWrites(spec.writeKeys, spec.writeValues);
      for (const k of spec.writeKeys) lastWriter.set(k, i);
      exact.add(i);
      stats.committed++;
      return { result: spec.result, fee: spec.fee };
    }
    stats.reExecuted++;
    const state = block.child();
    const again = deliverTx(state, tx, limits, signatures, decode);
    const { keys, values } = state.writeEntries();
    for (const k of keys) lastWriter.set(k, i);
    // Later transactions of its batch saw its speculative writes: still right if they are the same.
    if (!spec.needsMain && sameWrites(spec, keys, values)) exact.add(i);
    state.mergeIntoParent();
    return again;
  });
  return { delivered, stats, stale };
}

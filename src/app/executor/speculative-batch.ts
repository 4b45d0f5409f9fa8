/**
 * One batch of a block's transactions executed speculatively, in block order, against the
 * pre-block state (plus the block's writes before its transactions). For each transaction it
 * records what the commit rule needs: every key it read with the batch transaction that wrote
 * the value it saw (-1: the pre-block state), and its writes. A transaction that listed keys
 * (db.range) cannot be checked by keys alone and is marked for the main thread.
 */
import { bytesKey } from '../../codec/bytes.js';
import type { TxResult } from '../../codec/results.js';
import type { RangeReader } from '../../state/ordered-keys.js';
import { Overlay, type StateReader } from '../../state/overlay.js';
import { deliverTx } from '../deliver-tx.js';
import type { TxLimits } from '../tx-checks.js';
import { decodeFresh, decoderWith, type ShippedDecode } from '../tx-decoder.js';

export interface SpeculativeTx {
  index: number;
  result: TxResult;
  fee: bigint;
  readKeys: string[];
  /** Per read key: the block index of the transaction whose write it saw, or -1. */
  readSources: number[];
  writeKeys: string[];
  writeValues: (Uint8Array | null)[];
  /** Listed keys: execute again on the main thread whatever the reads say. */
  needsMain: boolean;
}

/** The pre-block state seen by a worker: the block's earlier writes over the committed state. */
export class PreBlockReader implements StateReader, RangeReader {
  /** Set when a transaction lists keys; the batch clears it per transaction. */
  rangeRequested = false;

  constructor(
    private readonly base: ReadonlyMap<string, Uint8Array | null>,
    /** The committed value of a key given as a latin1 string (bytesKey). */
    private readonly committed: (key: string) => Uint8Array | undefined,
  ) {}

  get(key: Uint8Array): Uint8Array | undefined {
    const k = bytesKey(key);
    const written = this.base.get(k);
    if (written !== undefined) return written ?? undefined;
    return this.committed(k);
  }

  orderedKeys(): Iterable<string> {
    // Ordered listing is the main thread's (the store's index lives there); the result of this
    // run is thrown away, so any answer will do.
    this.rangeRequested = true;
    return [];
  }
}

export interface BatchInput {
  /** Block indexes of this batch's transactions, ascending. */
  indexes: number[];
  txs: Uint8Array[];
  /** Per transaction: its signature is known good (checked on the pool before execution). */
  verified: boolean[];
  /** Per transaction: the sender thread's decoding, or null (the batch decodes it). */
  decoded?: (ShippedDecode | null)[];
  limits: TxLimits;
}

export function executeBatch(reader: PreBlockReader, input: BatchInput): SpeculativeTx[] {
  const decode = input.decoded ? decoderWith(input.txs, input.decoded) : decodeFresh;
  const batch = new Overlay(reader);
  const writerOf = new Map<string, number>();
  return input.indexes.map((index, i) => {
    const tx = batch.child();
    reader.rangeRequested = false;
    const verified = input.verified[i] === true;
    const delivered = deliverTx(tx, input.txs[i] as Uint8Array, input.limits, { isVerified: () => verified }, decode);
    const readKeys = [...tx.readSet];
    const readSources = readKeys.map((k) => writerOf.get(k) ?? -1);
    const { keys: writeKeys, values: writeValues } = tx.writeEntries();
    for (const k of writeKeys) writerOf.set(k, index);
    tx.mergeIntoParent();
    return {
      index,
      result: delivered.result,
      fee: delivered.fee,
      readKeys,
      readSources,
      writeKeys,
      writeValues,
      needsMain: reader.rangeRequested || tx.rangeReadSet.size > 0,
    };
  });
}

/**
 * Decoded transactions by content. A transaction is decoded at admission, on every re-check,
 * in ProcessProposal and in FinalizeBlock, on every node: RLP decoding and the two hashes
 * cost more than the checks themselves, so the result is kept (bounded, oldest out first).
 * Decoding is a pure function of the bytes, so a cached answer is always the right one.
 */
import { bytesKey } from '../codec/bytes.js';
import { decodeTx, txHash, txSignBytesOfDecoded, type SignedTx } from '../codec/tx.js';
import { addressFromPublicKey } from '../crypto/address.js';

export interface DecodedBytes {
  readonly tx: SignedTx;
  readonly hash: Uint8Array;
  readonly sender: Uint8Array;
  /** What the signature covers. */
  readonly signBytes: Uint8Array;
}

export type DecodeTx = (bytes: Uint8Array) => DecodedBytes;

/** A decoded transaction as sent to another thread: its sign bytes are computed there if asked for. */
export type ShippedDecode = Pick<DecodedBytes, 'tx' | 'hash' | 'sender'>;

/**
 * Decodes with what another thread already decoded, for the transactions it sent (matched by
 * the very array), and decodes the rest afresh.
 */
export function decoderWith(txs: readonly Uint8Array[], shipped: readonly (ShippedDecode | null)[]): DecodeTx {
  const known = new Map<Uint8Array, DecodedBytes>();
  txs.forEach((bytes, i) => {
    const d = shipped[i];
    if (d) known.set(bytes, { tx: d.tx, hash: d.hash, sender: d.sender, get signBytes() { return txSignBytesOfDecoded(bytes); } });
  });
  return (bytes) => known.get(bytes) ?? decodeFresh(bytes);
}

/** Without a cache: what a one-off check uses. */
export const decodeFresh: DecodeTx = (bytes) => {
  const tx = decodeTx(bytes);
  return { tx, hash: txHash(bytes), sender: addressFromPublicKey(tx.publicKey), signBytes: txSignBytesOfDecoded(bytes) };
};

export class TxDecoder {
  private readonly cache = new Map<string, DecodedBytes>();
  /**
   * By the very array: a transaction is decoded again from the same array at admission,
   * re-check, proposal and execution, and this finds it without turning its bytes into a key.
   * Transaction arrays are never modified once received.
   */
  private readonly byArray = new WeakMap<Uint8Array, DecodedBytes>();
  private bytes = 0;

  /** At most `capacity` transactions and `maxBytes` of their bytes (each counted twice: key and decoded copy). */
  constructor(
    private readonly capacity = 200_000,
    private readonly maxBytes = 128 * 1024 * 1024,
  ) {}

  /** Throws DecodeError for bytes that are not a transaction (never cached). */
  readonly decode: DecodeTx = (bytes) => {
    const same = this.byArray.get(bytes);
    if (same) return same;
    const key = bytesKey(bytes);
    const hit = this.cache.get(key);
    if (hit) {
      this.byArray.set(bytes, hit);
      return hit;
    }
    const decoded = decodeFresh(bytes);
    this.byArray.set(bytes, decoded);
    this.cache.set(key, decoded);
    this.bytes += 2 * key.length;
    while (this.cache.size > this.capacity || this.bytes > this.maxBytes) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
      this.bytes -= 2 * oldest.length;
    }
    return decoded;
  };
}

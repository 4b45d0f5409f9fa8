import { bytesKey } from '../../codec/bytes.js';
import type { SignatureCheck } from '../tx-checks.js';

/**
 * Hashes of transactions whose signatures verified. A hash covers the whole signed
 * encoding (body, key and signature), so a hit means the very same bytes already passed.
 * Bounded: the oldest entries go first.
 */
export class VerifiedSignatures implements SignatureCheck {
  private readonly hashes = new Set<string>();
  /** The very hash arrays added: the decoder hands out the same array for the same transaction, found here without a key. */
  private readonly arrays = new WeakSet<Uint8Array>();

  constructor(private readonly capacity = 200_000) {}

  isVerified(hash: Uint8Array): boolean {
    return this.arrays.has(hash) || this.hashes.has(bytesKey(hash));
  }

  add(hash: Uint8Array): void {
    this.arrays.add(hash);
    const key = bytesKey(hash);
    if (this.hashes.has(key)) return;
    if (this.hashes.size >= this.capacity) {
      const oldest = this.hashes.values().next();
      if (!oldest.done) this.hashes.delete(oldest.value);
    }
    this.hashes.add(key);
  }
}

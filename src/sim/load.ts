/**
 * The transfers a simulation submits, as clients would: the simulator asks for the next batch
 * as its load rate falls due and hands it to every node that is up (a client broadcasting to
 * several nodes), so blocks carry real transactions whoever proposes. Senders take turns and
 * their nonces follow; a memo of `memoBytes` makes each transfer (and so each block) larger.
 */
import { addressFromPublicKey } from '../crypto/address.js';
import { BulkSigner } from '../crypto/bulk-signer.js';
import { MAX_MEMO_BYTES } from '../codec/tx.js';
import { derivedKey, MIN_GAS_PRICE } from './sim-genesis.js';

export const LOAD_ACCOUNTS = 16;

/**
 * Transfer n is the same bytes in every run of a chain (its sender, nonce, recipient and amount
 * follow from n, its keys from their labels), so a process signs each once: explore's runs and
 * a test's repeated runs reuse them. Bounded: beyond it, transfers are signed per run.
 */
const SIGNED_CACHE_LIMIT = 20_000;
const signed = new Map<string, Uint8Array>();

export class SimLoad {
  /** Made on the first transfer this process has not signed yet (each holds an OpenSSL key). */
  private signerList: BulkSigner[] | null = null;
  private next = 0;

  private readonly memo: string;

  constructor(
    readonly chainId: string,
    readonly memoBytes = 0,
  ) {
    if (!Number.isSafeInteger(memoBytes) || memoBytes < 0 || memoBytes > MAX_MEMO_BYTES) throw new RangeError(`a transfer's memo holds 0 to ${MAX_MEMO_BYTES} bytes, not ${memoBytes}`);
    this.memo = 'm'.repeat(memoBytes);
  }

  get accounts(): Uint8Array[] {
    return Array.from({ length: LOAD_ACCOUNTS }, (_, i) => addressFromPublicKey(derivedKey(`sim account ${i}`).publicKey));
  }

  private get signers(): BulkSigner[] {
    this.signerList ??= Array.from({ length: LOAD_ACCOUNTS }, (_, i) => new BulkSigner(derivedKey(`sim account ${i}`)));
    return this.signerList;
  }

  /** The next `count` transfers, each valid once every earlier one is committed. */
  batch(count: number): Uint8Array[] {
    const txs: Uint8Array[] = [];
    for (let j = 0; j < count; j++, this.next++) {
      const n = this.next;
      const key = `${this.chainId}/${this.memoBytes}/${n}`;
      const known = signed.get(key);
      if (known) {
        txs.push(known);
        continue;
      }
      const from = n % LOAD_ACCOUNTS;
      const signer = this.signers[from] as BulkSigner;
      const to = addressFromPublicKey((this.signers[(from + 1 + (n % 7)) % LOAD_ACCOUNTS] as BulkSigner).keyPair.publicKey);
      const tx = signer.signTx({ chainId: this.chainId, nonce: Math.floor(n / LOAD_ACCOUNTS), gasLimit: 100_000, gasPrice: MIN_GAS_PRICE, memo: this.memo, msg: { type: 'transfer', to, amount: BigInt(1 + (n % 1000)) } }).bytes;
      if (signed.size < SIGNED_CACHE_LIMIT) signed.set(key, tx);
      txs.push(tx);
    }
    return txs;
  }
}

/**
 * This node's attester (spec/webhooks.md, "Attesting nodes"): signs `attestHook` transactions
 * with its operator's key and hands them to its own mempool, one at a time so each takes the
 * next pending nonce. The gas limit covers the most an attestation can use (the k-th runs the
 * trigger); only what is used is charged, and a counted attestation's fee comes back from the
 * contract's hook account.
 */
import { HOOK_LIMITS } from '../app/hooks/declaration.js';
import { HOOK_GAS } from '../app/hooks/events.js';
import type { TxBody } from '../codec/tx.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { signTx } from '../crypto/sign-tx.js';
import type { NodeApi } from '../node/api.js';
import type { AddResult } from '../mempool/mempool.js';
import { Mutex } from '../runtime/mutex.js';

/** An attestation's gas beyond the trigger's: the most the other parts of one can use, with room. */
export const ATTESTATION_OVERHEAD_GAS =
  HOOK_GAS.attest + HOOK_GAS.bodyByte * 16 * 1024 + HOOK_GAS.declarationByte * HOOK_LIMITS.fileBytes + HOOK_GAS.verify * HOOK_LIMITS.keys + 2 * (HOOK_GAS.write + HOOK_GAS.writeByte * 8 * 1024) + 100_000;

/** The price offered: twice the next block's base fee, so a rising base fee does not strand the attestation. */
const PRICE_FACTOR = 2n;

export type AttesterNode = Pick<NodeApi, 'status' | 'account' | 'params' | 'broadcastTx'>;

export interface Submission {
  result: AddResult;
  gasLimit: number;
  gasPrice: bigint;
}

export class Attester {
  readonly address: string;
  private readonly addressBytes: Uint8Array;
  private readonly order = new Mutex();

  constructor(
    private readonly node: AttesterNode,
    private readonly key: KeyPair,
  ) {
    this.addressBytes = addressFromPublicKey(key.publicKey);
    this.address = formatAddress(this.addressBytes);
  }

  /** The fee the attestation may cost at most, at today's price: what the hook account should hold. */
  price(triggerGas: number): { gasLimit: number; gasPrice: bigint } {
    const { app, baseFee } = this.node.params();
    const gasLimit = app.gas.txBase + app.gas.txByte * 20 * 1024 + ATTESTATION_OVERHEAD_GAS + triggerGas;
    return { gasLimit, gasPrice: baseFee * PRICE_FACTOR };
  }

  submit(contract: Uint8Array, hook: string, body: Uint8Array, signature: Uint8Array, triggerGas: number): Promise<Submission> {
    return this.order.runExclusive(async () => {
      const { gasLimit, gasPrice } = this.price(triggerGas);
      const nonce = this.node.account(this.addressBytes, 0, false).pendingNonce;
      const tx: TxBody = { chainId: this.node.status().chainId, nonce, gasLimit, gasPrice, memo: '', msg: { type: 'attestHook', contract, hook, body, signature } };
      const result = await this.node.broadcastTx(signTx(tx, this.key).bytes);
      return { result, gasLimit, gasPrice };
    });
  }
}

/**
 * What executing a transaction may do to state, checked transaction by transaction on an
 * overlay over a harness's committed state (spec/transactions.md, "Execution";
 * spec/hostile-input.md, "Transactions: every field"), and the small helpers the hostile
 * transaction tests share.
 */
import { expect } from 'vitest';
import { bytesKey } from '../../src/codec/bytes.js';
import type { TxResult } from '../../src/codec/results.js';
import { decodeTx, type Msg, type TxBody } from '../../src/codec/tx.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { readAppParams, readChainSettings } from '../../src/app/app-store.js';
import { accountKey, readAccount } from '../../src/app/bank/accounts.js';
import { deliverTx } from '../../src/app/deliver-tx.js';
import { TxCode } from '../../src/app/errors.js';
import { readBaseFee } from '../../src/app/fees/base-fee.js';
import { readStakingParams } from '../../src/app/staking/records.js';
import type { TxLimits } from '../../src/app/tx-checks.js';
import { Overlay } from '../../src/state/overlay.js';
import type { AppHarness } from './app-harness.js';
import { MIN_GAS_PRICE, TEST_CHAIN_ID } from './nodes.js';

/** The header time the app harness gives a block. */
export const blockTime = (height: number): number => 1_700_000_000_000 + height * 1000;

/** A well-formed signed transaction at the minimum gas price. */
export function signed(key: KeyPair, nonce: number, msg: Msg, gasLimit = 5_000_000): Uint8Array {
  const body: TxBody = { chainId: TEST_CHAIN_ID, nonce, gasLimit, gasPrice: MIN_GAS_PRICE, memo: '', msg };
  return signTx(body, key).bytes;
}

/** Refused before its message ran: no gas used. */
export const preCheckFailed = (r: TxResult): boolean => r.code !== TxCode.OK && r.gasUsed === 0;

/**
 * The least gas a transaction pays per distinct state key it reads (the cheapest message today,
 * withdrawing a candidacy with many delegations, pays about 2,500): work a sender does not pay
 * for is work an attacker gets free.
 */
export const MIN_GAS_PER_READ = 1000;
/** The same for every byte of key and value a transaction writes (the cheapest today, a declaration, pays about 40). */
export const MIN_GAS_PER_BYTE_WRITTEN = 20;

/** The limits the next block runs with, read from committed state as the app reads them. */
export function nextLimits(h: AppHarness): TxLimits {
  const settings = readChainSettings(h.store);
  if (!settings) throw new Error('no chain settings');
  const params = readAppParams(h.store);
  const height = h.height + 1;
  return { ...settings, params, height, time: blockTime(height), staking: readStakingParams(h.store), baseFee: readBaseFee(h.store, params.minGasPrice) };
}

/**
 * Each transaction run on its own overlay over the committed state: one refused before its
 * message writes nothing; one whose message failed writes only its sender's account, with the
 * nonce one up and the balance down by exactly gas used x gas price; a successful one moves
 * its sender's nonce one up.
 */
export function expectWritesAsSpecified(h: AppHarness, txs: Uint8Array[]): void {
  const limits = nextLimits(h);
  const block = new Overlay(h.store);
  for (const tx of txs) {
    const own = block.child();
    const { result } = deliverTx(own, tx, limits, { isVerified: () => false });
    const { keys, values } = own.writeEntries();
    // Every key a transaction's work reads, and every byte it writes, is paid for.
    if (result.gasUsed > 0) {
      expect(own.readSet.size * MIN_GAS_PER_READ).toBeLessThanOrEqual(result.gasUsed);
      const written = keys.reduce((sum, key, i) => sum + key.length + (values[i]?.length ?? 0), 0);
      expect(written * MIN_GAS_PER_BYTE_WRITTEN).toBeLessThanOrEqual(result.gasUsed);
    }
    if (preCheckFailed(result)) {
      expect(keys).toEqual([]);
      continue;
    }
    const decoded = decodeTx(tx);
    const sender = addressFromPublicKey(decoded.publicKey);
    const before = readAccount(block, sender);
    const after = readAccount(own, sender);
    expect(after.nonce).toBe(before.nonce + 1);
    if (result.code !== TxCode.OK) {
      expect(keys).toEqual([bytesKey(accountKey(sender))]);
      expect(before.balance - after.balance).toBe(BigInt(result.gasUsed) * decoded.body.gasPrice);
    }
    own.mergeIntoParent();
  }
}

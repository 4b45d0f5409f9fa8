/**
 * Review of issue 20 (webhooks), on the real application: attacks by a listed attester (or by
 * an authenticated caller) against the hook account, the quorum and the event records.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import type { TxResult } from '../../src/codec/results.js';
import type { Msg, TxBody } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { hookAccount } from '../../src/app/hooks/records.js';
import { TxCode } from '../../src/app/errors.js';
import { signHookCall } from '../../src/hooks/auth.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { deployTx } from '../support/contract-txs.js';
import { addressOf, MIN_GAS_PRICE, testKey, TEST_CHAIN_ID, transfer } from '../support/nodes.js';

const EXAMPLE = new URL('../../examples/delivery/', import.meta.url);
const CODE = readFileSync(new URL('contract.js', EXAMPLE), 'utf8');
const PROCESS = readFileSync(new URL('delivery.jpdl.xml', EXAMPLE), 'utf8');

const attesters = [0, 1, 2, 3].map(testKey);
const deployer = testKey(4);
const courier = testKey(20);
const hex = (k: KeyPair): string => formatAddress(addressOf(k));

const HOOKS = JSON.stringify({
  delivery: { auth: 'ed25519', keys: [toHex(courier.publicKey)], attesters: attesters.map(hex), quorum: 3, signal: 'delivered' },
  receipt: { auth: 'hmac', attesters: attesters.map(hex), quorum: 2, method: 'receipt', gas: 500_000 },
});

const status = (r: TxResult | undefined): string | undefined => r?.events.find((e) => e.type === 'hook_attestation')?.attributes.find((a) => a.key === 'status')?.value;

function attest(k: KeyPair, nonce: number, contract: Uint8Array, hook: string, body: string, o: { gasPrice?: bigint; gasLimit?: number; hmac?: boolean } = {}): Uint8Array {
  const bytes = utf8(body);
  const signature = o.hmac ? new Uint8Array(0) : Uint8Array.from(Buffer.from(signHookCall(courier, TEST_CHAIN_ID, contract, hook, bytes), 'hex'));
  const msg: Msg = { type: 'attestHook', contract, hook, body: bytes, signature };
  const tx: TxBody = { chainId: TEST_CHAIN_ID, nonce, gasLimit: o.gasLimit ?? 3_000_000, gasPrice: o.gasPrice ?? MIN_GAS_PRICE, memo: '', msg };
  return signTx(tx, k).bytes;
}

async function chain(h: AppHarness): Promise<{ contract: Uint8Array; account: Uint8Array; next: (k: KeyPair) => number }> {
  const counters = new Map<string, number>();
  const next = (k: KeyPair): number => {
    const n = counters.get(hex(k)) ?? 0;
    counters.set(hex(k), n + 1);
    return n;
  };
  const contract = contractAddress(addressOf(deployer), 0);
  const res = await h.runBlock([deployTx(deployer, next(deployer), CODE, { files: { 'delivery.jpdl.xml': PROCESS, 'hooks.json': HOOKS } })]);
  expect(res.txResults[0]?.code, res.txResults[0]?.log).toBe(0);
  const account = hookAccount(contract);
  h.addresses.set(formatAddress(account), account);
  const funded = await h.runBlock([transfer(deployer, { nonce: next(deployer), to: account, amount: 10n * ONE_CMT })]);
  expect(funded.txResults[0]?.code).toBe(0);
  return { contract, account, next };
}

describe('review 20: the hook account and the quorum against one attester', () => {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('one attester cannot drain the hook account by offering a huge gas price on a counted attestation', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const { contract, account, next } = await chain(h);
    const before = h.balance(account);
    expect(before).toBe(10n * ONE_CMT);
    // A legitimate, courier-signed event; attester 2 applies it (a counted, paid-back attestation), but
    // it offers 100,000 times the minimum gas price. The fee goes to the block (validators: the
    // attesters are validator operators); the hook account pays back at most twice the base fee.
    const body = JSON.stringify({ id: 'parcel-1', instance: '1' });
    const [a0, a1, a2] = attesters as [KeyPair, KeyPair, KeyPair];
    const results = (await h.runBlock([attest(a0, next(a0), contract, 'delivery', body), attest(a1, next(a1), contract, 'delivery', body), attest(a2, next(a2), contract, 'delivery', body, { gasPrice: MIN_GAS_PRICE * 100_000n })])).txResults;
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    // The signal itself fails (no instance 1 was ordered): the event closes as failed, still counted.
    expect(results.map(status)).toEqual(['accepted', 'accepted', 'failed']);
    // What three honest attesters cost the account (each offers twice the base fee): gas used x 2 x min price.
    const honestCost = results.reduce((sum, r) => sum + BigInt(r.gasUsed), 0n) * MIN_GAS_PRICE * 2n;
    const spent = before - h.balance(account);
    expect(spent > 0n).toBe(true);
    expect(spent, `the hook account lost ${spent} base units (${Number(spent) / Number(ONE_CMT)} CMT); three honest attestations cost ${honestCost}`).toBeLessThanOrEqual(honestCost);
    expect(h.totalHeld()).toBe(h.supply());
  });

  it('one HMAC attester below the quorum cannot empty the hook account by inventing events', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const { contract, account, next } = await chain(h);
    const before = h.balance(account);
    // quorum 2 of 4: attester 0 alone can never apply an event, yet every fresh id it invents is "accepted"
    // and paid back in full from the hook account (and leaves a record in state for ever).
    const a0 = attesters[0] as KeyPair;
    const txs = Array.from({ length: 20 }, (_, i) => attest(a0, next(a0), contract, 'receipt', JSON.stringify({ id: `invented-${i}`, pad: 'x'.repeat(8000) }), { hmac: true }));
    const results = (await h.runBlock(txs)).txResults;
    expect(results.map(status)).toEqual(results.map(() => 'accepted'));
    const spent = before - h.balance(account);
    expect(spent, `one attester, below the quorum, moved ${spent} base units out of the hook account with no event ever applied`).toBe(0n);
  });

  it('two different event ids (lone surrogates) are one event on chain: an honest attester of both is recorded as conflicting', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const { contract, next } = await chain(h);
    const a0 = attesters[0] as KeyPair;
    // JSON "\ud800" and "\udbff" are different strings (different event ids to the endpoint's memory and to the
    // contract), but both encode to EF BF BD in the record key.
    const first = '{"id":"order-\\ud800","order":"1"}';
    const second = '{"id":"order-\\udbff","order":"2"}';
    expect((JSON.parse(first) as { id: string }).id).not.toBe((JSON.parse(second) as { id: string }).id);
    const results = (await h.runBlock([attest(a0, next(a0), contract, 'receipt', first, { hmac: true }), attest(a0, next(a0), contract, 'receipt', second, { hmac: true })])).txResults;
    // Either such an id is refused (HOOK_BAD_BODY: not well-formed UTF-16), or the second is its own event.
    if (results[0]?.code !== 0) {
      expect(results.map((r) => r.code)).toEqual([TxCode.HOOK_BAD_BODY, TxCode.HOOK_BAD_BODY]);
      return;
    }
    expect(results[1]?.code).toBe(0);
    expect(status(results[1])).toBe('accepted');
  });
});

/**
 * Webhooks on the real application (spec/webhooks.md): examples/delivery with a signal hook
 * (Ed25519 callers, 3 of 4 attesters) and a method hook (HMAC, 2 of 4). An event is applied once
 * k attesters carried the same body, never before, never twice; late, duplicate and conflicting
 * attestations are recorded; forged, unknown, non-attester and malformed attestations fail with
 * their codes and change nothing but the attester's fee; counted attestations are paid back from
 * the hook account; the supply holds; and the sequential and parallel executors agree byte for byte.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import type { TxResult } from '../../src/codec/results.js';
import type { Msg } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { TxCode } from '../../src/app/errors.js';
import { ParallelExecutor } from '../../src/app/executor/parallel-executor.js';
import { hookAccount } from '../../src/app/hooks/records.js';
import { signHookCall } from '../../src/hooks/auth.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx, signedMsg } from '../support/contract-txs.js';
import { addressOf, testKey, TEST_CHAIN_ID, transfer } from '../support/nodes.js';

const EXAMPLE = new URL('../../examples/delivery/', import.meta.url);
const CODE = readFileSync(new URL('contract.js', EXAMPLE), 'utf8');
const PROCESS = readFileSync(new URL('delivery.jpdl.xml', EXAMPLE), 'utf8');

const attesters = [0, 1, 2, 3].map(testKey);
const buyer = testKey(4);
const seller = testKey(5);
const courier = testKey(20);
const stranger = testKey(21);
const hex = (k: KeyPair): string => formatAddress(addressOf(k));

const HOOKS = JSON.stringify({
  delivery: { auth: 'ed25519', keys: [toHex(courier.publicKey)], attesters: attesters.map(hex), quorum: 3, signal: 'delivered' },
  receipt: { auth: 'hmac', attesters: attesters.map(hex), quorum: 2, method: 'receipt', gas: 500_000 },
});

function nonces(): (k: KeyPair) => number {
  const next = new Map<string, number>();
  return (k) => {
    const n = next.get(hex(k)) ?? 0;
    next.set(hex(k), n + 1);
    return n;
  };
}

function attestTx(k: KeyPair, nonce: number, contract: Uint8Array, hook: string, body: string, signature: Uint8Array | 'sign' = 'sign'): Uint8Array {
  const bytes = utf8(body);
  const sig = signature === 'sign' ? Uint8Array.from(Buffer.from(signHookCall(courier, TEST_CHAIN_ID, contract, hook, bytes), 'hex')) : signature;
  const msg: Msg = { type: 'attestHook', contract, hook, body: bytes, signature: sig };
  return signedMsg(k, nonce, msg, 3_000_000);
}

const status = (r: TxResult | undefined): string | undefined => r?.events.find((e) => e.type === 'hook_attestation')?.attributes.find((a) => a.key === 'status')?.value;

interface Chain {
  h: AppHarness;
  next: (k: KeyPair) => number;
  contract: Uint8Array;
  run(txs: Uint8Array[]): Promise<TxResult[]>;
  call(k: KeyPair, method: string, args: unknown[], value?: bigint): Promise<TxResult>;
  appHashes: string[];
}

async function deliveryChain(h: AppHarness): Promise<Chain> {
  const next = nonces();
  const appHashes: string[] = [];
  const run = async (txs: Uint8Array[]): Promise<TxResult[]> => {
    const res = await h.runBlock(txs);
    appHashes.push(toHex(res.appHash));
    return res.txResults;
  };
  const contract = contractAddress(addressOf(buyer), 0);
  const [deployed] = await run([deployTx(buyer, next(buyer), CODE, { files: { 'delivery.jpdl.xml': PROCESS, 'hooks.json': HOOKS } })]);
  expect(deployed?.code, deployed?.log).toBe(0);
  h.addresses.set(formatAddress(hookAccount(contract)), hookAccount(contract));
  await run([transfer(buyer, { nonce: next(buyer), to: hookAccount(contract), amount: 10n * ONE_CMT })]);
  const call = async (k: KeyPair, method: string, args: unknown[], value = 0n): Promise<TxResult> => (await run([callTx(k, next(k), contract, method, args, { value })]))[0] as TxResult;
  return { h, next, contract, run, call, appHashes };
}

describe('webhooks in contracts', () => {
  let h: AppHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** The whole story; the app hashes of its blocks, to compare executors. */
  async function story(harness: AppHarness): Promise<string[]> {
    const c = await deliveryChain(harness);
    const { contract, next, run, call } = c;
    expect((await call(buyer, 'order', [hex(seller), 'bike'], 5n * ONE_CMT)).code).toBe(0);
    const body = JSON.stringify({ id: 'parcel-1', instance: '1', data: { courier: 'ACME', at: '2026-12-07' } });
    const before = harness.balance(addressOf(attesters[0] as KeyPair));
    // Two of four: nothing moves yet, and the seller cannot collect.
    const firstTwo = await run([attestTx(attesters[0] as KeyPair, next(attesters[0] as KeyPair), contract, 'delivery', body), attestTx(attesters[1] as KeyPair, next(attesters[1] as KeyPair), contract, 'delivery', body)]);
    expect(firstTwo.map(status)).toEqual(['accepted', 'accepted']);
    // A waiting vote is paid back only once its body reaches the quorum.
    expect(harness.balance(addressOf(attesters[0] as KeyPair)) < before).toBe(true);
    const early = await call(seller, 'collect', ['1']);
    expect(early.code).toBe(TxCode.CONTRACT_FAILED);
    expect(early.log).toContain('is not delivered (it waits at: in transit)');
    // The third applies it, once.
    const [third] = await run([attestTx(attesters[2] as KeyPair, next(attesters[2] as KeyPair), contract, 'delivery', body)]);
    expect(status(third)).toBe('applied');
    // The third paid back the two before it: their attestations cost them nothing.
    expect(harness.balance(addressOf(attesters[0] as KeyPair))).toBe(before);
    expect(third?.events.filter((e) => e.type === 'hook_refund')).toHaveLength(3);
    expect(third?.events.find((e) => e.type === 'hook_event')?.attributes).toContainEqual({ key: 'status', value: 'applied' });
    const state = (await call(buyer, 'state', ['1'])).events.find((e) => e.type === 'contract_call')?.attributes.find((a) => a.key === 'result')?.value as string;
    expect(JSON.parse(state)).toMatchObject({ tokens: [{ name: 'delivered' }], vars: { seller: hex(seller), delivery: { id: 'parcel-1', courier: 'ACME' } } });
    // Late, duplicate and conflicting: recorded, never applied again.
    const conflicting = JSON.stringify({ id: 'parcel-1', instance: '1', data: { courier: 'EVIL' } });
    const after = await run([
      attestTx(attesters[3] as KeyPair, next(attesters[3] as KeyPair), contract, 'delivery', body),
      attestTx(attesters[0] as KeyPair, next(attesters[0] as KeyPair), contract, 'delivery', body),
      attestTx(attesters[1] as KeyPair, next(attesters[1] as KeyPair), contract, 'delivery', conflicting),
    ]);
    expect(after.map(status)).toEqual(['late', 'duplicate', 'conflicting']);
    expect(after.map((r) => r.events.some((e) => e.type === 'hook_refund'))).toEqual([true, false, false]);
    const record = JSON.parse(new TextDecoder().decode(harness.app.query({ path: '/hooks/event', data: utf8(JSON.stringify({ contract: formatAddress(contract), hook: 'delivery', id: 'parcel-1' })), height: 0, prove: false }).value)) as Record<string, unknown>;
    expect(record).toMatchObject({ status: 'applied', conflicts: [{ attester: hex(attesters[1] as KeyPair) }] });
    expect(Object.values(record.votes as Record<string, string[]>).map((v) => v.length)).toEqual([4]);
    const hooks = JSON.parse(new TextDecoder().decode(harness.app.query({ path: '/hooks/contract', data: utf8(JSON.stringify({ contract: formatAddress(contract) })), height: 0, prove: false }).value)) as { conflicts: Record<string, number>; account: string };
    expect(hooks.conflicts).toEqual({ [hex(attesters[1] as KeyPair)]: 1 });
    expect(hooks.account).toBe(formatAddress(hookAccount(contract)));
    // The seller is paid once.
    const sellerBefore = harness.balance(addressOf(seller));
    const collected = await call(seller, 'collect', ['1']);
    expect(collected.code, collected.log).toBe(0);
    expect((await call(seller, 'collect', ['1'])).code).toBe(TxCode.CONTRACT_FAILED);
    expect(harness.balance(addressOf(seller)) > sellerBefore).toBe(true);

    // Refused attestations: each fails with its code and changes nothing of the event.
    const other = JSON.stringify({ id: 'parcel-2', instance: '1' });
    const forged = new Uint8Array(64).fill(7);
    const refused = await run([
      attestTx(attesters[0] as KeyPair, next(attesters[0] as KeyPair), contract, 'delivery', other, forged),
      attestTx(stranger, 0, contract, 'delivery', other),
      attestTx(attesters[1] as KeyPair, next(attesters[1] as KeyPair), contract, 'nope', other),
      attestTx(attesters[2] as KeyPair, next(attesters[2] as KeyPair), contract, 'delivery', '{"instance":"1"}'),
      attestTx(attesters[3] as KeyPair, next(attesters[3] as KeyPair), contract, 'receipt', JSON.stringify({ id: 'r1' })),
    ]);
    expect(refused.map((r) => r.code)).toEqual([TxCode.HOOK_BAD_SIGNATURE, TxCode.INSUFFICIENT_FUNDS, TxCode.HOOK_UNKNOWN, TxCode.HOOK_BAD_BODY, TxCode.HOOK_BAD_SIGNATURE]);
    expect(harness.app.query({ path: '/hooks/event', data: utf8(JSON.stringify({ contract: formatAddress(contract), hook: 'delivery', id: 'parcel-2' })), height: 0, prove: false }).code).not.toBe(0);

    // The method hook: two HMAC attestations (the chain cannot check an HMAC) call `receipt` with ctx.hook.
    const receipt = JSON.stringify({ id: 'r1', order: '1', note: 'signed by J. Doe' });
    const none = new Uint8Array(0);
    const receipts = await run([attestTx(attesters[0] as KeyPair, next(attesters[0] as KeyPair), contract, 'receipt', receipt, none), attestTx(attesters[3] as KeyPair, next(attesters[3] as KeyPair), contract, 'receipt', receipt, none)]);
    expect(receipts.map(status)).toEqual(['accepted', 'applied']);
    const stored = (await call(buyer, 'receiptOf', ['r1'])).events.find((e) => e.type === 'contract_call')?.attributes.find((a) => a.key === 'result')?.value as string;
    expect(JSON.parse(stored)).toMatchObject({ order: '1', attesters: 2 });
    // Called directly, the method has no ctx.hook and refuses.
    const direct = await call(buyer, 'receipt', [{ id: 'r2' }]);
    expect(direct.log).toContain('only the receipt webhook');
    expect(harness.totalHeld()).toBe(harness.supply());
    return c.appHashes;
  }

  it('applies an event once k attesters agree, records the rest, pays attesters back, and keeps the supply', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    await story(h);
  });

  it('gives the same app hashes on the sequential and the parallel executor', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const sequential = await story(h);
    await h.close();
    h = await appHarness(6, 1_000n * ONE_CMT, undefined, { executor: (dir) => new ParallelExecutor(dir, { threads: 2, minParallelCalls: 1, warmUpOnFirstContract: false }) });
    expect(await story(h)).toEqual(sequential);
  }, 60_000);

  it('refuses a bundle whose hooks.json does not check, or whose method hook names no export', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const next = nonces();
    const bad = [
      '{"x": {"auth": "ed25519", "keys": [], "attesters": ["0x' + '1'.repeat(40) + '"], "quorum": 1, "method": "order"}}',
      JSON.stringify({ x: { auth: 'hmac', attesters: [hex(buyer)], quorum: 2, method: 'order' } }),
      JSON.stringify({ x: { auth: 'hmac', attesters: [hex(buyer)], quorum: 1, method: 'missing' } }),
      JSON.stringify({ x: { auth: 'hmac', attesters: [hex(buyer), hex(buyer)], quorum: 1, signal: 's' } }),
      JSON.stringify({ 'bad name': { auth: 'hmac', attesters: [hex(buyer)], quorum: 1, signal: 's' } }),
      'not json',
    ];
    const results = await h.runBlock(bad.map((hooks) => deployTx(buyer, next(buyer), CODE, { files: { 'delivery.jpdl.xml': PROCESS, 'hooks.json': hooks } })));
    for (const r of results.txResults) {
      expect(r.code).toBe(TxCode.CONTRACT_INVALID);
      expect(r.log).toContain('hooks.json');
    }
    // A signal hook needs a process to signal.
    const signalOnly = JSON.stringify({ x: { auth: 'hmac', attesters: [hex(buyer)], quorum: 1, signal: 'delivered' } });
    const [noProcess] = (await h.runBlock([deployTx(buyer, next(buyer), 'export function f() {}', { files: { 'hooks.json': signalOnly } })])).txResults;
    expect(noProcess?.code).toBe(TxCode.CONTRACT_INVALID);
    expect(noProcess?.log).toContain('has no process file');
  });

  /**
   * A model: generated attestations (attester, one of two bodies, one of two events) against the
   * rules: an event applies exactly when the k-th attester of one body arrives while it is
   * pending, at most once; an attester's repeat is a duplicate or a conflict, never counted.
   */
  it('follows the quorum model on generated attestation orders', async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const c = await deliveryChain(h);
    let order = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.record({ who: fc.integer({ min: 0, max: 3 }), body: fc.integer({ min: 0, max: 1 }), event: fc.integer({ min: 0, max: 1 }) }), { minLength: 1, maxLength: 12 }), async (steps) => {
        order++;
        const none = new Uint8Array(0);
        const model = new Map<string, { votes: Map<number, Set<number>>; who: Map<number, number>; applied: boolean }>();
        const txs = steps.map((s) => attestTx(attesters[s.who] as KeyPair, c.next(attesters[s.who] as KeyPair), c.contract, 'receipt', JSON.stringify({ id: `run${order}-e${s.event}`, variant: s.body }), none));
        const results = await c.run(txs);
        steps.forEach((s, i) => {
          const key = `e${s.event}`;
          const m = model.get(key) ?? { votes: new Map(), who: new Map(), applied: false };
          model.set(key, m);
          let want: string;
          const earlier = m.who.get(s.who);
          if (earlier !== undefined) want = earlier === s.body ? 'duplicate' : 'conflicting';
          else {
            m.who.set(s.who, s.body);
            const voters = m.votes.get(s.body) ?? new Set<number>();
            voters.add(s.who);
            m.votes.set(s.body, voters);
            if (m.applied) want = 'late';
            else if (voters.size >= 2) {
              m.applied = true;
              want = 'applied';
            } else want = 'accepted';
          }
          expect(status(results[i]), JSON.stringify(steps)).toBe(want);
        });
      }),
      { numRuns: 25 },
    );
    expect(h.totalHeld()).toBe(h.supply());
  }, 60_000);
});

/**
 * Review of issue 20 (webhooks): work an attestation makes a node do that its gas does not pay.
 * The conflict counts were one JSON row per contract (up to 512 attesters), read, parsed and
 * rewritten whole on every first conflict of an attester for an event, and never charged; now one
 * paid row per attester.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { utf8 } from '../../src/codec/bytes.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { GasMeter } from '../../src/app/gas.js';
import { executeAttestation, type AttestHookMsg } from '../../src/app/hooks/attest.js';
import { countConflict, readConflictCount } from '../../src/app/hooks/records.js';
import { Overlay } from '../../src/state/overlay.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

const EXAMPLE = new URL('../../examples/delivery/', import.meta.url);
const attesters = [0, 1, 2, 3].map(testKey);
const deployer = testKey(4);
const hex = (k: KeyPair): string => formatAddress(addressOf(k));

describe('review 20: gas of a conflicting attestation', () => {
  let h: AppHarness;
  let contract: Uint8Array;

  beforeAll(async () => {
    h = await appHarness(6, 1_000n * ONE_CMT);
    const hooks = JSON.stringify({ receipt: { auth: 'hmac', attesters: attesters.map(hex), quorum: 2, method: 'receipt' } });
    const res = await h.runBlock([deployTx(deployer, 0, readFileSync(new URL('contract.js', EXAMPLE), 'utf8'), { files: { 'delivery.jpdl.xml': readFileSync(new URL('delivery.jpdl.xml', EXAMPLE), 'utf8'), 'hooks.json': hooks } })]);
    expect(res.txResults[0]?.code, res.txResults[0]?.log).toBe(0);
    contract = contractAddress(addressOf(deployer), 0);
  }, 30_000);

  afterAll(async () => {
    await h?.close();
  });

  /** Attester 0's conflicting attestation of a fresh event, on a state where it already has `earlier` conflicts counted. */
  function conflict(earlier: number, event: string): { gas: number; count: number } {
    const state = new Overlay(h.store);
    for (let i = 0; i < earlier; i++) countConflict(state, contract, addressOf(attesters[0] as KeyPair));
    const ctx = { sender: addressOf(attesters[0] as KeyPair), chainId: 'cmt-test', height: 10, time: 0, hash: 'AB', gasPrice: 1n, baseFee: 1n };
    const msg = (v: number): AttestHookMsg => ({ type: 'attestHook', contract, hook: 'receipt', body: utf8(JSON.stringify({ id: event, v })), signature: new Uint8Array(0) });
    executeAttestation(state, msg(1), ctx, new GasMeter(5_000_000));
    const gas = new GasMeter(5_000_000);
    const out = executeAttestation(state, msg(2), ctx, gas);
    expect(out[0]?.attributes.find((a) => a.key === 'status')?.value).toBe('conflicting');
    return { gas: gas.consumed, count: readConflictCount(state, contract, addressOf(attesters[0] as KeyPair)) };
  }

  it('counts conflicts per attester in a row of its own, paid for, whatever the count before', () => {
    const fresh = conflict(0, 'e1');
    const many = conflict(500, 'e2');
    expect(fresh.count).toBe(1);
    expect(many.count).toBe(501);
    // One small row per attester: the work (and its gas) does not grow with the contract's other conflicts.
    expect(many.gas - fresh.gas).toBeLessThanOrEqual(50);
    // The count's row is paid as a contract write of its size at the least.
    expect(fresh.gas).toBeGreaterThan(5_000 + 50 * 3);
  });
});

/**
 * Review of issue 20 (webhooks): work an attestation makes a node do that its gas does not pay.
 * The per-contract conflict counts (`hk/c/` contract) are read, parsed, rewritten whole on every
 * first conflict of an attester for an event, and never charged.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { concatBytes, utf8 } from '../../src/codec/bytes.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { GasMeter } from '../../src/app/gas.js';
import { executeAttestation, type AttestHookMsg } from '../../src/app/hooks/attest.js';
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

  /** Gas of attester 0's conflicting attestation, on a state whose conflict counts row holds `entries` attesters. */
  function conflictGas(entries: number): number {
    const state = new Overlay(h.store);
    if (entries > 0) {
      const counts = Object.fromEntries(Array.from({ length: entries }, (_, i) => [`0x${i.toString(16).padStart(40, '0')}`, 1]));
      state.set(concatBytes(utf8('hk/c/'), contract), utf8(JSON.stringify(counts)));
    }
    const ctx = { sender: addressOf(attesters[0] as KeyPair), height: 10, time: 0, hash: 'AB' };
    const msg = (v: number): AttestHookMsg => ({ type: 'attestHook', contract, hook: 'receipt', body: utf8(JSON.stringify({ id: 'e', v })), signature: new Uint8Array(0) });
    executeAttestation(state, msg(1), ctx, new GasMeter(5_000_000));
    const gas = new GasMeter(5_000_000);
    const out = executeAttestation(state, msg(2), ctx, gas);
    expect(out.events[0]?.attributes.find((a) => a.key === 'status')?.value).toBe('conflicting');
    return gas.consumed;
  }

  it('charges the rewrite of the conflict counts row by its size', () => {
    const small = conflictGas(0);
    // 16 hooks x 32 attesters: up to 512 attesters in the row, about 25 KB of JSON read, parsed and rewritten.
    const large = conflictGas(500);
    const rowBytes = utf8(JSON.stringify(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`0x${i.toString(16).padStart(40, '0')}`, 1])))).length;
    expect(large - small, `a ${rowBytes}-byte row rewritten for ${large - small} more gas (a contract write costs 50 a byte)`).toBeGreaterThanOrEqual(rowBytes);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_CMT, MAX_AMOUNT } from '../../src/codec/amount.js';
import { decodeTx, encodeTx } from '../../src/codec/tx.js';
import { TxCode } from '../../src/app/errors.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { appHarness, NO_INFLATION, type AppHarness } from '../support/app-harness.js';
import { readPool } from '../../src/app/staking/records.js';
import { addressOf, MIN_GAS_PRICE, testKey, transfer } from '../support/nodes.js';

const alice = testKey(0);
const bob = testKey(1);
const carol = testKey(2);

describe('CMT transfers in blocks', () => {
  let h: AppHarness;
  beforeEach(async () => {
    h = await appHarness(4, 1_000n * ONE_CMT, NO_INFLATION);
  });
  afterEach(() => h.close());

  it('moves the amount, advances the nonce, pays gas used x price into the block reward', async () => {
    const before = h.balance(addressOf(alice));
    const res = await h.runBlock([transfer(alice, { nonce: 0, to: addressOf(bob), amount: 5n * ONE_CMT })]);
    const r = res.txResults[0];
    expect(r?.code).toBe(TxCode.OK);
    const fee = BigInt(r?.gasUsed ?? 0) * MIN_GAS_PRICE;
    expect(r?.gasUsed).toBeGreaterThan(20_000);
    expect(r?.gasUsed).toBeLessThan(r?.gasWanted ?? 0);
    expect(h.balance(addressOf(bob))).toBe(1_000n * ONE_CMT + 5n * ONE_CMT);
    expect(h.balance(addressOf(alice))).toBe(before - 5n * ONE_CMT - fee);
    // No validator is a candidate here: the whole reward goes to the community pool.
    expect(readPool(h.store, 'community')).toBe(fee);
    expect(h.nonce(addressOf(alice))).toBe(1);
    expect(r?.events.map((e) => e.type)).toEqual(['tx', 'transfer']);
    expect(h.totalHeld()).toBe(h.supply());
  });

  it('charges the fee but reverts the message when the amount exceeds what the fee reserve leaves', async () => {
    const all = h.balance(addressOf(alice));
    const res = await h.runBlock([transfer(alice, { nonce: 0, to: addressOf(bob), amount: all })]);
    const r = res.txResults[0];
    expect(r?.code).toBe(TxCode.INSUFFICIENT_FUNDS);
    expect(h.nonce(addressOf(alice))).toBe(1);
    expect(h.balance(addressOf(alice))).toBe(all - BigInt(r?.gasUsed ?? 0) * MIN_GAS_PRICE);
    expect(h.balance(addressOf(bob))).toBe(1_000n * ONE_CMT);
  });

  it('fails with OUT_OF_GAS when the limit covers the intrinsic gas but not the transfer, and charges the limit', async () => {
    const tx = transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasLimit: 13_000 });
    const res = await h.runBlock([tx]);
    expect(res.txResults[0]).toMatchObject({ code: TxCode.OUT_OF_GAS, gasUsed: 13_000 });
    expect(h.balance(addressOf(bob))).toBe(1_000n * ONE_CMT);
  });

  describe('rejects bad transactions in a block without changing state', () => {
    const cases: [string, () => Uint8Array, number][] = [
      ['malformed bytes', () => Uint8Array.of(0xc3, 0x01, 0x02), TxCode.TX_DECODE],
      ['trailing bytes', () => Uint8Array.from([...transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }), 0]), TxCode.TX_DECODE],
      ['a wrong chain id', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, chainId: 'other-chain' }), TxCode.WRONG_CHAIN_ID],
      [
        'a bad signature',
        () => {
          const tx = decodeTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }));
          const signature = Uint8Array.from(tx.signature);
          signature[10] = (signature[10] ?? 0) ^ 1;
          return encodeTx({ ...tx, signature });
        },
        TxCode.INVALID_SIGNATURE,
      ],
      [
        "another key's signature",
        () => {
          const tx = decodeTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }));
          return encodeTx({ ...tx, publicKey: bob.publicKey });
        },
        TxCode.INVALID_SIGNATURE,
      ],
      ['a nonce too low', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }), TxCode.NONCE_TOO_LOW],
      ['a nonce too high', () => transfer(alice, { nonce: 7, to: addressOf(bob), amount: 1n }), TxCode.NONCE_TOO_HIGH],
      ['a gas price below the minimum', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasPrice: 1n }), TxCode.GAS_PRICE_TOO_LOW],
      ['a gas limit below the intrinsic gas', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasLimit: 100 }), TxCode.GAS_LIMIT_TOO_LOW],
      ['a gas limit above the block limit', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasLimit: 600_000_000 }), TxCode.GAS_LIMIT_TOO_HIGH],
      ['an amount that overflows with the fee', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: MAX_AMOUNT }), TxCode.AMOUNT_OVERFLOW],
      ['a fee that overflows', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasPrice: MAX_AMOUNT }), TxCode.AMOUNT_OVERFLOW],
      ['a maximum fee above the balance', () => transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, gasPrice: 10n ** 20n }), TxCode.INSUFFICIENT_FUNDS],
      ['an unfunded sender', () => transfer(testKey(9), { nonce: 0, to: addressOf(bob), amount: 1n }), TxCode.INSUFFICIENT_FUNDS],
      ['empty bytes', () => new Uint8Array(0), TxCode.TX_DECODE],
    ];
    it.each(cases)('%s', async (name, make, code) => {
      if (name === 'a nonce too low') await h.runBlock([transfer(alice, { nonce: 0, to: addressOf(carol), amount: 1n })]);
      const rootBefore = h.store.rootHash;
      const res = await h.runBlock([make()]);
      expect(res.txResults[0]).toMatchObject({ code, gasUsed: 0 });
      expect(res.appHash).toEqual(rootBefore);
    });
  });

  it('rejects a transaction larger than max_tx_bytes with TX_TOO_LARGE', async () => {
    const res = await h.runBlock([new Uint8Array(1024 * 1024 + 1)]);
    expect(res.txResults[0]?.code).toBe(TxCode.TX_TOO_LARGE);
  });

  it('keeps total supply equal to all balances and pools after every block of random transfers', async () => {
    // A seeded generator: the same sequence on every run.
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const keys = [0, 1, 2, 3].map(testKey);
    const nonces = [0, 0, 0, 0];
    const supply = h.supply();
    for (let block = 0; block < 25; block++) {
      const txs: Uint8Array[] = [];
      for (let i = 0; i < 8; i++) {
        const from = random(4);
        const to = keys[random(4)] as typeof alice;
        // Some amounts exceed the balance, some nonces are wrong: failures must not leak CMT either.
        const amount = random(5) === 0 ? 2_000n * ONE_CMT : BigInt(random(1_000_000)) * 10n ** 12n;
        const nonce = random(10) === 0 ? (nonces[from] as number) + 3 : (nonces[from] as number);
        txs.push(transfer(keys[from] as typeof alice, { nonce, to: addressOf(to), amount }));
        if (nonce === nonces[from]) nonces[from] = (nonces[from] as number) + 1;
      }
      const res = await h.runBlock(txs);
      // A nonce we expected to be used may have failed before execution; follow the chain.
      keys.forEach((k, i) => (nonces[i] = h.nonce(addressOf(k))));
      expect(res.txResults).toHaveLength(txs.length);
      expect(h.totalHeld()).toBe(supply);
      expect(h.supply()).toBe(supply);
    }
  });

  it('is deterministic: two apps fed the same blocks produce identical app hashes and results', async () => {
    const other = await appHarness(4, 1_000n * ONE_CMT, NO_INFLATION);
    try {
      const blocks = [
        [transfer(alice, { nonce: 0, to: addressOf(bob), amount: 3n }), transfer(bob, { nonce: 0, to: addressOf(carol), amount: 7n })],
        [transfer(alice, { nonce: 1, to: addressOf(carol), amount: 10n ** 30n }), Uint8Array.of(1, 2, 3)],
      ];
      for (const txs of blocks) {
        const a = await h.runBlock(txs);
        const b = await other.runBlock(txs);
        expect(a.appHash).toEqual(b.appHash);
        expect(a.txResults).toEqual(b.txResults);
      }
    } finally {
      await other.close();
    }
  });
});

describe('CheckTx', () => {
  let h: AppHarness;
  beforeEach(async () => {
    h = await appHarness(4, 1_000n * ONE_CMT, NO_INFLATION);
  });
  afterEach(() => h.close());

  it('admits consecutive nonces before any commit and exposes the pending nonce', () => {
    for (let n = 0; n < 3; n++) expect(h.app.checkTx(transfer(alice, { nonce: n, to: addressOf(bob), amount: 1n }), 'new').code).toBe(TxCode.OK);
    expect(h.app.pendingNonce(addressOf(alice))).toBe(3);
    expect(h.app.checkTx(transfer(alice, { nonce: 5, to: addressOf(bob), amount: 1n }), 'new')).toMatchObject({ code: TxCode.NONCE_TOO_HIGH, log: expect.stringContaining('next nonce is 3') });
    expect(h.app.checkTx(transfer(alice, { nonce: 1, to: addressOf(bob), amount: 1n }), 'new').code).toBe(TxCode.NONCE_TOO_LOW);
  });

  it('refuses a pending transfer the sender could no longer pay after earlier pending ones', () => {
    const all = h.balance(addressOf(alice));
    expect(h.app.checkTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: all - ONE_CMT }), 'new').code).toBe(TxCode.OK);
    expect(h.app.checkTx(transfer(alice, { nonce: 1, to: addressOf(bob), amount: 2n * ONE_CMT }), 'new').code).toBe(TxCode.INSUFFICIENT_FUNDS);
    expect(h.app.pendingNonce(addressOf(alice))).toBe(1);
  });

  it('checks the nonce and the funds before the signature, which only a transaction that can run costs', () => {
    const forged = (nonce: number, gasPrice?: bigint): Uint8Array => {
      const tx = decodeTx(transfer(alice, { nonce, to: addressOf(bob), amount: 1n, ...(gasPrice ? { gasPrice } : {}) }));
      const signature = Uint8Array.from(tx.signature);
      signature[3] = (signature[3] ?? 0) ^ 1;
      return encodeTx({ ...tx, signature });
    };
    expect(h.app.checkTx(forged(4), 'new').code).toBe(TxCode.NONCE_TOO_HIGH);
    expect(h.app.checkTx(forged(0, 10n ** 20n), 'new').code).toBe(TxCode.INSUFFICIENT_FUNDS);
    expect(h.app.checkTx(forged(0), 'new').code).toBe(TxCode.INVALID_SIGNATURE);
    // Refused, it reserved nothing: the honest nonce 0 still goes in.
    expect(h.app.pendingNonce(addressOf(alice))).toBe(0);
    expect(h.app.checkTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }), 'new').code).toBe(TxCode.OK);
  });

  it('starts again from committed state after a commit', async () => {
    expect(h.app.checkTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n }), 'new').code).toBe(TxCode.OK);
    await h.runBlock([]);
    expect(h.app.pendingNonce(addressOf(alice))).toBe(0);
  });

  it('verifies signatures once: a batch pre-check lets CheckTx skip them', async () => {
    const tx = signTx(decodeTx(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n })).body, alice);
    await h.app.verifySignatures([tx.bytes]);
    expect(h.app.signatures.isVerified(tx.hash)).toBe(true);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import type { Msg } from '../../../src/codec/tx.js';
import { TxCode } from '../../../src/app/errors.js';
import { readCandidate, readDelegation, readPool, readUnbondings } from '../../../src/app/staking/records.js';
import { DEFAULT_STAKING_PARAMS } from '../../../src/app/staking/params.js';
import { signTx } from '../../../src/crypto/sign-tx.js';
import { keyPairFromSeed, type KeyPair } from '../../../src/crypto/ed25519.js';
import { sha256 } from '../../../src/codec/hash.js';
import { utf8 } from '../../../src/codec/bytes.js';
import { appHarness, type AppHarness } from '../../support/app-harness.js';
import { addressOf, MIN_GAS_PRICE, TEST_CHAIN_ID, testKey } from '../../support/nodes.js';

const owner = testKey(0);
const delegator = testKey(1);
const consensusKey = keyPairFromSeed(sha256(utf8('validator key'))).publicKey;

function stakingTx(key: KeyPair, nonce: number, msg: Msg): Uint8Array {
  return signTx({ chainId: TEST_CHAIN_ID, nonce, gasLimit: 100_000, gasPrice: MIN_GAS_PRICE, memo: '', msg }, key).bytes;
}

describe('staking messages in blocks', () => {
  let h: AppHarness;
  beforeEach(async () => {
    h = await appHarness(4, 100_000n * ONE_CMT);
  });
  afterEach(() => h.close());

  it('declare, delegate and unbond through transactions, with fees charged and state kept in the pools', async () => {
    const declare: Msg = { type: 'declareCandidacy', consensusKey, selfStake: 10_000n * ONE_CMT, maxStake: 50_000n * ONE_CMT, commissionBps: 500, name: 'alpha', website: 'https://alpha.example', description: '' };
    const r1 = await h.runBlock([stakingTx(owner, 0, declare)]);
    expect(r1.txResults[0]).toMatchObject({ code: TxCode.OK });
    expect(r1.txResults[0]?.events.map((e) => e.type)).toEqual(['tx', 'declareCandidacy']);
    const fee1 = BigInt(r1.txResults[0]?.gasUsed ?? 0) * MIN_GAS_PRICE;
    expect(h.balance(addressOf(owner))).toBe(90_000n * ONE_CMT - fee1);

    const r2 = await h.runBlock([
      stakingTx(delegator, 0, { type: 'delegate', candidate: addressOf(owner), amount: 5_000n * ONE_CMT }),
      stakingTx(delegator, 1, { type: 'delegate', candidate: addressOf(owner), amount: 1n }),
      stakingTx(testKey(2), 0, { type: 'delegate', candidate: addressOf(testKey(3)), amount: 5_000n * ONE_CMT }),
    ]);
    expect(r2.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.BELOW_MIN_DELEGATION, TxCode.UNKNOWN_CANDIDATE]);
    expect(readCandidate(h.store, addressOf(owner))?.totalStake).toBe(15_000n * ONE_CMT);

    const r3 = await h.runBlock([stakingTx(delegator, 2, { type: 'unbond', candidate: addressOf(owner), amount: 2_000n * ONE_CMT })]);
    expect(r3.txResults[0]?.code).toBe(TxCode.OK);
    expect(readDelegation(h.store, addressOf(delegator), addressOf(owner))?.shares).toBe(3_000n * ONE_CMT);
    expect(readUnbondings(h.store, addressOf(delegator), addressOf(owner))).toEqual([{ amount: 2_000n * ONE_CMT, createdAt: 3, completesAt: 3 + DEFAULT_STAKING_PARAMS.unbondingBlocks }]);
    expect(readPool(h.store, 'bonded')).toBe(13_000n * ONE_CMT);
    expect(readPool(h.store, 'unbondingPool')).toBe(2_000n * ONE_CMT);
  });

  it('refuses a declaration that would spend the fee reserve, and a second declaration', async () => {
    const all: Msg = { type: 'declareCandidacy', consensusKey, selfStake: 100_000n * ONE_CMT, maxStake: 100_000n * ONE_CMT, commissionBps: 0, name: 'x', website: '', description: '' };
    expect((await h.runBlock([stakingTx(owner, 0, all)])).txResults[0]?.code).toBe(TxCode.INSUFFICIENT_FUNDS);
    const fine: Msg = { ...all, selfStake: 1_000n * ONE_CMT, maxStake: 1_000n * ONE_CMT };
    expect((await h.runBlock([stakingTx(owner, 1, fine)])).txResults[0]?.code).toBe(TxCode.OK);
    expect((await h.runBlock([stakingTx(owner, 2, fine)])).txResults[0]?.code).toBe(TxCode.CANDIDATE_EXISTS);
    // CheckTx runs only the ante checks (spec/transactions.md): it accepts the message, which
    // then fails in its block, paying for its gas.
    expect(h.app.checkTx(stakingTx(owner, 3, fine), 'new').code).toBe(TxCode.OK);
  });
});

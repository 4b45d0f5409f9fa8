import { afterEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { bytesKey } from '../../../src/codec/bytes.js';
import type { AppEvent } from '../../../src/codec/results.js';
import type { Msg } from '../../../src/codec/tx.js';
import { PRECOMMIT, type Evidence } from '../../../src/codec/vote.js';
import { readSupply } from '../../../src/app/bank/accounts.js';
import { CmtApp } from '../../../src/app/cmt-app.js';
import { TxCode } from '../../../src/app/errors.js';
import { InlineVerifier } from '../../../src/app/executor/signature-verifier.js';
import { appGenesisToJson } from '../../../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../../../src/app/params.js';
import { mintedAt } from '../../../src/app/staking/block-reward.js';
import { earnedRewards } from '../../../src/app/staking/delegations.js';
import { readAllCandidates, readCandidate, readDelegation, readPool, readUnbondings, readValidators } from '../../../src/app/staking/records.js';
import { valueOfShares } from '../../../src/app/staking/stake-shares.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../../src/codec/params.js';
import { addressFromPublicKey } from '../../../src/crypto/address.js';
import { StateStore } from '../../../src/state/store.js';
import { prng } from '../../support/state-fixtures.js';
import { tempDir } from '../../support/temp-dir.js';
import { addressOf, TEST_CHAIN_ID, testKey } from '../../support/nodes.js';
import { CHAIN_PARAMS, consensusKey, genesisCandidate, owner, StakingChain } from './staking-chain.js';

const ACCOUNTS = 6;
const GENESIS = { params: CHAIN_PARAMS, candidates: [genesisCandidate(0, 4000n), genesisCandidate(1, 3000n), genesisCandidate(2, 2000n), genesisCandidate(3, 1000n)] };

const consensusAddress = (i: number) => addressFromPublicKey(consensusKey(i).publicKey);

function doubleSign(i: number, height: number): Evidence {
  const vote = { type: PRECOMMIT, height, round: 0, blockHash: new Uint8Array(32), validatorAddress: consensusAddress(i), validatorIndex: 0, signature: new Uint8Array(64) } as const;
  return { type: 'duplicateVote', voteA: vote, voteB: { ...vote, blockHash: new Uint8Array(32).fill(1) }, totalVotingPower: 1, validatorPower: 1, time: 0 };
}

const attribute = (e: AppEvent, key: string): string | undefined => e.attributes.find((a) => a.key === key)?.value;

/** CMT a block burned: slashes, and deposits of proposals that missed quorum. */
const burnedIn = (events: AppEvent[]): bigint =>
  events.reduce((s, e) => {
    if (e.type === 'slash') return s + BigInt(attribute(e, 'burned') ?? '0');
    if (attribute(e, 'depositTo') === 'burned') return s + BigInt(attribute(e, 'deposit') ?? '0');
    return s;
  }, 0n);

/** Every CMT is somewhere: accounts, stake, unbonding, unpaid rewards, the community pool. */
function checkInvariants(chain: StakingChain, expectedSupply: bigint): void {
  const s = chain.h.store;
  expect(chain.h.totalHeld()).toBe(readSupply(s));
  expect(readSupply(s)).toBe(expectedSupply);
  const candidates = readAllCandidates(s);
  expect(readPool(s, 'bonded')).toBe(candidates.reduce((sum, c) => sum + c.totalStake, 0n));
  let unbonding = 0n;
  let owed = 0n;
  for (const c of candidates) {
    owed += c.commission;
    let claimed = 0n;
    for (let i = 0; i < ACCOUNTS; i++) {
      unbonding += readUnbondings(s, owner(i), c.owner).reduce((sum, e) => sum + e.amount, 0n);
      const d = readDelegation(s, owner(i), c.owner);
      if (!d) continue;
      owed += earnedRewards(c, d.shares, d.rewardPerShareAtLastChange);
      claimed += valueOfShares(c, d.shares);
    }
    // Delegations never claim more than the candidate holds.
    expect(claimed <= c.totalStake).toBe(true);
  }
  expect(readPool(s, 'unbondingPool')).toBe(unbonding);
  expect(readPool(s, 'rewards') >= owed).toBe(true);
}

describe('staking in blocks', () => {
  const chains: StakingChain[] = [];
  afterEach(async () => {
    await Promise.all(chains.splice(0).map((c) => c.close()));
  });
  const start = async () => {
    const chain = await StakingChain.start(GENESIS, ACCOUNTS);
    chains.push(chain);
    return chain;
  };

  it('keeps the supply invariant and byte-identical state on two nodes over random staking blocks', async () => {
    const [a, b] = [await start(), await start()];
    const genesisSupply = readSupply(a.h.store);
    let expected = genesisSupply;
    const rand = prng(4242);
    const pick = (n: number) => Math.floor(rand() * n);
    const cmt = () => BigInt(10 + pick(900)) * ONE_CMT + BigInt(pick(1_000_000));
    const randomMsg = (): [number, Msg] => {
      const who = pick(ACCOUNTS);
      const target = owner(pick(ACCOUNTS));
      switch (pick(12)) {
        case 0:
          return [who, { type: 'declareCandidacy', consensusKey: consensusKey(who).publicKey, selfStake: 500n * ONE_CMT + cmt(), maxStake: 50_000n * ONE_CMT, commissionBps: pick(2000), name: `c${who}`, website: '', description: '' }];
        case 1:
        case 2:
          return [who, { type: 'delegate', candidate: target, amount: cmt() }];
        case 3:
          return [who, { type: 'unbond', candidate: target, amount: cmt() / 2n }];
        case 4:
          return [who, { type: 'redelegate', from: target, to: owner(pick(ACCOUNTS)), amount: cmt() / 2n }];
        case 5:
          return [who, { type: 'withdrawRewards', candidate: target }];
        case 6:
          return [who, { type: 'setCommission', commissionBps: pick(3000) }];
        case 7:
          return [who, { type: 'unjail' }];
        case 8:
          return [who, pick(6) === 0 ? { type: 'withdrawCandidacy' } : { type: 'updateCandidacy', maxStake: BigInt(20_000 + pick(30_000)) * ONE_CMT, name: 'u', website: '', description: '' }];
        case 9:
          return [who, { type: 'submitProposal', title: 'epochs', description: '', change: { type: 'params', changes: [{ name: 'staking.epochBlocks', value: String(3 + pick(5)) }] }, deposit: 1000n * ONE_CMT, effectiveHeight: 0 }];
        case 10:
          return [who, { type: 'vote', proposalId: 1 + pick(3), option: pick(3) }];
        default:
          return [who, { type: 'transfer', to: target, amount: cmt() }];
      }
    };
    const outcomes = new Set<number>();
    for (let height = 1; height <= 90; height++) {
      const msgs = Array.from({ length: pick(5) }, randomMsg);
      const absent = new Set(Array.from({ length: pick(3) }, () => pick(6)));
      const misbehavior = height % 37 === 0 ? [doubleSign(pick(4), height - 1)] : [];
      const [ra, rb] = [
        await a.block(msgs.map(([who, msg]) => a.tx(testKey(who), msg)), { absent, misbehavior }),
        await b.block(msgs.map(([who, msg]) => b.tx(testKey(who), msg)), { absent, misbehavior }),
      ];
      expect(ra.appHash).toEqual(rb.appHash);
      expect(ra.txResults).toEqual(rb.txResults);
      expect(ra.validatorUpdates).toEqual(rb.validatorUpdates);
      for (const r of ra.txResults) outcomes.add(r.code);
      expected += mintedAt(height, genesisSupply, CHAIN_PARAMS) - burnedIn(ra.events);
      checkInvariants(a, expected);
    }
    // The sequence exercised successes and a range of refusals, not one path.
    expect(outcomes.has(TxCode.OK)).toBe(true);
    expect(outcomes.size).toBeGreaterThan(4);
  });

  it('pays block rewards to the proposer, the voters by power and the backup, with commission', async () => {
    const chain = await start();
    await chain.block();
    await chain.block();
    // Block 2 carries the votes of block 1 (validators 0, 1, 2); candidate 3 is the backup.
    for (const i of [0, 1, 2, 3]) expect(readCandidate(chain.h.store, owner(i))?.commission).toBeGreaterThan(0n);
    const c0 = readCandidate(chain.h.store, owner(0));
    const c2 = readCandidate(chain.h.store, owner(2));
    // Voters' rewards are in proportion to power (4000 : 2000) on top of the proposer's extra.
    expect((c0?.rewardPerShare ?? 0n) > 0n && (c2?.rewardPerShare ?? 0n) > 0n).toBe(true);
    const withdrawn = await chain.block([chain.tx(testKey(0), { type: 'withdrawRewards', candidate: owner(0) })]);
    const paid = BigInt(withdrawn.txResults[0]?.events.find((e) => e.type === 'withdrawRewards')?.attributes.find((a) => a.key === 'amount')?.value ?? '0');
    expect(paid).toBeGreaterThan(0n);
  });

  it('elects a new candidate with more stake at the next epoch and drops the smallest validator', async () => {
    const chain = await start();
    const declared = await chain.block([
      chain.tx(testKey(4), { type: 'declareCandidacy', consensusKey: consensusKey(4).publicKey, selfStake: 5000n * ONE_CMT, maxStake: 50_000n * ONE_CMT, commissionBps: 500, name: 'new', website: '', description: '' }),
    ]);
    expect(declared.txResults[0]?.code).toBe(TxCode.OK);
    const results = await chain.blocks(4);
    const epoch = results[3];
    expect(chain.height).toBe(CHAIN_PARAMS.epochBlocks);
    expect(epoch?.validatorUpdates).toEqual(
      expect.arrayContaining([
        { publicKey: consensusKey(4).publicKey, power: 5000 },
        { publicKey: consensusKey(2).publicKey, power: 0 },
      ]),
    );
    // Updates from height H take effect at H + 2.
    expect(chain.setAt(7).map((m) => bytesKey(m.address))).toContain(bytesKey(consensusAddress(4)));
    expect(chain.setAt(6).map((m) => bytesKey(m.address))).not.toContain(bytesKey(consensusAddress(4)));
    expect(readValidators(chain.h.store).map((v) => v.power)).toEqual([5000, 4000, 3000]);
  });

  it('jails and slashes a validator that misses too many blocks, and lets it return after unjail', async () => {
    const chain = await start();
    const stakeBefore = readCandidate(chain.h.store, owner(2))?.totalStake ?? 0n;
    let jailedAt = 0;
    for (let i = 0; i < 30 && jailedAt === 0; i++) {
      const res = await chain.block([], { absent: new Set([2]) });
      if (res.events.some((e) => e.type === 'slash')) {
        jailedAt = chain.height;
        expect(res.validatorUpdates).toContainEqual({ publicKey: consensusKey(2).publicKey, power: 0 });
      }
    }
    // Not before a full window, and only once more than half of it is missed.
    expect(jailedAt).toBeGreaterThanOrEqual(CHAIN_PARAMS.signedBlocksWindow);
    const jailed = readCandidate(chain.h.store, owner(2));
    expect(jailed?.jailedUntil).toBe(jailedAt + CHAIN_PARAMS.downtimeJailBlocks);
    expect(jailed?.totalStake).toBe(stakeBefore - (stakeBefore * BigInt(CHAIN_PARAMS.downtimeSlashBps)) / 10_000n);
    const early = await chain.block([chain.tx(testKey(2), { type: 'unjail' })]);
    expect(early.txResults[0]?.code).toBe(TxCode.STILL_JAILED);
    while (chain.height < jailedAt + CHAIN_PARAMS.downtimeJailBlocks - 1) await chain.block();
    const ok = await chain.block([chain.tx(testKey(2), { type: 'unjail' })]);
    expect(ok.txResults[0]?.code).toBe(TxCode.OK);
    let back = false;
    for (let i = 0; i < CHAIN_PARAMS.epochBlocks && !back; i++) {
      const res = await chain.block();
      back = res.validatorUpdates.some((u) => bytesKey(u.publicKey) === bytesKey(consensusKey(2).publicKey) && u.power > 0);
    }
    expect(back).toBe(true);
  });

  it('slashes a double signer with its delegators and later unbondings, then tombstones it', async () => {
    const chain = await start();
    await chain.block([chain.tx(testKey(5), { type: 'delegate', candidate: owner(1), amount: 1000n * ONE_CMT })]);
    const offence = chain.height;
    await chain.block([chain.tx(testKey(5), { type: 'unbond', candidate: owner(1), amount: 400n * ONE_CMT })]);
    const before = readCandidate(chain.h.store, owner(1));
    const delegationBefore = valueOfShares(before as NonNullable<typeof before>, readDelegation(chain.h.store, owner(5), owner(1))?.shares ?? 0n);
    const res = await chain.block([], { misbehavior: [doubleSign(1, offence)] });
    const after = readCandidate(chain.h.store, owner(1));
    const cut = (x: bigint) => x - (x * BigInt(CHAIN_PARAMS.doubleSignSlashBps)) / 10_000n;
    expect(after?.totalStake).toBe(cut(before?.totalStake ?? 0n));
    expect(after).toMatchObject({ tombstoned: true, jailedUntil: Number.MAX_SAFE_INTEGER });
    // The delegator loses the same fraction, through the share price.
    const delegationAfter = valueOfShares(after as NonNullable<typeof after>, readDelegation(chain.h.store, owner(5), owner(1))?.shares ?? 0n);
    expect(delegationAfter).toBeLessThanOrEqual(cut(delegationBefore));
    expect(delegationAfter).toBeGreaterThanOrEqual(cut(delegationBefore) - 1n);
    // The unbonding created after the offence is cut too.
    expect(readUnbondings(chain.h.store, owner(5), owner(1))[0]?.amount).toBe(cut(400n * ONE_CMT));
    expect(res.validatorUpdates).toContainEqual({ publicKey: consensusKey(1).publicKey, power: 0 });
    expect(burnedIn(res.events)).toBeGreaterThan(0n);
    // The same evidence again does nothing; a tombstoned candidate can never unjail.
    const again = await chain.block([chain.tx(testKey(1), { type: 'unjail' })], { misbehavior: [doubleSign(1, offence)] });
    expect(burnedIn(again.events)).toBe(0n);
    expect(again.txResults[0]?.code).toBe(TxCode.TOMBSTONED);
  });

  it('follows stake redelegated after the offence to its new candidate when slashing the old one', async () => {
    const chain = await start();
    await chain.block([chain.tx(testKey(5), { type: 'delegate', candidate: owner(1), amount: 1000n * ONE_CMT })]);
    const offence = chain.height;
    const moved = await chain.block([chain.tx(testKey(5), { type: 'redelegate', from: owner(1), to: owner(2), amount: 600n * ONE_CMT })]);
    expect(moved.txResults[0]?.code).toBe(TxCode.OK);
    const target = () => readCandidate(chain.h.store, owner(2)) as NonNullable<ReturnType<typeof readCandidate>>;
    const atTarget = () => valueOfShares(target(), readDelegation(chain.h.store, owner(5), owner(2))?.shares ?? 0n);
    expect(atTarget()).toBe(600n * ONE_CMT);
    const targetBefore = target().totalStake;
    await chain.block([], { misbehavior: [doubleSign(1, offence)] });
    const cut = (600n * ONE_CMT * BigInt(CHAIN_PARAMS.doubleSignSlashBps)) / 10_000n;
    // The moved stake answers for the offence at its source; the target's other stake does not.
    expect(atTarget()).toBe(600n * ONE_CMT - cut);
    expect(target().totalStake).toBe(targetBefore - cut);
    // Only the offender is jailed.
    expect(target()).toMatchObject({ tombstoned: false, jailedUntil: 0 });
  });

  it('withdraws a candidacy: every delegation unbonds and the candidate leaves the set at the next epoch', async () => {
    const chain = await start();
    await chain.block([chain.tx(testKey(5), { type: 'delegate', candidate: owner(0), amount: 1000n * ONE_CMT })]);
    const res = await chain.block([chain.tx(testKey(0), { type: 'withdrawCandidacy' })]);
    expect(res.txResults[0]?.code).toBe(TxCode.OK);
    expect(readCandidate(chain.h.store, owner(0))?.totalStake).toBe(0n);
    expect(readUnbondings(chain.h.store, owner(5), owner(0)).map((e) => e.amount)).toEqual([1000n * ONE_CMT]);
    const rejected = await chain.block([chain.tx(testKey(4), { type: 'delegate', candidate: owner(0), amount: 100n * ONE_CMT })]);
    expect(rejected.txResults[0]?.code).toBe(TxCode.CANDIDATE_INACTIVE);
    const epoch = (await chain.blocks(2)).at(-1);
    expect(chain.height).toBe(5);
    expect(epoch?.validatorUpdates).toContainEqual({ publicKey: consensusKey(0).publicKey, power: 0 });
    // The backup moves up into the set.
    expect(epoch?.validatorUpdates).toContainEqual({ publicKey: consensusKey(3).publicKey, power: 1000 });
  });

  it('refuses bad staking transactions with clear codes and changes nothing but the fee', async () => {
    const chain = await start();
    const cases: [number, Msg, number][] = [
      [4, { type: 'delegate', candidate: owner(0), amount: 10n ** 30n }, TxCode.ABOVE_MAX_STAKE],
      [4, { type: 'declareCandidacy', consensusKey: consensusKey(9).publicKey, selfStake: 200_000n * ONE_CMT, maxStake: 1_000_000n * ONE_CMT, commissionBps: 0, name: '', website: '', description: '' }, TxCode.INSUFFICIENT_FUNDS],
      [4, { type: 'delegate', candidate: owner(5), amount: 100n * ONE_CMT }, TxCode.UNKNOWN_CANDIDATE],
      [0, { type: 'setCommission', commissionBps: 10_001 }, TxCode.INVALID_COMMISSION],
      [0, { type: 'setCommission', commissionBps: 1500 }, TxCode.COMMISSION_CHANGE_TOO_LARGE],
      [4, { type: 'unbond', candidate: owner(0), amount: ONE_CMT }, TxCode.INSUFFICIENT_DELEGATION],
      [0, { type: 'declareCandidacy', consensusKey: consensusKey(9).publicKey, selfStake: 100n * ONE_CMT, maxStake: 1000n * ONE_CMT, commissionBps: 0, name: '', website: '', description: '' }, TxCode.CANDIDATE_EXISTS],
      [4, { type: 'declareCandidacy', consensusKey: consensusKey(1).publicKey, selfStake: 100n * ONE_CMT, maxStake: 1000n * ONE_CMT, commissionBps: 0, name: '', website: '', description: '' }, TxCode.CONSENSUS_KEY_IN_USE],
      [4, { type: 'unjail' }, TxCode.NOT_A_CANDIDATE],
      [0, { type: 'unjail' }, TxCode.NOT_JAILED],
      [4, { type: 'redelegate', from: owner(0), to: owner(0), amount: ONE_CMT }, TxCode.INSUFFICIENT_DELEGATION],
    ];
    for (const [who, msg, code] of cases) {
      const before = readCandidate(chain.h.store, owner(0));
      const res = await chain.block([chain.tx(testKey(who), msg)]);
      expect({ msg: msg.type, code: res.txResults[0]?.code }).toEqual({ msg: msg.type, code });
      const after = readCandidate(chain.h.store, owner(0));
      expect(after?.totalStake).toBe(before?.totalStake);
      expect(after?.commissionBps).toBe(before?.commissionBps);
    }
  });
});

describe('governance in blocks', () => {
  it('passes a block-time proposal by stake-weighted votes and returns the new consensus params at the stated height', async () => {
    const chain = await StakingChain.start(GENESIS, ACCOUNTS);
    try {
      const effective = 1 + CHAIN_PARAMS.govVotingBlocks + 3;
      const submit = await chain.block([
        chain.tx(testKey(5), {
          type: 'submitProposal',
          title: 'faster blocks',
          description: '',
          change: { type: 'params', changes: [{ name: 'consensus.timeouts.commit_ms', value: '250' }] },
          deposit: 1000n * ONE_CMT,
          effectiveHeight: effective,
        }),
      ]);
      expect(submit.txResults[0]?.code).toBe(TxCode.OK);
      // Validators 0 and 1 (7,000 of 10,000 stake) vote yes, 2 votes no, an account without stake cannot vote.
      const votes = await chain.block([
        chain.tx(testKey(0), { type: 'vote', proposalId: 1, option: 0 }),
        chain.tx(testKey(1), { type: 'vote', proposalId: 1, option: 0 }),
        chain.tx(testKey(2), { type: 'vote', proposalId: 1, option: 1 }),
        chain.tx(testKey(4), { type: 'vote', proposalId: 1, option: 0 }),
        chain.tx(testKey(0), { type: 'vote', proposalId: 9, option: 0 }),
      ]);
      expect(votes.txResults.map((r) => r.code)).toEqual([TxCode.OK, TxCode.OK, TxCode.OK, TxCode.NO_STAKE, TxCode.UNKNOWN_PROPOSAL]);
      const depositor = chain.h.balance(owner(5));
      let updated: { height: number; nextBlockDelay: number } | undefined;
      while (chain.height < effective + 1) {
        const res = await chain.block();
        if (res.consensusParamUpdates) updated = { height: chain.height, nextBlockDelay: res.consensusParamUpdates.timeouts.nextBlockDelay };
      }
      expect(updated).toEqual({ height: effective, nextBlockDelay: 250 });
      // Quorum was reached: the deposit came back.
      expect(chain.h.balance(owner(5))).toBe(depositor + 1000n * ONE_CMT);
      const late = await chain.block([chain.tx(testKey(3), { type: 'vote', proposalId: 1, option: 0 })]);
      expect(late.txResults[0]?.code).toBe(TxCode.VOTING_CLOSED);
    } finally {
      await chain.close();
    }
  });
});

describe('staking genesis', () => {
  it('refuses a genesis whose validators are not the set its candidates elect, or whose candidate cannot pay its self-stake', async () => {
    const dir = await tempDir('genesis');
    const store = await StateStore.open(dir.path);
    try {
      const app = new CmtApp(store, new InlineVerifier());
      const accounts = [0, 1].map((i) => ({ address: addressOf(testKey(i)), balance: 5000n * ONE_CMT }));
      const request = (validators: { publicKey: Uint8Array; power: number }[], selfStake = 4000n) => ({
        chainId: TEST_CHAIN_ID,
        time: 0,
        initialHeight: 1,
        consensusParams: DEFAULT_CONSENSUS_PARAMS,
        validators,
        appState: appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts, staking: { params: CHAIN_PARAMS, candidates: [genesisCandidate(0, selfStake), genesisCandidate(1, 1000n)] } }),
      });
      await expect(app.initChain(request([{ publicKey: consensusKey(0).publicKey, power: 10 }]))).rejects.toThrow(/not the set its candidates elect/);
      await expect(app.initChain(request([], 6000n))).rejects.toThrow(/candidates\[0\].*cannot cover/);
      expect(store.latestVersion).toBe(-1);
      await app.initChain(request([{ publicKey: consensusKey(0).publicKey, power: 4000 }, { publicKey: consensusKey(1).publicKey, power: 1000 }]));
      expect(readValidators(store).map((v) => v.power)).toEqual([4000, 1000]);
    } finally {
      await store.close();
      await dir.cleanup();
    }
  });
});

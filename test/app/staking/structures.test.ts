import { describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { bytesKey, utf8 } from '../../../src/codec/bytes.js';
import { Overlay } from '../../../src/state/overlay.js';
import { elect } from '../../../src/app/staking/election.js';
import { MemberSet } from '../../../src/app/staking/member-set.js';
import { CANDIDATE_ACTIVE, CANDIDATE_WITHDRAWN, type Candidate } from '../../../src/app/staking/records.js';
import { recordSignature, resetSigning } from '../../../src/app/staking/signing-info.js';
import { sharesForDeposit, sharesForWithdrawal, valueOfShares } from '../../../src/app/staking/stake-shares.js';
import { addressFromPublicKey } from '../../../src/crypto/address.js';
import { prng } from '../../support/state-fixtures.js';
import { addr, consensusKey, UNIT_PARAMS } from './state-fixtures.js';

describe('member sets', () => {
  it('list exactly the members added and not removed, in any order of adds and removes', () => {
    const set = new MemberSet(utf8('test/'));
    const state = new Overlay({ get: () => undefined });
    const owner = addr(100);
    const model = new Set<string>();
    const rand = prng(7);
    for (let step = 0; step < 2000; step++) {
      const member = addr(Math.floor(rand() * 30));
      if (rand() < 0.55) {
        set.add(state, owner, member);
        model.add(bytesKey(member));
      } else {
        set.remove(state, owner, member);
        model.delete(bytesKey(member));
      }
      expect(set.size(state, owner)).toBe(model.size);
    }
    expect(new Set(set.members(state, owner).map(bytesKey))).toEqual(model);
    for (const m of set.members(state, owner)) set.remove(state, owner, m);
    // An empty set leaves no key behind: nothing stays in the state tree for it.
    expect(state.writeSet().filter((w) => w.value !== null)).toEqual([]);
    expect(set.members(state, addr(101))).toEqual([]);
  });
});

describe('shares', () => {
  it('never let delegations claim more than the stake, over random deposits, withdrawals and slashes', () => {
    const rand = prng(11);
    let pool = { totalStake: 0n, totalShares: 0n };
    const holders: bigint[] = [0n, 0n, 0n, 0n];
    for (let step = 0; step < 3000; step++) {
      const who = Math.floor(rand() * holders.length);
      const amount = BigInt(Math.floor(rand() * 1e6)) * 10n ** 12n + 1n;
      const roll = rand();
      if (roll < 0.45) {
        const shares = sharesForDeposit(pool, amount);
        if (shares === undefined || shares === 0n) continue;
        holders[who] = (holders[who] as bigint) + shares;
        pool = { totalStake: pool.totalStake + amount, totalShares: pool.totalShares + shares };
      } else if (roll < 0.9) {
        const value = valueOfShares(pool, holders[who] as bigint);
        if (value === 0n) continue;
        const take = amount > value ? value : amount;
        const shares = take === value ? (holders[who] as bigint) : sharesForWithdrawal(pool, take);
        expect(shares <= (holders[who] as bigint)).toBe(true);
        holders[who] = (holders[who] as bigint) - shares;
        pool = { totalStake: pool.totalStake - take, totalShares: pool.totalShares - shares };
      } else {
        // A 5% slash: the stake falls, the shares stay.
        pool = { ...pool, totalStake: pool.totalStake - (pool.totalStake * 500n) / 10_000n };
      }
      const claimed = holders.reduce((s, h) => s + valueOfShares(pool, h), 0n);
      expect(claimed <= pool.totalStake).toBe(true);
      expect(holders.reduce((s, h) => s + h, 0n)).toBe(pool.totalShares);
    }
  });
});

describe('downtime windows', () => {
  it('jails only after a full window with more misses than allowed, and starts over after a reset', () => {
    const params = { ...UNIT_PARAMS, signedBlocksWindow: 10, minSignedPerWindowBps: 5000 };
    const state = new Overlay({ get: () => undefined });
    const owner = addr(1);
    // Missing every block: the verdict waits for a full window (heights 1..10), then comes at once.
    const verdicts = Array.from({ length: 12 }, (_, i) => recordSignature(state, owner, false, i + 1, params));
    expect(verdicts.indexOf(true)).toBe(10);
    resetSigning(state, owner, 12, params);
    // 5 misses in a window of 10 are allowed (50% signed); a 6th, as the window slides over a signed block, is not.
    const pattern = [true, true, true, true, true, false, false, false, false, false, false];
    const after = pattern.map((signed, i) => recordSignature(state, owner, signed, 13 + i, params));
    expect(after.slice(0, 10)).toEqual(Array(10).fill(false));
    expect(after[10]).toBe(true);
  });
});

describe('elections', () => {
  const candidate = (i: number, stakeCmt: bigint, over: Partial<Candidate> = {}): Candidate => ({
    owner: addr(i),
    consensusKey: consensusKey(i),
    totalStake: stakeCmt * ONE_CMT,
    totalShares: stakeCmt * ONE_CMT,
    selfShares: stakeCmt * ONE_CMT,
    maxStake: stakeCmt * 10n * ONE_CMT,
    commissionBps: 0,
    commissionChangedAt: 0,
    status: CANDIDATE_ACTIVE,
    jailedUntil: 0,
    tombstoned: false,
    rewardPerShare: 0n,
    commission: 0n,
    name: '',
    website: '',
    description: '',
    createdAt: 0,
    ...over,
  });

  it('ranks by stake, breaks ties by consensus address, skips the jailed, withdrawn and stakeless, and keeps backups apart', () => {
    const params = { maxValidators: 2, backupValidators: 2, validatorPowerCapBps: 0 };
    const tie = [candidate(1, 500n), candidate(2, 500n)];
    const lowerFirst = [...tie].sort((a, b) => Buffer.compare(addressFromPublicKey(a.consensusKey), addressFromPublicKey(b.consensusKey)));
    const result = elect(
      [candidate(0, 100n), ...tie, candidate(3, 900n, { jailedUntil: 50 }), candidate(4, 800n, { status: CANDIDATE_WITHDRAWN }), candidate(5, 700n, { tombstoned: true }), candidate(6, 0n), candidate(7, 300n)],
      params,
    );
    expect(result.validators).toEqual(lowerFirst.map((c) => ({ consensusKey: c.consensusKey, power: 500 })));
    expect(result.backups.map(bytesKey)).toEqual([addr(7), addr(0)].map(bytesKey));
    // The same candidates in another order elect the same set.
    const shuffled = elect([candidate(7, 300n), candidate(0, 100n), ...[...tie].reverse()], params);
    expect(shuffled).toEqual({ validators: result.validators, backups: result.backups });
  });

  it('caps power only when the set is large enough for the cap to be met', () => {
    const big = Array.from({ length: 10 }, (_, i) => candidate(i, i === 0 ? 10_000n : 100n));
    const capped = elect(big, { maxValidators: 19, backupValidators: 0, validatorPowerCapBps: 1200 });
    const total = capped.validators.reduce((s, v) => s + v.power, 0);
    expect(Math.max(...capped.validators.map((v) => v.power)) * 10_000).toBeLessThanOrEqual(1200 * total);
    const small = elect(big.slice(0, 4), { maxValidators: 19, backupValidators: 0, validatorPowerCapBps: 1200 });
    expect(small.validators.map((v) => v.power)).toEqual([10_000, 100, 100, 100]);
  });
});

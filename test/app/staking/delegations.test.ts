import { describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { bytesKey } from '../../../src/codec/bytes.js';
import { readAccount } from '../../../src/app/bank/accounts.js';
import { declareCandidacy } from '../../../src/app/staking/candidacy.js';
import { delegate, earnedRewards, releaseMatured, unbond, withdrawRewards } from '../../../src/app/staking/delegations.js';
import { rewardCandidate } from '../../../src/app/staking/rewards.js';
import { readCandidate, readCandidateList, readDelegation, readOwnerOfConsensusAddress, readPool, readUnbondings } from '../../../src/app/staking/records.js';
import { addressFromPublicKey } from '../../../src/crypto/address.js';
import { prng } from '../../support/state-fixtures.js';
import { addr, consensusKey, declare, fundedState, tx, UNIT_PARAMS } from './state-fixtures.js';

const PARAMS = UNIT_PARAMS;

describe('candidacy and delegation', () => {
  it('declares a candidate, locks its self-stake, and rejects a second declaration or a used key', () => {
    const s = fundedState(3, 1000n * ONE_CMT);
    expect(tx(s, (t) => declareCandidacy(t, addr(0), declare(0, 100n * ONE_CMT), 1, PARAMS))).toBeNull();
    expect(readAccount(s, addr(0)).balance).toBe(900n * ONE_CMT);
    expect(readCandidate(s, addr(0))).toMatchObject({ totalStake: 100n * ONE_CMT, selfShares: 100n * ONE_CMT, commissionBps: 1000 });
    expect(readCandidateList(s).map(bytesKey)).toEqual([bytesKey(addr(0))]);
    expect(tx(s, (t) => declareCandidacy(t, addr(0), declare(1, 100n * ONE_CMT), 1, PARAMS))).toBe('CANDIDATE_EXISTS');
    expect(tx(s, (t) => declareCandidacy(t, addr(1), declare(0, 100n * ONE_CMT), 1, PARAMS))).toBe('CONSENSUS_KEY_IN_USE');
    expect(tx(s, (t) => declareCandidacy(t, addr(1), declare(1, 10n * ONE_CMT, 1000n * ONE_CMT), 1, PARAMS))).toBe('SELF_STAKE_TOO_LOW');
    expect(tx(s, (t) => declareCandidacy(t, addr(1), declare(1, 4n * ONE_CMT), 1, PARAMS))).toBe('SELF_STAKE_TOO_LOW');
    expect(tx(s, (t) => declareCandidacy(t, addr(1), declare(1, 2000n * ONE_CMT), 1, PARAMS))).toBe('INSUFFICIENT_FUNDS');
    expect(tx(s, (t) => declareCandidacy(t, addr(1), declare(1, 10n * ONE_CMT, 100n * ONE_CMT, 10_001), 1, PARAMS))).toBe('INVALID_COMMISSION');
    expect(readPool(s, 'bonded')).toBe(100n * ONE_CMT);
    // Commits name validators by consensus address: it leads back to the candidate.
    expect(readOwnerOfConsensusAddress(s, addressFromPublicKey(consensusKey(0)))).toEqual(addr(0));
    expect(readOwnerOfConsensusAddress(s, addressFromPublicKey(consensusKey(1)))).toBeUndefined();
  });

  it('delegates within the maximum stake, unbonds, and returns the CMT after the unbonding period', () => {
    const s = fundedState(3, 1000n * ONE_CMT);
    tx(s, (t) => declareCandidacy(t, addr(0), declare(0, 100n * ONE_CMT, 300n * ONE_CMT), 1, PARAMS));
    expect(tx(s, (t) => delegate(t, addr(1), addr(0), ONE_CMT, PARAMS))).toBe('BELOW_MIN_DELEGATION');
    expect(tx(s, (t) => delegate(t, addr(1), addr(0), 250n * ONE_CMT, PARAMS))).toBe('ABOVE_MAX_STAKE');
    expect(tx(s, (t) => delegate(t, addr(1), addr(9), 50n * ONE_CMT, PARAMS))).toBe('UNKNOWN_CANDIDATE');
    expect(tx(s, (t) => delegate(t, addr(1), addr(0), 150n * ONE_CMT, PARAMS))).toBeNull();
    expect(readCandidate(s, addr(0))?.totalStake).toBe(250n * ONE_CMT);
    expect(tx(s, (t) => unbond(t, addr(1), addr(0), 200n * ONE_CMT, 2, PARAMS))).toBe('INSUFFICIENT_DELEGATION');
    expect(tx(s, (t) => unbond(t, addr(1), addr(0), 50n * ONE_CMT, 2, PARAMS))).toBeNull();
    expect(readDelegation(s, addr(1), addr(0))?.shares).toBe(100n * ONE_CMT);
    expect(readUnbondings(s, addr(1), addr(0))).toEqual([{ amount: 50n * ONE_CMT, createdAt: 2, completesAt: 7 }]);
    expect(readAccount(s, addr(1)).balance).toBe(850n * ONE_CMT);
    expect(releaseMatured(s, 6)).toBe(0n);
    expect(releaseMatured(s, 7)).toBe(50n * ONE_CMT);
    expect(readAccount(s, addr(1)).balance).toBe(900n * ONE_CMT);
    expect(readUnbondings(s, addr(1), addr(0))).toEqual([]);
    // The owner may not leave less self-stake than the ratio of its maximum requires.
    expect(tx(s, (t) => unbond(t, addr(0), addr(0), 90n * ONE_CMT, 8, PARAMS))).toBe('SELF_STAKE_TOO_LOW');
  });

  it('pays rewards in proportion to stake, commission to the owner, on withdrawal', () => {
    const s = fundedState(3, 1000n * ONE_CMT);
    tx(s, (t) => declareCandidacy(t, addr(0), declare(0, 100n * ONE_CMT, 1000n * ONE_CMT, 1000), 1, PARAMS));
    tx(s, (t) => delegate(t, addr(1), addr(0), 300n * ONE_CMT, PARAMS));
    const dust = rewardCandidate(s, addr(0), 40n * ONE_CMT);
    expect(dust).toBe(0n);
    // 10% commission = 4 CMT; 36 CMT over 400 CMT of stake: the delegator's 300 earn 27.
    expect(withdrawRewards(s, addr(1), addr(0))).toBe(27n * ONE_CMT);
    expect(withdrawRewards(s, addr(1), addr(0))).toBe(0n);
    expect(withdrawRewards(s, addr(0), addr(0))).toBe(9n * ONE_CMT + 4n * ONE_CMT);
    expect(readPool(s, 'rewards')).toBe(0n);
  });
});

describe('the staking supply invariant', () => {
  it('holds after every step of random staking transactions, rewards and unbondings', () => {
    const rand = prng(2026);
    const accounts = 6;
    const initial = 10_000n * ONE_CMT;
    const s = fundedState(accounts, initial);
    let minted = 0n;
    let community = 0n;
    const pick = (n: number) => Math.floor(rand() * n);
    const amount = () => BigInt(1 + pick(400)) * ONE_CMT + BigInt(pick(1_000_000));
    for (let height = 1; height <= 400; height++) {
      const who = addr(pick(accounts));
      const candidates = readCandidateList(s);
      const target = candidates[pick(candidates.length || 1)] ?? addr(0);
      switch (pick(5)) {
        case 0:
          tx(s, (t) => declareCandidacy(t, who, declare(pick(1000), amount(), BigInt(2000 + pick(5000)) * ONE_CMT, pick(3000)), height, PARAMS));
          break;
        case 1:
          tx(s, (t) => delegate(t, who, target, amount(), PARAMS));
          break;
        case 2:
          tx(s, (t) => unbond(t, who, target, amount() / 4n, height, PARAMS));
          break;
        case 3:
          tx(s, (t) => void withdrawRewards(t, who, target));
          break;
        case 4: {
          const reward = BigInt(pick(10 ** 9)) * 10n ** 9n + BigInt(pick(1000));
          minted += reward;
          community += rewardCandidate(s, target, reward);
          break;
        }
      }
      releaseMatured(s, height);
      const balances = Array.from({ length: accounts }, (_, i) => readAccount(s, addr(i)).balance).reduce((a, b) => a + b, 0n);
      const held = readPool(s, 'bonded') + readPool(s, 'unbondingPool') + readPool(s, 'rewards');
      expect(balances + held + community).toBe(BigInt(accounts) * initial + minted);
      // The pools match the records they stand for.
      const list = readCandidateList(s);
      expect(readPool(s, 'bonded')).toBe(list.reduce((sum, c) => sum + (readCandidate(s, c)?.totalStake ?? 0n), 0n));
      let owed = 0n;
      for (const c of list) {
        const cand = readCandidate(s, c);
        if (!cand) continue;
        owed += cand.commission;
        for (let i = 0; i < accounts; i++) {
          const d = readDelegation(s, addr(i), c);
          if (d) owed += earnedRewards(cand, d.shares, d.rewardPerShareAtLastChange);
        }
      }
      expect(readPool(s, 'rewards') >= owed).toBe(true);
    }
    expect(readCandidateList(s).length).toBeGreaterThan(1);
    expect(minted).toBeGreaterThan(0n);
  });
});

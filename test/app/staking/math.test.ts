import { describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { mintedAt, splitBlockReward } from '../../../src/app/staking/block-reward.js';
import { checkStakingParams, decodeStakingParams, DEFAULT_STAKING_PARAMS, encodeStakingParams } from '../../../src/app/staking/params.js';
import { votingPowers } from '../../../src/app/staking/voting-power.js';
import { prng } from '../../support/state-fixtures.js';

const SUPPLY = 1_000_000_000n * ONE_CMT;

describe('staking parameters', () => {
  it('round-trip through their encoding and reject values out of range', () => {
    expect(decodeStakingParams(encodeStakingParams(DEFAULT_STAKING_PARAMS))).toEqual(DEFAULT_STAKING_PARAMS);
    expect(() => checkStakingParams(DEFAULT_STAKING_PARAMS)).not.toThrow();
    expect(() => checkStakingParams({ ...DEFAULT_STAKING_PARAMS, inflationBps: 10_001 })).toThrow(/inflationBps/);
    expect(() => checkStakingParams({ ...DEFAULT_STAKING_PARAMS, epochBlocks: 0 })).toThrow(/epochBlocks/);
    expect(() => checkStakingParams({ ...DEFAULT_STAKING_PARAMS, govPassBps: 4000 })).toThrow(/minority/);
  });
});

describe('minting', () => {
  it('mints exactly 8% of the genesis supply over a year of blocks, without drift', () => {
    const params = { inflationBps: 800, blocksPerYear: 1000 };
    let sum = 0n;
    for (let h = 1; h <= 1000; h++) sum += mintedAt(h, SUPPLY + 7n, params);
    expect(sum).toBe(((SUPPLY + 7n) * 800n) / 10_000n);
    // 80,000,000 CMT over 31,557,600 blocks: about 2.535 CMT, rounded down to the base unit.
    expect(mintedAt(1, SUPPLY, DEFAULT_STAKING_PARAMS)).toBe(2_535_047_025_122_316_018n);
    expect(Number(mintedAt(1, SUPPLY, DEFAULT_STAKING_PARAMS) / 10n ** 15n) / 1000).toBe(2.535);
    expect(mintedAt(0, SUPPLY, DEFAULT_STAKING_PARAMS)).toBe(0n);
  });
});

describe('reward split', () => {
  it('matches the worked example of spec/staking.md', () => {
    const reward = mintedAt(1, SUPPLY, DEFAULT_STAKING_PARAMS) + ONE_CMT / 10_000n;
    const voters = [0, 1, 2, 3].map((index) => ({ index, power: 100_000n }));
    const split = splitBlockReward(reward, 400_000n, voters, [], DEFAULT_STAKING_PARAMS);
    const cmt = (x: bigint) => Number(x / 10n ** 14n) / 10_000; // 4 decimals
    expect(cmt(split.proposer)).toBe(0.1140);
    expect(split.voters.map(cmt)).toEqual([0.5418, 0.5418, 0.5418, 0.5418]);
  });

  it('never creates or destroys CMT, whatever the powers, stakes and parameters', () => {
    const rand = prng(99);
    for (let i = 0; i < 2000; i++) {
      const reward = BigInt(Math.floor(rand() * 1e12)) * BigInt(1 + Math.floor(rand() * 1e6));
      const voters = Array.from({ length: Math.floor(rand() * 8) }, (_, index) => ({ index, power: BigInt(1 + Math.floor(rand() * 1e6)) }));
      const totalPower = voters.reduce((s, v) => s + v.power, 0n) + BigInt(Math.floor(rand() * 1e6));
      const backups = Array.from({ length: Math.floor(rand() * 4) }, () => BigInt(Math.floor(rand() * 1e9)));
      const params = {
        communityTaxBps: Math.floor(rand() * 2000),
        validatorsShareBps: Math.floor(rand() * 10_001),
        proposerBaseBps: Math.floor(rand() * 500),
        proposerBonusBps: Math.floor(rand() * 500),
      };
      const s = splitBlockReward(reward, totalPower, voters, backups, params);
      const parts = [s.community, s.proposer, s.dust, ...s.voters, ...s.backups];
      expect(parts.every((x) => x >= 0n)).toBe(true);
      expect(parts.reduce((a, b) => a + b, 0n)).toBe(reward);
    }
  });
});

describe('voting power', () => {
  it('is whole CMT of stake, uncapped below the size where a 12% cap is possible', () => {
    expect(votingPowers([5n * ONE_CMT + 1n, 90n * ONE_CMT], 1200)).toEqual([5, 90]);
    expect(votingPowers(Array.from({ length: 8 }, (_, i) => BigInt(i + 1) * ONE_CMT), 1200)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('caps every validator at 12% when there are enough of them, lowering only the largest', () => {
    const rand = prng(5);
    for (let i = 0; i < 300; i++) {
      const n = 9 + Math.floor(rand() * 20);
      const stakes = Array.from({ length: n }, () => BigInt(1 + Math.floor(rand() ** 4 * 1e6)) * ONE_CMT);
      const powers = votingPowers(stakes, 1200);
      const total = powers.reduce((a, b) => a + b, 0);
      stakes.forEach((s, j) => {
        const original = Number(s / ONE_CMT);
        expect(powers[j]).toBeLessThanOrEqual(original);
        expect((powers[j] as number) * 10_000).toBeLessThanOrEqual(1200 * total);
        // A validator under the cap keeps its power.
        if (original * 10_000 <= 1200 * total) expect(powers[j]).toBe(original);
      });
    }
    expect(votingPowers([1000n, 1000n, 10n, 10n, 10n, 10n, 10n, 10n, 10n].map((x) => x * ONE_CMT), 1200)).toEqual([11, 11, 10, 10, 10, 10, 10, 10, 10]);
  });
});

/**
 * Each block's reward and how it splits (spec/staking.md, "Rewards"). Pure integer arithmetic:
 * every remainder is returned as dust for the community pool, so the parts always add up to
 * the whole.
 */
import { BPS, type StakingParams } from './params.js';

/**
 * CMT minted at height h: the difference of one floor, so the amounts of a year add up to
 * exactly floor(genesisSupply x inflation) and no per-block rounding accumulates.
 */
export function mintedAt(height: number, genesisSupply: bigint, params: Pick<StakingParams, 'inflationBps' | 'blocksPerYear'>): bigint {
  if (height < 1) return 0n;
  const total = (h: number): bigint => (genesisSupply * BigInt(params.inflationBps) * BigInt(h)) / (BigInt(BPS) * BigInt(params.blocksPerYear));
  return total(height) - total(height - 1);
}

export interface Voter {
  /** Index in the validator set (for attribution by the caller). */
  index: number;
  power: bigint;
}

export interface RewardSplit {
  community: bigint;
  proposer: bigint;
  /** Per voter, in the order given. */
  voters: bigint[];
  /** Per backup, in the order given. */
  backups: bigint[];
  /** What integer division left over: goes to the community pool too. */
  dust: bigint;
}

/**
 * Splits `reward` between the community pool, the proposer, the validators whose signatures the
 * block's commit carries (by power), and the backups (by stake). With no voters the
 * validators' share goes to the community pool; with no backups, theirs does too.
 */
export function splitBlockReward(
  reward: bigint,
  totalPower: bigint,
  voters: readonly Voter[],
  backupStakes: readonly bigint[],
  params: Pick<StakingParams, 'communityTaxBps' | 'validatorsShareBps' | 'proposerBaseBps' | 'proposerBonusBps'>,
): RewardSplit {
  const bps = BigInt(BPS);
  const community = (reward * BigInt(params.communityTaxBps)) / bps;
  const validators = ((reward - community) * BigInt(params.validatorsShareBps)) / bps;
  const backupsTotal = reward - community - validators;
  const signedPower = voters.reduce((s, v) => s + v.power, 0n);
  let proposer = 0n;
  let voterShares: bigint[] = voters.map(() => 0n);
  let left = 0n;
  if (signedPower > 0n && totalPower > 0n) {
    proposer = (validators * (BigInt(params.proposerBaseBps) * totalPower + BigInt(params.proposerBonusBps) * signedPower)) / (bps * totalPower);
    const pool = validators - proposer;
    voterShares = voters.map((v) => (pool * v.power) / signedPower);
    left += pool - voterShares.reduce((s, x) => s + x, 0n);
  } else {
    left += validators;
  }
  const backupStake = backupStakes.reduce((s, x) => s + x, 0n);
  let backups: bigint[] = backupStakes.map(() => 0n);
  if (backupStake > 0n) {
    backups = backupStakes.map((stake) => (backupsTotal * stake) / backupStake);
    left += backupsTotal - backups.reduce((s, x) => s + x, 0n);
  } else {
    left += backupsTotal;
  }
  return { community, proposer, voters: voterShares, backups, dust: left };
}

/**
 * Shares and the CMT they are worth (spec/staking.md, "Shares"). Every conversion rounds in
 * the candidate's favour, so delegations together never claim more than `totalStake`.
 */
import type { Candidate } from './records.js';

type Pool = Pick<Candidate, 'totalStake' | 'totalShares'>;

/** CMT that `shares` of the candidate are worth, rounded down. */
export function valueOfShares(c: Pool, shares: bigint): bigint {
  return c.totalShares === 0n ? 0n : (shares * c.totalStake) / c.totalShares;
}

/** Shares a deposit of `amount` buys, rounded down; undefined when the stake was slashed to nothing (shares are worthless). */
export function sharesForDeposit(c: Pool, amount: bigint): bigint | undefined {
  if (c.totalShares === 0n) return amount;
  if (c.totalStake === 0n) return undefined;
  return (amount * c.totalShares) / c.totalStake;
}

/** Shares that must be given up to take `amount` out, rounded up. */
export function sharesForWithdrawal(c: Pool, amount: bigint): bigint {
  if (c.totalStake === 0n) return c.totalShares;
  return (amount * c.totalShares + c.totalStake - 1n) / c.totalStake;
}

export function selfStakeOf(c: Candidate): bigint {
  return valueOfShares(c, c.selfShares);
}

/**
 * Delegating, unbonding and redelegating stake (spec/staking.md, "Transactions"), with F1
 * reward accounting on shares: a delegation is paid what it earned whenever it changes, so
 * nothing per block touches delegators. Each function checks everything before it writes
 * anything, and throws TxError (the transaction then fails and its writes are discarded).
 */
import { bytesEqual, bytesKey, concatBytes } from '../../codec/bytes.js';
import type { Overlay } from '../../state/overlay.js';
import { credit, debit } from '../bank/accounts.js';
import { REWRITE_GAS_PER_BYTE } from '../gas.js';
import { TxError } from '../errors.js';
import { BPS, type StakingParams } from './params.js';
import {
  addToPool,
  CANDIDATE_ACTIVE,
  PRECISION,
  readCandidate,
  readDelegation,
  readRedelegations,
  readUnbondingQueue,
  unbondingQueueBytes,
  readUnbondings,
  writeCandidate,
  writeDelegation,
  writeRedelegations,
  writeUnbondingQueue,
  writeUnbondings,
  type Candidate,
  type Delegation,
} from './records.js';
import { sharesForDeposit, sharesForWithdrawal, valueOfShares } from './stake-shares.js';


export function existingCandidate(state: Overlay, owner: Uint8Array): Candidate {
  const c = readCandidate(state, owner);
  if (!c) throw new TxError('UNKNOWN_CANDIDATE', 'no candidate with that address');
  return c;
}

function activeCandidate(state: Overlay, owner: Uint8Array): Candidate {
  const c = existingCandidate(state, owner);
  if (c.status !== CANDIDATE_ACTIVE || c.tombstoned) throw new TxError('CANDIDATE_INACTIVE', 'the candidate has withdrawn or is tombstoned');
  return c;
}

/** Rewards a delegation of `shares` earned since it last changed. */
export function earnedRewards(c: Candidate, shares: bigint, rewardPerShareThen: bigint): bigint {
  return (shares * (c.rewardPerShare - rewardPerShareThen)) / PRECISION;
}

/** Pays a delegation what it earned since it last changed; returns the amount paid. */
export function payOut(state: Overlay, delegator: Uint8Array, c: Candidate): bigint {
  const d = readDelegation(state, delegator, c.owner);
  if (!d) return 0n;
  const earned = earnedRewards(c, d.shares, d.rewardPerShareAtLastChange);
  writeDelegation(state, delegator, c.owner, { ...d, rewardPerShareAtLastChange: c.rewardPerShare });
  if (earned > 0n) {
    addToPool(state, 'rewards', -earned);
    credit(state, delegator, earned);
  }
  return earned;
}

export function requireSelfStakeRatio(c: Candidate, selfStake: bigint, maxStake: bigint, params: StakingParams): void {
  if (selfStake * BigInt(BPS) < maxStake * BigInt(params.selfStakeRatioBps)) {
    throw new TxError('SELF_STAKE_TOO_LOW', `self-stake ${selfStake} is below ${params.selfStakeRatioBps / 100}% of the maximum stake ${maxStake}${c.maxStake === maxStake ? '; lower maxStake first or unbond it all' : ''}`);
  }
}

/** Adds stake bought with CMT that already left an account (a delegation or a redelegation). */
function addStake(state: Overlay, delegator: Uint8Array, c: Candidate, amount: bigint): void {
  const shares = sharesForDeposit(c, amount);
  if (shares === undefined || shares === 0n) throw new TxError('CANDIDATE_INACTIVE', 'the candidate was slashed to nothing and takes no stake');
  payOut(state, delegator, c);
  const d = readDelegation(state, delegator, c.owner) ?? { shares: 0n, rewardPerShareAtLastChange: c.rewardPerShare };
  writeDelegation(state, delegator, c.owner, { shares: d.shares + shares, rewardPerShareAtLastChange: c.rewardPerShare });
  const self = bytesEqual(delegator, c.owner);
  writeCandidate(state, { ...c, totalStake: c.totalStake + amount, totalShares: c.totalShares + shares, selfShares: self ? c.selfShares + shares : c.selfShares });
}

function checkDelegation(c: Candidate, delegator: Uint8Array, amount: bigint, params: StakingParams): void {
  if (amount <= 0n) throw new TxError('BELOW_MIN_DELEGATION', 'the amount must be positive');
  if (!bytesEqual(delegator, c.owner) && amount < params.minDelegation) throw new TxError('BELOW_MIN_DELEGATION', `a delegation is at least ${params.minDelegation} base units`);
  if (c.totalStake + amount > c.maxStake) throw new TxError('ABOVE_MAX_STAKE', `the candidate accepts at most ${c.maxStake - c.totalStake} more`);
}

export function delegate(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, params: StakingParams, reserved = 0n): void {
  const c = activeCandidate(state, candidate);
  checkDelegation(c, delegator, amount, params);
  debit(state, delegator, amount, reserved);
  addStake(state, delegator, c, amount);
  addToPool(state, 'bonded', amount);
}

/**
 * What taking `amount` of CMT out of a delegation does to the candidate: the shares it costs
 * (all of them when it is the delegation's whole value, else rounded up) and the candidate after.
 */
export function withdrawal(c: Candidate, delegator: Uint8Array, d: Delegation, amount: bigint): { shares: bigint; after: Candidate } {
  const shares = amount === valueOfShares(c, d.shares) ? d.shares : sharesForWithdrawal(c, amount);
  const selfShares = bytesEqual(delegator, c.owner) ? c.selfShares - shares : c.selfShares;
  return { shares, after: { ...c, totalStake: c.totalStake - amount, totalShares: c.totalShares - shares, selfShares } };
}

/** Writes a withdrawal from a delegation, after paying the rewards it earned until now. */
export function applyWithdrawal(state: Overlay, delegator: Uint8Array, c: Candidate, d: Delegation, w: { shares: bigint; after: Candidate }): void {
  payOut(state, delegator, c);
  writeDelegation(state, delegator, c.owner, { shares: d.shares - w.shares, rewardPerShareAtLastChange: c.rewardPerShare });
  writeCandidate(state, w.after);
}

/**
 * Takes `amount` of CMT out of a delegation (all of it when `amount` is its whole value),
 * after paying its rewards. Returns the candidate as written.
 */
function removeStake(state: Overlay, delegator: Uint8Array, c: Candidate, amount: bigint, params: StakingParams): Candidate {
  const d = readDelegation(state, delegator, c.owner);
  const value = d ? valueOfShares(c, d.shares) : 0n;
  if (!d || amount <= 0n || amount > value) throw new TxError('INSUFFICIENT_DELEGATION', `the delegation holds ${value}, not ${amount}`);
  const w = withdrawal(c, delegator, d, amount);
  // The owner may take out all of its self-stake, but not leave less than the ratio or the minimum requires.
  if (bytesEqual(delegator, c.owner) && w.after.selfShares > 0n) {
    const selfAfter = valueOfShares(w.after, w.after.selfShares);
    requireSelfStakeRatio(c, selfAfter, c.maxStake, params);
    if (selfAfter < params.minSelfStake) throw new TxError('SELF_STAKE_TOO_LOW', `the remaining self-stake would be below minSelfStake (${params.minSelfStake}); unbond it all or less`);
  }
  applyWithdrawal(state, delegator, c, d, w);
  return w.after;
}

/**
 * Records an unbonding entry of `amount` for `delegator` at `candidate` (the CMT is already out
 * of the candidate) without queueing it; returns the height it completes at. The caller queues
 * the pair (enqueueUnbondings), once for all the pairs it unbonds.
 */
export function recordUnbonding(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, height: number, params: StakingParams): number {
  const completesAt = height + params.unbondingBlocks;
  writeUnbondings(state, delegator, candidate, [...readUnbondings(state, delegator, candidate), { amount, createdAt: height, completesAt }]);
  addToPool(state, 'bonded', -amount);
  addToPool(state, 'unbondingPool', amount);
  return completesAt;
}

/**
 * Adds the pairs not queued yet to the queue of `completesAt`, rewriting it once. `chargeGas` is
 * told what rewriting it costs before it is read.
 */
export function enqueueUnbondings(state: Overlay, completesAt: number, pairs: readonly { delegator: Uint8Array; candidate: Uint8Array }[], chargeGas: (amount: number) => void): void {
  chargeGas(REWRITE_GAS_PER_BYTE * unbondingQueueBytes(state, completesAt));
  const queue = readUnbondingQueue(state, completesAt);
  const queued = new Set(queue.map((p) => bytesKey(concatBytes(p.delegator, p.candidate))));
  const added = pairs.filter((p) => {
    const key = bytesKey(concatBytes(p.delegator, p.candidate));
    if (queued.has(key)) return false;
    queued.add(key);
    return true;
  });
  if (added.length > 0) writeUnbondingQueue(state, completesAt, [...queue, ...added]);
}

/** Queues `amount` to return to `delegator` after the unbonding period (the CMT is already out of the candidate). */
export function startUnbonding(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, height: number, params: StakingParams, chargeGas: (amount: number) => void = () => undefined): void {
  const completesAt = recordUnbonding(state, delegator, candidate, amount, height, params);
  enqueueUnbondings(state, completesAt, [{ delegator, candidate }], chargeGas);
}

/** Stops `amount` of stake counting now; it returns to the delegator after the unbonding period. */
export function unbond(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, height: number, params: StakingParams, chargeGas: (amount: number) => void = () => undefined): void {
  const c = existingCandidate(state, candidate);
  if (readUnbondings(state, delegator, candidate).length >= params.maxUnbondingEntries) {
    throw new TxError('TOO_MANY_UNBONDINGS', `at most ${params.maxUnbondingEntries} unbondings at a time per candidate`);
  }
  removeStake(state, delegator, c, amount, params);
  startUnbonding(state, delegator, candidate, amount, height, params, chargeGas);
}

/**
 * Moves stake from one candidate to another at once. The source keeps a record of it until
 * the unbonding period ends, so a slash for an offence committed before the move still
 * reaches it (spec/staking.md, "Slashing").
 */
export function redelegate(state: Overlay, delegator: Uint8Array, from: Uint8Array, to: Uint8Array, amount: bigint, height: number, params: StakingParams): void {
  if (bytesEqual(from, to)) throw new TxError('INSUFFICIENT_DELEGATION', 'cannot redelegate to the same candidate');
  const source = existingCandidate(state, from);
  const target = activeCandidate(state, to);
  checkDelegation(target, delegator, amount, params);
  const entries = readRedelegations(state, from, delegator).filter((e) => e.completesAt > height);
  if (entries.length >= params.maxUnbondingEntries) throw new TxError('TOO_MANY_UNBONDINGS', `at most ${params.maxUnbondingEntries} redelegations at a time per candidate`);
  removeStake(state, delegator, source, amount, params);
  addStake(state, delegator, existingCandidate(state, to), amount);
  writeRedelegations(state, from, delegator, [...entries, { to, amount, createdAt: height, completesAt: height + params.unbondingBlocks }]);
}

/** Pays a delegation's rewards (and, for the owner, the commission) to its account; returns the total. */
export function withdrawRewards(state: Overlay, delegator: Uint8Array, candidate: Uint8Array): bigint {
  const c = existingCandidate(state, candidate);
  let paid = payOut(state, delegator, c);
  if (bytesEqual(delegator, candidate) && c.commission > 0n) {
    addToPool(state, 'rewards', -c.commission);
    credit(state, delegator, c.commission);
    paid += c.commission;
    writeCandidate(state, { ...existingCandidate(state, candidate), commission: 0n });
  }
  return paid;
}

/** Returns the CMT of unbonding entries completing at `height` to their delegators. */
export function releaseMatured(state: Overlay, height: number): bigint {
  const queue = readUnbondingQueue(state, height);
  // Most blocks complete nothing: they must not write anything either.
  if (queue.length === 0) return 0n;
  let released = 0n;
  for (const { delegator, candidate } of queue) {
    const entries = readUnbondings(state, delegator, candidate);
    const due = entries.filter((e) => e.completesAt <= height);
    const amount = due.reduce((s, e) => s + e.amount, 0n);
    writeUnbondings(state, delegator, candidate, entries.filter((e) => e.completesAt > height));
    credit(state, delegator, amount);
    released += amount;
  }
  writeUnbondingQueue(state, height, []);
  addToPool(state, 'unbondingPool', -released);
  return released;
}


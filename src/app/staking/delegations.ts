/**
 * Candidacies, delegations and unbonding (spec/staking.md, "Transactions"), with F1 reward
 * accounting: a delegation is paid what it earned whenever it changes, so nothing per block
 * touches delegators. Each function checks everything before it writes anything, and throws
 * TxError (the transaction then fails and its writes are discarded).
 */
import { bytesEqual } from '../../codec/bytes.js';
import { isValidPublicKey } from '../../crypto/ed25519.js';
import type { Overlay } from '../../state/overlay.js';
import { credit, readAccount, writeAccount } from '../bank/accounts.js';
import { TxError } from '../errors.js';
import { BPS, type StakingParams } from './params.js';
import {
  addToPool,
  CANDIDATE_ACTIVE,
  PRECISION,
  readCandidate,
  readCandidateList,
  readConsensusKeyOwner,
  readDelegation,
  readUnbondingQueue,
  readUnbondings,
  writeCandidate,
  writeCandidateList,
  writeConsensusKeyOwner,
  writeDelegation,
  writeUnbondingQueue,
  writeUnbondings,
  type Candidate,
} from './records.js';

export interface DeclareCandidacy {
  consensusKey: Uint8Array;
  selfStake: bigint;
  maxStake: bigint;
  commissionBps: number;
  name: string;
  website: string;
  description: string;
}

/** `reserved` is held back for the transaction's fee: a message never spends what the fee needs. */
function debit(state: Overlay, address: Uint8Array, amount: bigint, reserved: bigint): void {
  const account = readAccount(state, address);
  if (account.balance - reserved < amount) {
    throw new TxError('INSUFFICIENT_FUNDS', `balance ${account.balance} cannot cover ${amount} plus the maximum fee ${reserved}`);
  }
  writeAccount(state, address, { ...account, balance: account.balance - amount });
}

function activeCandidate(state: Overlay, owner: Uint8Array): Candidate {
  const c = readCandidate(state, owner);
  if (!c) throw new TxError('UNKNOWN_CANDIDATE', 'no candidate with that address');
  if (c.status !== CANDIDATE_ACTIVE || c.tombstoned) throw new TxError('CANDIDATE_INACTIVE', 'the candidate has withdrawn or is tombstoned');
  return c;
}

/** Pays a delegation what it earned since it last changed; returns the amount paid. */
function payOut(state: Overlay, delegator: Uint8Array, c: Candidate): bigint {
  const d = readDelegation(state, delegator, c.owner);
  if (!d) return 0n;
  const earned = (d.stake * (c.rewardPerStake - d.rewardPerStakeAtLastChange)) / PRECISION;
  writeDelegation(state, delegator, c.owner, { ...d, rewardPerStakeAtLastChange: c.rewardPerStake });
  if (earned > 0n) {
    addToPool(state, 'rewards', -earned);
    credit(state, delegator, earned);
  }
  return earned;
}

export function declareCandidacy(state: Overlay, owner: Uint8Array, msg: DeclareCandidacy, height: number, params: StakingParams, reserved = 0n): void {
  if (readCandidate(state, owner)) throw new TxError('CANDIDATE_EXISTS', 'this address already declared candidacy');
  if (!isValidPublicKey(msg.consensusKey)) throw new TxError('TX_DECODE', 'the consensus key is not a valid Ed25519 public key');
  if (readConsensusKeyOwner(state, msg.consensusKey)) throw new TxError('CONSENSUS_KEY_IN_USE', 'another candidate uses this consensus key');
  if (msg.commissionBps > params.maxCommissionBps) throw new TxError('INVALID_COMMISSION', `commission ${msg.commissionBps} bps is above ${params.maxCommissionBps}`);
  if (msg.selfStake > msg.maxStake) throw new TxError('ABOVE_MAX_STAKE', 'self-stake is above the declared maximum stake');
  if (msg.selfStake * BigInt(BPS) < msg.maxStake * BigInt(params.selfStakeRatioBps)) {
    throw new TxError('SELF_STAKE_TOO_LOW', `self-stake must be at least ${params.selfStakeRatioBps / 100}% of the maximum stake`);
  }
  debit(state, owner, msg.selfStake, reserved);
  addToPool(state, 'bonded', msg.selfStake);
  writeCandidate(state, {
    owner,
    consensusKey: msg.consensusKey,
    totalStake: msg.selfStake,
    selfStake: msg.selfStake,
    maxStake: msg.maxStake,
    commissionBps: msg.commissionBps,
    commissionChangedAt: height,
    status: CANDIDATE_ACTIVE,
    jailedUntil: 0,
    tombstoned: false,
    rewardPerStake: 0n,
    commission: 0n,
    name: msg.name,
    website: msg.website,
    description: msg.description,
    createdAt: height,
  });
  writeCandidateList(state, [...readCandidateList(state), owner]);
  writeConsensusKeyOwner(state, msg.consensusKey, owner);
  writeDelegation(state, owner, owner, { stake: msg.selfStake, rewardPerStakeAtLastChange: 0n });
}

export function delegate(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, params: StakingParams, reserved = 0n): void {
  const c = activeCandidate(state, candidate);
  const self = bytesEqual(delegator, candidate);
  if (!self && amount < params.minDelegation) throw new TxError('BELOW_MIN_DELEGATION', `a delegation is at least ${params.minDelegation} base units`);
  if (amount <= 0n) throw new TxError('BELOW_MIN_DELEGATION', 'the amount must be positive');
  if (c.totalStake + amount > c.maxStake) throw new TxError('ABOVE_MAX_STAKE', `the candidate accepts at most ${c.maxStake - c.totalStake} more`);
  debit(state, delegator, amount, reserved);
  payOut(state, delegator, c);
  const d = readDelegation(state, delegator, candidate) ?? { stake: 0n, rewardPerStakeAtLastChange: c.rewardPerStake };
  writeDelegation(state, delegator, candidate, { stake: d.stake + amount, rewardPerStakeAtLastChange: c.rewardPerStake });
  writeCandidate(state, { ...c, totalStake: c.totalStake + amount, selfStake: self ? c.selfStake + amount : c.selfStake });
  addToPool(state, 'bonded', amount);
}

/** Stops `amount` of stake counting now; it returns to the delegator after the unbonding period. */
export function unbond(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, amount: bigint, height: number, params: StakingParams): void {
  const c = readCandidate(state, candidate);
  if (!c) throw new TxError('UNKNOWN_CANDIDATE', 'no candidate with that address');
  const d = readDelegation(state, delegator, candidate);
  if (!d || d.stake < amount || amount <= 0n) throw new TxError('INSUFFICIENT_DELEGATION', `the delegation holds ${d?.stake ?? 0n}, not ${amount}`);
  const self = bytesEqual(delegator, candidate);
  const selfAfter = self ? c.selfStake - amount : c.selfStake;
  // The owner may unbond all of its self-stake, but not leave less than the ratio requires.
  if (self && selfAfter > 0n && selfAfter * BigInt(BPS) < c.maxStake * BigInt(params.selfStakeRatioBps)) {
    throw new TxError('SELF_STAKE_TOO_LOW', 'the remaining self-stake would fall below the required ratio; lower maxStake first or unbond it all');
  }
  const entries = readUnbondings(state, delegator, candidate);
  if (entries.length >= params.maxUnbondingEntries) throw new TxError('TOO_MANY_UNBONDINGS', `at most ${params.maxUnbondingEntries} unbondings at a time per candidate`);
  payOut(state, delegator, c);
  const paid = readDelegation(state, delegator, candidate) as NonNullable<ReturnType<typeof readDelegation>>;
  writeDelegation(state, delegator, candidate, { ...paid, stake: paid.stake - amount });
  writeCandidate(state, { ...c, totalStake: c.totalStake - amount, selfStake: selfAfter });
  const completesAt = height + params.unbondingBlocks;
  writeUnbondings(state, delegator, candidate, [...entries, { amount, createdAt: height, completesAt }]);
  const queue = readUnbondingQueue(state, completesAt);
  if (!queue.some((p) => bytesEqual(p.delegator, delegator) && bytesEqual(p.candidate, candidate))) {
    writeUnbondingQueue(state, completesAt, [...queue, { delegator, candidate }]);
  }
  addToPool(state, 'bonded', -amount);
  addToPool(state, 'unbondingPool', amount);
}

/** Pays a delegation's rewards (and, for the owner, the commission) to its account; returns the total. */
export function withdrawRewards(state: Overlay, delegator: Uint8Array, candidate: Uint8Array): bigint {
  const c = readCandidate(state, candidate);
  if (!c) throw new TxError('UNKNOWN_CANDIDATE', 'no candidate with that address');
  let paid = payOut(state, delegator, c);
  if (bytesEqual(delegator, candidate) && c.commission > 0n) {
    addToPool(state, 'rewards', -c.commission);
    credit(state, delegator, c.commission);
    paid += c.commission;
    writeCandidate(state, { ...(readCandidate(state, candidate) as Candidate), commission: 0n });
  }
  return paid;
}

/**
 * Credits a candidate with `amount` of a block's reward: its commission, then the rest per unit
 * of stake. The whole amount enters the rewards pool: what delegations are paid is floored per
 * delegation, so the pool always covers it (the few base units of rounding stay in the pool,
 * counted in the supply). Returns what could not be credited at all (a candidate without
 * stake, or none), for the community pool.
 */
export function rewardCandidate(state: Overlay, owner: Uint8Array, amount: bigint): bigint {
  const c = readCandidate(state, owner);
  if (!c || amount === 0n) return amount;
  const commission = (amount * BigInt(c.commissionBps)) / BigInt(BPS);
  const rest = amount - commission;
  if (c.totalStake === 0n) {
    addToPool(state, 'rewards', commission);
    writeCandidate(state, { ...c, commission: c.commission + commission });
    return rest;
  }
  const perStake = (rest * PRECISION) / c.totalStake;
  addToPool(state, 'rewards', amount);
  writeCandidate(state, { ...c, commission: c.commission + commission, rewardPerStake: c.rewardPerStake + perStake });
  return 0n;
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

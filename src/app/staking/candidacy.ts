/**
 * A candidate's own life cycle (spec/staking.md, "Transactions"): declaring, updating,
 * changing commission, withdrawing, and leaving jail. Each checks everything before it writes.
 */
import type { Overlay } from '../../state/overlay.js';
import { isValidPublicKey } from '../../crypto/ed25519.js';
import { TxError } from '../errors.js';
import { debit } from '../bank/accounts.js';
import { REWRITE_GAS_PER_BYTE } from '../gas.js';
import { applyWithdrawal, enqueueUnbondings, existingCandidate, recordUnbonding, requireSelfStakeRatio, withdrawal } from './delegations.js';
import type { StakingParams } from './params.js';
import {
  addToPool,
  CANDIDATE_ACTIVE,
  CANDIDATE_WITHDRAWN,
  delegatorsOf,
  readCandidate,
  candidateListBytes,
  readCandidateList,
  readConsensusKeyOwner,
  readDelegation,
  writeCandidate,
  writeCandidateList,
  writeConsensusKeyOwner,
  writeDelegation,
  type Candidate,
} from './records.js';
import { selfStakeOf, valueOfShares } from './stake-shares.js';

export interface DeclareCandidacy {
  consensusKey: Uint8Array;
  selfStake: bigint;
  maxStake: bigint;
  commissionBps: number;
  name: string;
  website: string;
  description: string;
}

export interface UpdateCandidacy {
  maxStake: bigint;
  name: string;
  website: string;
  description: string;
}

/** Gas `withdrawCandidacy` costs per delegation it unbonds: it touches that many records. */
export const WITHDRAW_GAS_PER_DELEGATION = 5_000;

function ownCandidate(state: Overlay, owner: Uint8Array): Candidate {
  const c = readCandidate(state, owner);
  if (!c) throw new TxError('NOT_A_CANDIDATE', 'the sender has not declared candidacy');
  return c;
}

function ownActiveCandidate(state: Overlay, owner: Uint8Array): Candidate {
  const c = ownCandidate(state, owner);
  if (c.status !== CANDIDATE_ACTIVE) throw new TxError('CANDIDATE_INACTIVE', 'the candidacy was withdrawn');
  return c;
}

/** The record of a candidacy just declared: its self-stake is all its stake, one share per base unit. */
export function newCandidate(owner: Uint8Array, msg: DeclareCandidacy, height: number): Candidate {
  return {
    owner,
    consensusKey: msg.consensusKey,
    totalStake: msg.selfStake,
    totalShares: msg.selfStake,
    selfShares: msg.selfStake,
    maxStake: msg.maxStake,
    commissionBps: msg.commissionBps,
    commissionChangedAt: height,
    status: CANDIDATE_ACTIVE,
    jailedUntil: 0,
    tombstoned: false,
    rewardPerShare: 0n,
    commission: 0n,
    name: msg.name,
    website: msg.website,
    description: msg.description,
    createdAt: height,
  };
}

/** `chargeGas` is told what rewriting the candidate list costs before it is read (genesis pays nothing). */
export function declareCandidacy(state: Overlay, owner: Uint8Array, msg: DeclareCandidacy, height: number, params: StakingParams, reserved = 0n, chargeGas: (amount: number) => void = () => undefined): void {
  if (readCandidate(state, owner)) throw new TxError('CANDIDATE_EXISTS', 'this address already declared candidacy');
  if (!isValidPublicKey(msg.consensusKey)) throw new TxError('TX_DECODE', 'the consensus key is not a valid Ed25519 public key');
  if (readConsensusKeyOwner(state, msg.consensusKey)) throw new TxError('CONSENSUS_KEY_IN_USE', 'another candidate uses this consensus key');
  if (msg.commissionBps > params.maxCommissionBps) throw new TxError('INVALID_COMMISSION', `commission ${msg.commissionBps} bps is above ${params.maxCommissionBps}`);
  if (msg.selfStake <= 0n || msg.selfStake < params.minSelfStake) throw new TxError('SELF_STAKE_TOO_LOW', `the self-stake must be at least ${params.minSelfStake} base units (minSelfStake)`);
  if (msg.selfStake > msg.maxStake) throw new TxError('ABOVE_MAX_STAKE', 'self-stake is above the declared maximum stake');
  const fresh = newCandidate(owner, msg, height);
  requireSelfStakeRatio(fresh, msg.selfStake, msg.maxStake, params);
  debit(state, owner, msg.selfStake, reserved);
  addToPool(state, 'bonded', msg.selfStake);
  writeCandidate(state, fresh);
  chargeGas(REWRITE_GAS_PER_BYTE * candidateListBytes(state));
  writeCandidateList(state, [...readCandidateList(state), owner]);
  writeConsensusKeyOwner(state, msg.consensusKey, owner);
  writeDelegation(state, owner, owner, { shares: msg.selfStake, rewardPerShareAtLastChange: 0n });
}

export function updateCandidacy(state: Overlay, owner: Uint8Array, msg: UpdateCandidacy, params: StakingParams): void {
  const c = ownActiveCandidate(state, owner);
  if (msg.maxStake < c.totalStake) throw new TxError('ABOVE_MAX_STAKE', `the maximum stake cannot go below the stake already held (${c.totalStake})`);
  requireSelfStakeRatio(c, selfStakeOf(c), msg.maxStake, params);
  writeCandidate(state, { ...c, maxStake: msg.maxStake, name: msg.name, website: msg.website, description: msg.description });
}

/** Commission may move by at most maxCommissionChangeBps, once per blocksPerDay. */
export function setCommission(state: Overlay, owner: Uint8Array, commissionBps: number, height: number, params: StakingParams): void {
  const c = ownActiveCandidate(state, owner);
  if (commissionBps > params.maxCommissionBps) throw new TxError('INVALID_COMMISSION', `commission ${commissionBps} bps is above ${params.maxCommissionBps}`);
  if (Math.abs(commissionBps - c.commissionBps) > params.maxCommissionChangeBps) {
    throw new TxError('COMMISSION_CHANGE_TOO_LARGE', `commission may change by at most ${params.maxCommissionChangeBps} bps at a time`);
  }
  if (height < c.commissionChangedAt + params.blocksPerDay && c.commissionChangedAt !== c.createdAt) {
    throw new TxError('COMMISSION_CHANGE_TOO_LARGE', `commission was changed at height ${c.commissionChangedAt}; the next change is allowed from height ${c.commissionChangedAt + params.blocksPerDay}`);
  }
  writeCandidate(state, { ...c, commissionBps, commissionChangedAt: height });
}

/**
 * Ends a candidacy: every delegation (the self-stake included) starts unbonding now and the
 * candidate takes no more stake. It leaves the validator set at the next election. Costs
 * WITHDRAW_GAS_PER_DELEGATION per delegation, charged by the caller through `chargeGas`.
 */
export function withdrawCandidacy(state: Overlay, owner: Uint8Array, height: number, params: StakingParams, chargeGas: (amount: number) => void): number {
  const c = ownActiveCandidate(state, owner);
  const delegators = delegatorsOf.members(state, owner);
  chargeGas(WITHDRAW_GAS_PER_DELEGATION * delegators.length);
  let current = c;
  const unbonding: { delegator: Uint8Array; candidate: Uint8Array }[] = [];
  let completesAt = height + params.unbondingBlocks;
  for (const delegator of delegators) {
    const d = readDelegation(state, delegator, owner);
    if (!d) continue;
    const amount = valueOfShares(current, d.shares);
    const w = withdrawal(current, delegator, d, amount);
    applyWithdrawal(state, delegator, current, d, w);
    current = w.after;
    if (amount === 0n) continue;
    completesAt = recordUnbonding(state, delegator, owner, amount, height, params);
    unbonding.push({ delegator, candidate: owner });
  }
  // One rewrite of the height's queue for all of them, not one per delegation.
  if (unbonding.length > 0) enqueueUnbondings(state, completesAt, unbonding, chargeGas);
  // What rounding left in the candidate belongs to nobody's shares: it goes to the community pool.
  if (current.totalStake > 0n) {
    addToPool(state, 'bonded', -current.totalStake);
    addToPool(state, 'community', current.totalStake);
  }
  writeCandidate(state, { ...existingCandidate(state, owner), totalStake: 0n, totalShares: 0n, selfShares: 0n, status: CANDIDATE_WITHDRAWN });
  return delegators.length;
}

export function unjail(state: Overlay, owner: Uint8Array, height: number): void {
  const c = ownActiveCandidate(state, owner);
  if (c.tombstoned) throw new TxError('TOMBSTONED', 'the candidate double-signed and can never return');
  if (c.jailedUntil === 0) throw new TxError('NOT_JAILED', 'the candidate is not jailed');
  if (height < c.jailedUntil) throw new TxError('STILL_JAILED', `jailed until height ${c.jailedUntil}`);
  // A slash may leave the self-stake just under the ratio of maxStake; that ratio binds new
  // declarations and updates, not a return from jail. An owner with no self-stake left may not.
  if (selfStakeOf(c) === 0n) throw new TxError('SELF_STAKE_TOO_LOW', 'the candidate has no self-stake left: delegate to yourself first');
  writeCandidate(state, { ...c, jailedUntil: 0 });
}

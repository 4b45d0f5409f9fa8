/**
 * Read-only views of staking state for queries (RPC, CLI). Nothing here writes: every function
 * takes a StateReader (the store at the latest height, or an overlay in tests).
 */
import { bytesEqual, bytesKey } from '../../codec/bytes.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import type { StateReader } from '../../state/overlay.js';
import { earnedRewards } from './delegations.js';
import type { StakingParams } from './params.js';
import { readSigningInfo } from './signing-info.js';
import { selfStakeOf, valueOfShares } from './stake-shares.js';
import {
  CANDIDATE_WITHDRAWN,
  delegatorsOf,
  readAllCandidates,
  readBackups,
  readCandidate,
  readCandidateList,
  readDelegation,
  readOwnerOfConsensusAddress,
  readRedelegations,
  readStakingParams,
  readUnbondings,
  readValidators,
  type Candidate,
  type RedelegationEntry,
  type UnbondingEntry,
} from './records.js';

export interface DelegationView {
  candidate: Uint8Array;
  /** What the delegation's shares are worth now. */
  stake: bigint;
  shares: bigint;
  /** Rewards earned and not yet withdrawn (commission not included). */
  rewards: bigint;
  unbonding: UnbondingEntry[];
}

/** Status, most severe first: tombstoned (never returns), withdrawn, jailed (until unjailed), active. */
export type CandidateStatus = 'active' | 'withdrawn' | 'jailed' | 'tombstoned';

/** Where the candidate stands in the set chosen at the last election. */
export type CandidateRole = 'validator' | 'backup' | 'none';

export interface CandidateInfo {
  candidate: Candidate;
  selfStake: bigint;
  status: CandidateStatus;
  role: CandidateRole;
  /** Voting power as last reported to consensus; 0 unless a validator. */
  power: number;
  consensusAddress: Uint8Array;
  /** Delegations it holds (the self-stake included): what withdrawing the candidacy unbonds. */
  delegators: number;
}

export interface SigningView {
  startHeight: number;
  /** Blocks seen since startHeight (the window counts min(indexOffset, window) of them). */
  indexOffset: number;
  /** Blocks missed in the current window. */
  missed: number;
  window: number;
}

export interface ValidatorInfo {
  consensusKey: Uint8Array;
  consensusAddress: Uint8Array;
  power: number;
  /** The candidate behind the key; undefined for a validator of a fixed genesis set (no candidacy). */
  owner: Uint8Array | undefined;
  candidate: CandidateInfo | undefined;
  signing: SigningView | undefined;
}

export interface RewardEntry {
  candidate: Uint8Array;
  /** The delegation's unpaid rewards. */
  rewards: bigint;
  /** Unpaid commission: only for the candidate's owner. */
  commission: bigint;
}

export interface RewardsView {
  entries: RewardEntry[];
  total: bigint;
}

export interface UnbondingView {
  /** Per candidate, the entries still waiting for their completion height. */
  unbonding: { candidate: Uint8Array; entries: UnbondingEntry[] }[];
  /** Redelegations away from `from`, slashable there until they complete. */
  redelegations: { from: Uint8Array; entries: RedelegationEntry[] }[];
  /** CMT on its way back to the delegator (redelegated stake is not: it is bonded at its target). */
  totalUnbonding: bigint;
}

export function candidate(state: StateReader, owner: Uint8Array): Candidate | undefined {
  return readCandidate(state, owner);
}

export function candidateStatus(c: Candidate): CandidateStatus {
  if (c.tombstoned) return 'tombstoned';
  if (c.status === CANDIDATE_WITHDRAWN) return 'withdrawn';
  if (c.jailedUntil !== 0) return 'jailed';
  return 'active';
}

/** Looks up the current set once, so that describing many candidates stays O(candidates + validators). */
function roleIndex(state: StateReader): (c: Candidate) => { role: CandidateRole; power: number } {
  const power = new Map(readValidators(state).map((v) => [bytesKey(v.consensusKey), v.power]));
  const backups = new Set(readBackups(state).map(bytesKey));
  return (c) => {
    const p = power.get(bytesKey(c.consensusKey));
    if (p !== undefined) return { role: 'validator', power: p };
    return { role: backups.has(bytesKey(c.owner)) ? 'backup' : 'none', power: 0 };
  };
}

function describe(state: StateReader, c: Candidate, role: { role: CandidateRole; power: number }): CandidateInfo {
  return {
    candidate: c,
    selfStake: selfStakeOf(c),
    status: candidateStatus(c),
    role: role.role,
    power: role.power,
    consensusAddress: addressFromPublicKey(c.consensusKey),
    delegators: delegatorsOf.size(state, c.owner),
  };
}

/** Every candidate ever declared, in declaration order, with status and role. */
export function candidateInfos(state: StateReader): CandidateInfo[] {
  const roleOf = roleIndex(state);
  return readAllCandidates(state).map((c) => describe(state, c, roleOf(c)));
}

export function candidateInfo(state: StateReader, owner: Uint8Array): CandidateInfo | undefined {
  const c = readCandidate(state, owner);
  return c && describe(state, c, roleIndex(state)(c));
}

/** The validator set as last reported to consensus, in its stored order, with owner, stake and signing record. */
export function validators(state: StateReader, params: StakingParams = readStakingParams(state)): ValidatorInfo[] {
  const roleOf = roleIndex(state);
  return readValidators(state).map((v) => {
    const consensusAddress = addressFromPublicKey(v.consensusKey);
    const owner = readOwnerOfConsensusAddress(state, consensusAddress);
    const c = owner && readCandidate(state, owner);
    const info = owner && readSigningInfo(state, owner);
    return {
      consensusKey: v.consensusKey,
      consensusAddress,
      power: v.power,
      owner,
      candidate: c ? describe(state, c, roleOf(c)) : undefined,
      signing: info ? { startHeight: info.startHeight, indexOffset: info.indexOffset, missed: info.missed, window: params.signedBlocksWindow } : undefined,
    };
  });
}

/** The backups chosen at the last election, in rank order. */
export function backups(state: StateReader): CandidateInfo[] {
  const roleOf = roleIndex(state);
  return readBackups(state)
    .map((owner) => readCandidate(state, owner))
    .filter((c): c is Candidate => c !== undefined)
    .map((c) => describe(state, c, roleOf(c)));
}

/** Every candidate `delegator` has stake or unbonding entries with. */
export function delegationsOf(state: StateReader, delegator: Uint8Array): DelegationView[] {
  const out: DelegationView[] = [];
  for (const c of readAllCandidates(state)) {
    const d = readDelegation(state, delegator, c.owner);
    const unbonding = readUnbondings(state, delegator, c.owner);
    if (!d && unbonding.length === 0) continue;
    const stake = d ? valueOfShares(c, d.shares) : 0n;
    const rewards = d ? earnedRewards(c, d.shares, d.rewardPerShareAtLastChange) : 0n;
    out.push({ candidate: c.owner, stake, shares: d?.shares ?? 0n, rewards, unbonding });
  }
  return out;
}

/**
 * What `withdrawRewards` would pay `address` now, per candidate: the delegation's rewards and,
 * where `address` owns the candidate, its unpaid commission.
 */
export function rewardsOf(state: StateReader, address: Uint8Array): RewardsView {
  const entries: RewardEntry[] = [];
  let total = 0n;
  for (const c of readAllCandidates(state)) {
    const d = readDelegation(state, address, c.owner);
    const own = bytesEqual(address, c.owner);
    if (!d && !own) continue;
    const rewards = d ? earnedRewards(c, d.shares, d.rewardPerShareAtLastChange) : 0n;
    const commission = own ? c.commission : 0n;
    entries.push({ candidate: c.owner, rewards, commission });
    total += rewards + commission;
  }
  return { entries, total };
}

/**
 * Every unbonding entry of `delegator`, and its redelegations still slashable at their source.
 * With `height` (the latest committed height), redelegation entries that completed by then are
 * left out (they are pruned from state lazily, at the next redelegation from that source).
 */
export function unbondingOf(state: StateReader, delegator: Uint8Array, height?: number): UnbondingView {
  const view: UnbondingView = { unbonding: [], redelegations: [], totalUnbonding: 0n };
  for (const owner of readCandidateList(state)) {
    const entries = readUnbondings(state, delegator, owner);
    if (entries.length > 0) {
      view.unbonding.push({ candidate: owner, entries });
      view.totalUnbonding += entries.reduce((s, e) => s + e.amount, 0n);
    }
    const moved = readRedelegations(state, owner, delegator).filter((e) => height === undefined || e.completesAt > height);
    if (moved.length > 0) view.redelegations.push({ from: owner, entries: moved });
  }
  return view;
}

export function stakingParams(state: StateReader): StakingParams {
  return readStakingParams(state);
}

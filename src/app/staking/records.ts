/**
 * Staking state (spec/staking.md): candidates, delegations, unbonding and redelegation entries,
 * the validator set, and the pools that hold staked and unpaid CMT, each under its own key
 * prefix. Everything is reachable by key, without range scans: the candidate list, the
 * per-height unbonding queue and the member sets are records of their own.
 */
import { concatBytes, u64be, utf8 } from '../../codec/bytes.js';
import { boolean, encode, fixedBytes, list, safeUint, struct, text, uint, type Infer } from '../../codec/schema.js';
import { CmtError } from '../../codec/errors.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { readRecord } from '../../state/read-record.js';
import { MemberSet } from './member-set.js';
import { DEFAULT_STAKING_PARAMS, StakingParams } from './params.js';

export const CANDIDATE_ACTIVE = 0;
export const CANDIDATE_WITHDRAWN = 1;

/**
 * A candidate's stake is held as shares, as the Cosmos SDK's validator shares: a delegation
 * owns `shares` of the candidate's `totalShares`, worth `shares x totalStake / totalShares`.
 * A slash lowers `totalStake` alone, so every delegation loses in proportion at O(1) cost.
 */
export const Candidate = struct('Candidate', {
  owner: fixedBytes(20),
  consensusKey: fixedBytes(32),
  /** CMT bonded: self-stake plus every delegation, less slashes. */
  totalStake: uint(256),
  totalShares: uint(256),
  /** The owner's own delegation's shares (the self-stake). */
  selfShares: uint(256),
  maxStake: uint(256),
  commissionBps: safeUint,
  commissionChangedAt: safeUint,
  status: safeUint,
  /** 0: not jailed. Otherwise the first height at which `unjail` is accepted. */
  jailedUntil: safeUint,
  tombstoned: boolean,
  /** F1 accumulator: rewards per share since creation, times PRECISION. */
  rewardPerShare: uint(256),
  /** Commission earned and not yet withdrawn. */
  commission: uint(256),
  name: text(64),
  website: text(128),
  description: text(512),
  createdAt: safeUint,
});
export type Candidate = Infer<typeof Candidate>;

export const Delegation = struct('Delegation', {
  shares: uint(256),
  /** The candidate's rewardPerShare when this delegation last changed (and was paid out). */
  rewardPerShareAtLastChange: uint(256),
});
export type Delegation = Infer<typeof Delegation>;

export const UnbondingEntry = struct('UnbondingEntry', {
  amount: uint(256),
  createdAt: safeUint,
  completesAt: safeUint,
});
export type UnbondingEntry = Infer<typeof UnbondingEntry>;

/** Stake moved from one candidate to another: slashable at the source until `completesAt`. */
export const RedelegationEntry = struct('RedelegationEntry', {
  to: fixedBytes(20),
  amount: uint(256),
  createdAt: safeUint,
  completesAt: safeUint,
});
export type RedelegationEntry = Infer<typeof RedelegationEntry>;

/** A member of the validator set as the application last reported it to consensus. */
export const ValidatorRecord = struct('ValidatorRecord', {
  consensusKey: fixedBytes(32),
  power: safeUint,
});
export type ValidatorRecord = Infer<typeof ValidatorRecord>;

const UnbondingEntries = list(UnbondingEntry, 1000);
const RedelegationEntries = list(RedelegationEntry, 1000);
const Validators = list(ValidatorRecord, 10_000);
const Addresses = list(fixedBytes(20), 1_000_000);
const Pair = struct('DelegationPair', { delegator: fixedBytes(20), candidate: fixedBytes(20) });
const Pairs = list(Pair, 1_000_000);

/** Fixed point of the reward accumulators. */
export const PRECISION = 10n ** 27n;

const K = {
  params: utf8('stk/params'),
  candidate: utf8('stk/c/'),
  candidates: utf8('stk/cands'),
  consensusKey: utf8('stk/ck/'),
  /** By consensus address (what votes and commits name): the owner. */
  consensusAddress: utf8('stk/ca/'),
  delegation: utf8('stk/d/'),
  unbonding: utf8('stk/u/'),
  unbondingQueue: utf8('stk/uq/'),
  redelegations: utf8('stk/r/'),
  validators: utf8('stk/vals'),
  backups: utf8('stk/backups'),
  genesisSupply: utf8('stk/genesis-supply'),
  elections: utf8('stk/elections'),
  /** Pools: CMT held by staking, so the supply invariant can count it. */
  bonded: utf8('stk/pool/bonded'),
  unbondingPool: utf8('stk/pool/unbonding'),
  rewards: utf8('stk/pool/rewards'),
  community: utf8('stk/pool/community'),
};

export function readStakingParams(state: StateReader): StakingParams {
  return readRecord(state, K.params, StakingParams, 'staking params') ?? DEFAULT_STAKING_PARAMS;
}

export function writeStakingParams(state: Overlay, params: StakingParams): void {
  state.set(K.params, encode(StakingParams, params));
}

export const candidateKey = (owner: Uint8Array): Uint8Array => concatBytes(K.candidate, owner);
export const delegationKey = (delegator: Uint8Array, candidate: Uint8Array): Uint8Array => concatBytes(K.delegation, delegator, candidate);

export function readCandidate(state: StateReader, owner: Uint8Array): Candidate | undefined {
  return readRecord(state, candidateKey(owner), Candidate, 'candidate');
}

export function writeCandidate(state: Overlay, c: Candidate): void {
  state.set(candidateKey(c.owner), encode(Candidate, c));
}

/** Every candidate ever declared (withdrawn ones included), in declaration order. */
export function readCandidateList(state: StateReader): Uint8Array[] {
  return readRecord(state, K.candidates, Addresses, 'candidate list') ?? [];
}

/** Every candidate record, in declaration order. */
export function readAllCandidates(state: StateReader): Candidate[] {
  return readCandidateList(state)
    .map((owner) => readCandidate(state, owner))
    .filter((c): c is Candidate => c !== undefined);
}

/** The size of the candidate list as stored, without decoding it (what rewriting it costs). */
export function candidateListBytes(state: StateReader): number {
  return state.get(K.candidates)?.length ?? 0;
}

export function writeCandidateList(state: Overlay, owners: Uint8Array[]): void {
  state.set(K.candidates, encode(Addresses, owners));
}

export function readConsensusKeyOwner(state: StateReader, key: Uint8Array): Uint8Array | undefined {
  return state.get(concatBytes(K.consensusKey, key));
}

/** Indexes a consensus key two ways: by the key (no two candidates share one) and by its address (votes name addresses). */
export function writeConsensusKeyOwner(state: Overlay, key: Uint8Array, owner: Uint8Array): void {
  state.set(concatBytes(K.consensusKey, key), owner);
  state.set(concatBytes(K.consensusAddress, addressFromPublicKey(key)), owner);
}

/** The candidate whose consensus key has this address (a validator named in a commit). */
export function readOwnerOfConsensusAddress(state: StateReader, address: Uint8Array): Uint8Array | undefined {
  return state.get(concatBytes(K.consensusAddress, address));
}

/** Delegators with stake at a candidate, so withdrawing a candidacy can unbond every one. */
export const delegatorsOf = new MemberSet(utf8('stk/ds/'));
/** Delegators with unbonding entries at a candidate, so a slash can reach them. */
export const unbondersOf = new MemberSet(utf8('stk/us/'));
/** Delegators who redelegated away from a candidate and may still be slashed for it. */
export const redelegatorsOf = new MemberSet(utf8('stk/rs/'));

export function readDelegation(state: StateReader, delegator: Uint8Array, candidate: Uint8Array): Delegation | undefined {
  return readRecord(state, delegationKey(delegator, candidate), Delegation, 'delegation');
}

export function writeDelegation(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, d: Delegation): void {
  if (d.shares === 0n) {
    state.delete(delegationKey(delegator, candidate));
    delegatorsOf.remove(state, candidate, delegator);
  } else {
    state.set(delegationKey(delegator, candidate), encode(Delegation, d));
    delegatorsOf.add(state, candidate, delegator);
  }
}

export function readUnbondings(state: StateReader, delegator: Uint8Array, candidate: Uint8Array): UnbondingEntry[] {
  return readRecord(state, concatBytes(K.unbonding, delegator, candidate), UnbondingEntries, 'unbonding entries') ?? [];
}

export function writeUnbondings(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, entries: UnbondingEntry[]): void {
  const key = concatBytes(K.unbonding, delegator, candidate);
  if (entries.length === 0) {
    state.delete(key);
    unbondersOf.remove(state, candidate, delegator);
  } else {
    state.set(key, encode(UnbondingEntries, entries));
    unbondersOf.add(state, candidate, delegator);
  }
}

/** Redelegations of `delegator` away from `from`, still slashable there. */
export function readRedelegations(state: StateReader, from: Uint8Array, delegator: Uint8Array): RedelegationEntry[] {
  return readRecord(state, concatBytes(K.redelegations, from, delegator), RedelegationEntries, 'redelegations') ?? [];
}

export function writeRedelegations(state: Overlay, from: Uint8Array, delegator: Uint8Array, entries: RedelegationEntry[]): void {
  const key = concatBytes(K.redelegations, from, delegator);
  if (entries.length === 0) {
    state.delete(key);
    redelegatorsOf.remove(state, from, delegator);
  } else {
    state.set(key, encode(RedelegationEntries, entries));
    redelegatorsOf.add(state, from, delegator);
  }
}

/** The validator set as last reported to consensus (InitChain, then each change). */
export function readValidators(state: StateReader): ValidatorRecord[] {
  return readRecord(state, K.validators, Validators, 'validator set') ?? [];
}

export function writeValidators(state: Overlay, validators: ValidatorRecord[]): void {
  state.set(K.validators, encode(Validators, validators));
}

/** Candidates ranked right below the validators at the last election: they earn the backup share. */
export function readBackups(state: StateReader): Uint8Array[] {
  return readRecord(state, K.backups, Addresses, 'backups') ?? [];
}

export function writeBackups(state: Overlay, owners: Uint8Array[]): void {
  state.set(K.backups, encode(Addresses, owners));
}

/** Inflation is a share of the genesis supply (not compounding), so genesis records it. */
export function readGenesisSupply(state: StateReader): bigint {
  return readRecord(state, K.genesisSupply, uint(256), 'genesis supply') ?? 0n;
}

export function writeGenesisSupply(state: Overlay, supply: bigint): void {
  state.set(K.genesisSupply, encode(uint(256), supply));
}

/** The size of the unbonding queue of `height` as stored, without decoding it (what rewriting it costs). */
export function unbondingQueueBytes(state: StateReader, height: number): number {
  return state.get(concatBytes(K.unbondingQueue, u64be(height)))?.length ?? 0;
}

/** The (delegator, candidate) pairs with an unbonding entry completing at `height`. */
export function readUnbondingQueue(state: StateReader, height: number): { delegator: Uint8Array; candidate: Uint8Array }[] {
  return readRecord(state, concatBytes(K.unbondingQueue, u64be(height)), Pairs, 'unbonding queue') ?? [];
}

export function writeUnbondingQueue(state: Overlay, height: number, pairs: { delegator: Uint8Array; candidate: Uint8Array }[]): void {
  const key = concatBytes(K.unbondingQueue, u64be(height));
  if (pairs.length === 0) state.delete(key);
  else state.set(key, encode(Pairs, pairs));
}

export type Pool = 'bonded' | 'unbondingPool' | 'rewards' | 'community';

export function readPool(state: StateReader, pool: Pool): bigint {
  return readRecord(state, K[pool], uint(256), pool) ?? 0n;
}

export function addToPool(state: Overlay, pool: Pool, delta: bigint): void {
  const next = readPool(state, pool) + delta;
  if (next < 0n) throw new CmtError('STAKING_INVARIANT', `staking pool ${pool} would go negative`);
  state.set(K[pool], encode(uint(256), next));
}

/**
 * Whether candidates elect the validator set. Only a genesis that declares candidates turns it
 * on: a chain started with a fixed set (tests, simulations) keeps it, and one late candidate
 * cannot take such a chain over.
 */
export function electionsEnabled(state: StateReader): boolean {
  return state.get(K.elections) !== undefined;
}

export function enableElections(state: Overlay): void {
  state.set(K.elections, Uint8Array.of(1));
}

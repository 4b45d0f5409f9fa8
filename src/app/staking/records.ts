/**
 * Staking state (spec/staking.md): candidates, delegations, unbonding entries and the pools
 * that hold staked and unpaid CMT, each under its own key prefix. Everything a block needs is
 * reachable by key, without range scans: the candidate list and the per-height unbonding
 * queue are records of their own.
 */
import { concatBytes, u64be, utf8 } from '../../codec/bytes.js';
import { boolean, decode, encode, fixedBytes, list, safeUint, struct, text, uint, type Codec, type Infer } from '../../codec/schema.js';
import { CmtError } from '../../codec/errors.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { DEFAULT_STAKING_PARAMS, StakingParams } from './params.js';

export const CANDIDATE_ACTIVE = 0;
export const CANDIDATE_WITHDRAWN = 1;

export const Candidate = struct('Candidate', {
  owner: fixedBytes(20),
  consensusKey: fixedBytes(32),
  /** Self-stake plus every delegation (the owner's own delegation is the self-stake). */
  totalStake: uint(256),
  selfStake: uint(256),
  maxStake: uint(256),
  commissionBps: safeUint,
  commissionChangedAt: safeUint,
  status: safeUint,
  jailedUntil: safeUint,
  tombstoned: boolean,
  /** F1 accumulator: rewards per base unit of stake since creation, times PRECISION. */
  rewardPerStake: uint(256),
  /** Commission earned and not yet withdrawn. */
  commission: uint(256),
  name: text(64),
  website: text(128),
  description: text(512),
  createdAt: safeUint,
});
export type Candidate = Infer<typeof Candidate>;

export const Delegation = struct('Delegation', {
  stake: uint(256),
  /** The candidate's rewardPerStake when this delegation last changed (and was paid out). */
  rewardPerStakeAtLastChange: uint(256),
});
export type Delegation = Infer<typeof Delegation>;

export const UnbondingEntry = struct('UnbondingEntry', {
  amount: uint(256),
  createdAt: safeUint,
  completesAt: safeUint,
});
export type UnbondingEntry = Infer<typeof UnbondingEntry>;

const UnbondingEntries = list(UnbondingEntry, 1000);
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
  /** Pools: CMT held by staking, so the supply invariant can count it. */
  bonded: utf8('stk/pool/bonded'),
  unbondingPool: utf8('stk/pool/unbonding'),
  rewards: utf8('stk/pool/rewards'),
  community: utf8('stk/pool/community'),
};

function read<T>(state: StateReader, key: Uint8Array, codec: Codec<T>, what: string): T | undefined {
  const raw = state.get(key);
  return raw === undefined ? undefined : decode(codec, raw, what);
}

export function readStakingParams(state: StateReader): StakingParams {
  return read(state, K.params, StakingParams, 'staking params') ?? DEFAULT_STAKING_PARAMS;
}

export function writeStakingParams(state: Overlay, params: StakingParams): void {
  state.set(K.params, encode(StakingParams, params));
}

export const candidateKey = (owner: Uint8Array): Uint8Array => concatBytes(K.candidate, owner);
export const delegationKey = (delegator: Uint8Array, candidate: Uint8Array): Uint8Array => concatBytes(K.delegation, delegator, candidate);

export function readCandidate(state: StateReader, owner: Uint8Array): Candidate | undefined {
  return read(state, candidateKey(owner), Candidate, 'candidate');
}

export function writeCandidate(state: Overlay, c: Candidate): void {
  state.set(candidateKey(c.owner), encode(Candidate, c));
}

/** Every candidate ever declared (withdrawn ones included), in declaration order. */
export function readCandidateList(state: StateReader): Uint8Array[] {
  return read(state, K.candidates, Addresses, 'candidate list') ?? [];
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

export function readDelegation(state: StateReader, delegator: Uint8Array, candidate: Uint8Array): Delegation | undefined {
  return read(state, delegationKey(delegator, candidate), Delegation, 'delegation');
}

export function writeDelegation(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, d: Delegation): void {
  if (d.stake === 0n) state.delete(delegationKey(delegator, candidate));
  else state.set(delegationKey(delegator, candidate), encode(Delegation, d));
}

export function readUnbondings(state: StateReader, delegator: Uint8Array, candidate: Uint8Array): UnbondingEntry[] {
  return read(state, concatBytes(K.unbonding, delegator, candidate), UnbondingEntries, 'unbonding entries') ?? [];
}

export function writeUnbondings(state: Overlay, delegator: Uint8Array, candidate: Uint8Array, entries: UnbondingEntry[]): void {
  const key = concatBytes(K.unbonding, delegator, candidate);
  if (entries.length === 0) state.delete(key);
  else state.set(key, encode(UnbondingEntries, entries));
}

/** The (delegator, candidate) pairs with an unbonding entry completing at `height`. */
export function readUnbondingQueue(state: StateReader, height: number): { delegator: Uint8Array; candidate: Uint8Array }[] {
  return read(state, concatBytes(K.unbondingQueue, u64be(height)), Pairs, 'unbonding queue') ?? [];
}

export function writeUnbondingQueue(state: Overlay, height: number, pairs: { delegator: Uint8Array; candidate: Uint8Array }[]): void {
  const key = concatBytes(K.unbondingQueue, u64be(height));
  if (pairs.length === 0) state.delete(key);
  else state.set(key, encode(Pairs, pairs));
}

export type Pool = 'bonded' | 'unbondingPool' | 'rewards' | 'community';

export function readPool(state: StateReader, pool: Pool): bigint {
  return read(state, K[pool], uint(256), pool) ?? 0n;
}

export function addToPool(state: Overlay, pool: Pool, delta: bigint): void {
  const next = readPool(state, pool) + delta;
  if (next < 0n) throw new CmtError('STAKING_INVARIANT', `staking pool ${pool} would go negative`);
  state.set(K[pool], encode(uint(256), next));
}

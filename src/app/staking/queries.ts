/** Read-only views of staking state for queries (RPC, CLI). */
import type { StateReader } from '../../state/overlay.js';
import { earnedRewards } from './delegations.js';
import { valueOfShares } from './stake-shares.js';
import { readCandidate, readCandidateList, readDelegation, readUnbondings, type Candidate, type UnbondingEntry } from './records.js';

export interface DelegationView {
  candidate: Uint8Array;
  stake: bigint;
  /** Rewards earned and not yet withdrawn (commission not included). */
  rewards: bigint;
  unbonding: UnbondingEntry[];
}

export function candidates(state: StateReader): Candidate[] {
  return readCandidateList(state)
    .map((owner) => readCandidate(state, owner))
    .filter((c): c is Candidate => c !== undefined);
}

export function candidate(state: StateReader, owner: Uint8Array): Candidate | undefined {
  return readCandidate(state, owner);
}

/** Every candidate `delegator` has stake or unbonding entries with. */
export function delegationsOf(state: StateReader, delegator: Uint8Array): DelegationView[] {
  const out: DelegationView[] = [];
  for (const c of candidates(state)) {
    const d = readDelegation(state, delegator, c.owner);
    const unbonding = readUnbondings(state, delegator, c.owner);
    if (!d && unbonding.length === 0) continue;
    const stake = d ? valueOfShares(c, d.shares) : 0n;
    const rewards = d ? earnedRewards(c, d.shares, d.rewardPerShareAtLastChange) : 0n;
    out.push({ candidate: c.owner, stake, rewards, unbonding });
  }
  return out;
}

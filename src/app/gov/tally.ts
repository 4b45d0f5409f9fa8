/**
 * The tally (spec/governance.md, "Tally"), Cosmos x/gov style: voting power is bonded stake, and
 * a candidate's owner votes with the candidate's whole stake less the stake of its delegators
 * who voted themselves. Delegations cannot be listed per delegator without a range scan, so
 * the tally walks candidates × voters (voters are few, and capped at MAX_VOTERS).
 */
import { bytesKey } from '../../codec/bytes.js';
import type { VoteOption } from '../../codec/tx.js';
import type { StateReader } from '../../state/overlay.js';
import { BPS, type StakingParams } from '../staking/params.js';
import { CANDIDATE_ACTIVE, readCandidate, readCandidateList, readDelegation } from '../staking/records.js';
import { valueOfShares } from '../staking/stake-shares.js';
import { readVote, readVoters, type ProposalStatus, type Tally } from './records.js';

/** The stake behind each option if voting ended now. Reads only. */
export function tallyVotes(state: StateReader, id: number): Tally {
  const votes = readVoters(state, id).flatMap((voter) => {
    const option = readVote(state, id, voter);
    return option === undefined ? [] : [{ voter, key: bytesKey(voter), option }];
  });
  const byVoter = new Map(votes.map((v) => [v.key, v.option]));
  const sum: Record<VoteOption, bigint> = { yes: 0n, no: 0n, abstain: 0n };
  let bonded = 0n;
  for (const owner of readCandidateList(state)) {
    const c = readCandidate(state, owner);
    // Withdrawn candidates hold no bonded stake; the same set is the quorum's denominator.
    if (!c || c.status !== CANDIDATE_ACTIVE || c.totalStake === 0n) continue;
    bonded += c.totalStake;
    const ownerKey = bytesKey(owner);
    let votedByDelegators = 0n;
    for (const v of votes) {
      if (v.key === ownerKey) continue; // the self-stake is part of what the owner votes with below
      const d = readDelegation(state, v.voter, owner);
      if (!d || d.shares === 0n) continue;
      const value = valueOfShares(c, d.shares);
      sum[v.option] += value;
      votedByDelegators += value;
    }
    const ownerOption = byVoter.get(ownerKey);
    // Shares round down, so the delegators' values never add up to more than totalStake.
    if (ownerOption !== undefined) sum[ownerOption] += c.totalStake - votedByDelegators;
  }
  return { yes: sum.yes, no: sum.no, abstain: sum.abstain, bonded };
}

/**
 * Quorum: the stake that voted (abstain included) is more than govQuorumBps of bonded stake.
 * Pass: more than govPassBps of the yes+no stake said yes. Integer arithmetic, strict inequalities.
 */
export function outcomeOf(t: Tally, params: StakingParams): Extract<ProposalStatus, 'passed' | 'rejected' | 'rejected-no-quorum'> {
  const voted = t.yes + t.no + t.abstain;
  if (voted * BigInt(BPS) <= BigInt(params.govQuorumBps) * t.bonded || voted === 0n) return 'rejected-no-quorum';
  return t.yes * BigInt(BPS) > BigInt(params.govPassBps) * (t.yes + t.no) ? 'passed' : 'rejected';
}

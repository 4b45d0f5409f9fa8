/**
 * Submitting proposals and voting (spec/governance.md, "Transactions"). Each function checks
 * everything before it writes anything and throws TxError; the transaction then fails and its
 * writes are discarded.
 */
import { bytesEqual } from '../../codec/bytes.js';
import { VOTE_OPTIONS, type Msg, type VoteOption } from '../../codec/tx.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { debit } from '../bank/accounts.js';
import { REWRITE_GAS_PER_BYTE } from '../gas.js';
import { TxError } from '../errors.js';
import type { StakingParams } from '../staking/params.js';
import { CANDIDATE_ACTIVE, candidateListBytes, readCandidate, readCandidateList, readDelegation, readPool } from '../staking/records.js';
import { applyParamChanges } from './param-registry.js';
import { readParamSet } from './param-state.js';
import {
  addToDeposits,
  EMPTY_TALLY,
  MAX_VOTERS,
  openProposalsBytes,
  readLastProposalId,
  readOpenProposals,
  readProposal,
  readVote,
  readVoters,
  votersBytes,
  writeLastProposalId,
  writeOpenProposals,
  writeProposal,
  writeVote,
  writeVoters,
  type Proposal,
} from './records.js';

export type SubmitProposal = Omit<Extract<Msg, { type: 'submitProposal' }>, 'type'>;


/** Throws INVALID_PROPOSAL unless the change could be executed against the current state. */
export function checkChange(state: StateReader, change: SubmitProposal['change']): void {
  switch (change.type) {
    case 'params':
      applyParamChanges(readParamSet(state), change.changes);
      return;
    case 'communitySpend': {
      if (change.amount <= 0n) throw new TxError('INVALID_PROPOSAL', 'a community spend must be of a positive amount');
      const pool = readPool(state, 'community');
      if (change.amount > pool) throw new TxError('INVALID_PROPOSAL', `the community pool holds ${pool}, less than the ${change.amount} asked`);
      return;
    }
  }
}

/** `chargeGas` is told, before the list of open proposals is read, what rewriting it and this proposal's share of its tally cost. */
export function submitProposal(state: Overlay, proposer: Uint8Array, msg: SubmitProposal, height: number, params: StakingParams, reserved = 0n, chargeGas: (amount: number) => void = () => undefined): Proposal {
  if (msg.title.trim() === '') throw new TxError('INVALID_PROPOSAL', 'a proposal needs a title');
  if (msg.deposit < params.govDeposit) throw new TxError('INVALID_PROPOSAL', `the deposit ${msg.deposit} is below the minimum ${params.govDeposit}`);
  const votingEndHeight = height + params.govVotingBlocks;
  if (msg.effectiveHeight !== 0 && msg.effectiveHeight < votingEndHeight) {
    throw new TxError('INVALID_PROPOSAL', `the effective height ${msg.effectiveHeight} is before the end of voting at ${votingEndHeight}`);
  }
  checkChange(state, msg.change);
  debit(state, proposer, msg.deposit, reserved);
  addToDeposits(state, msg.deposit);
  const id = readLastProposalId(state) + 1;
  const proposal: Proposal = {
    id,
    proposer,
    title: msg.title,
    description: msg.description,
    change: msg.change,
    deposit: msg.deposit,
    submitHeight: height,
    votingEndHeight,
    effectiveHeight: msg.effectiveHeight === 0 ? votingEndHeight : msg.effectiveHeight,
    status: 'voting',
    tally: EMPTY_TALLY,
    failure: '',
  };
  writeProposal(state, proposal);
  writeLastProposalId(state, id);
  chargeGas(REWRITE_GAS_PER_BYTE * openProposalsBytes(state) + TALLY_GAS_PER_CANDIDATE * candidatesListed(state));
  writeOpenProposals(state, [...readOpenProposals(state), { id, votingEndHeight }]);
  return proposal;
}

/**
 * Gas a vote pays per candidate its stake check looks at (a delegation read, and the
 * candidate's record when there is one): the scan reads up to every candidate, so a fixed
 * price would let a voter make every node read thousands of records for the gas of a transfer.
 */
export const VOTE_GAS_PER_CANDIDATE = 2_000;

/**
 * Gas per candidate for the tally when voting ends, paid in advance: EndBlock reads every
 * candidate's record once per proposal and, per voter, its delegation at each candidate. The
 * submission pays for the first, each new voter for its own reads, so no one can make EndBlock
 * read candidates x voters records it was not paid for.
 */
export const TALLY_GAS_PER_CANDIDATE = 1_000;

/** Candidates in the list, from its stored size (21 bytes each) without decoding it; at least their number. */
function candidatesListed(state: StateReader): number {
  return Math.ceil(candidateListBytes(state) / 21);
}

/**
 * Bonded stake of any kind: the owner of an active candidate, or a delegation with one.
 * `chargeGas` is told, before each candidate is read, what reading it costs.
 */
export function hasStake(state: StateReader, address: Uint8Array, chargeGas: (amount: number) => void = () => undefined): boolean {
  const own = readCandidate(state, address);
  if (own && own.status === CANDIDATE_ACTIVE && own.totalStake > 0n) return true;
  return readCandidateList(state).some((owner) => {
    if (bytesEqual(owner, address)) return false;
    chargeGas(VOTE_GAS_PER_CANDIDATE);
    const d = readDelegation(state, address, owner);
    return d !== undefined && d.shares > 0n && readCandidate(state, owner)?.status === CANDIDATE_ACTIVE;
  });
}

export function voteOptionOf(option: number): VoteOption {
  const name = VOTE_OPTIONS[option];
  if (name === undefined) throw new TxError('TX_DECODE', `vote option ${option} is not 0 (yes), 1 (no) or 2 (abstain)`);
  return name;
}

/** Records (or replaces) the sender's vote; returns the option recorded. `chargeGas` pays for the stake check (hasStake). */
export function castVote(state: Overlay, voter: Uint8Array, proposalId: number, option: number, height: number, chargeGas: (amount: number) => void = () => undefined): VoteOption {
  const choice = voteOptionOf(option);
  const p = readProposal(state, proposalId);
  if (!p) throw new TxError('UNKNOWN_PROPOSAL', `no proposal ${proposalId}`);
  if (p.status !== 'voting' || height > p.votingEndHeight) throw new TxError('VOTING_CLOSED', `voting on proposal ${proposalId} ended at height ${p.votingEndHeight}`);
  if (!hasStake(state, voter, chargeGas)) throw new TxError('NO_STAKE', 'only a candidate or a delegator with bonded stake may vote');
  if (readVote(state, proposalId, voter) === undefined) {
    chargeGas(REWRITE_GAS_PER_BYTE * votersBytes(state, proposalId) + TALLY_GAS_PER_CANDIDATE * candidatesListed(state));
    const voters = readVoters(state, proposalId);
    // The tally costs voters × candidates reads; past the cap only those who voted may change their vote.
    if (voters.length >= MAX_VOTERS) {
      throw new TxError('VOTING_CLOSED', `proposal ${proposalId} has reached its limit of ${MAX_VOTERS} distinct voters; it accepts only changed votes`);
    }
    writeVoters(state, proposalId, [...voters, voter]);
  }
  writeVote(state, proposalId, voter, choice);
  return choice;
}

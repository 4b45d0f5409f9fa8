import { describe, expect, it } from 'vitest';
import { readAccount } from '../../../src/app/bank/accounts.js';
import { executeGovMessage } from '../../../src/app/gov/messages.js';
import { castVote, submitProposal } from '../../../src/app/gov/proposals.js';
import { proposal, proposalToJson, proposals, proposalVotes, voteToJson } from '../../../src/app/gov/queries.js';
import { MAX_VOTERS, readDeposits, readOpenProposals, writeVoters } from '../../../src/app/gov/records.js';
import { formatAddress } from '../../../src/crypto/address.js';
import { addCandidate, addDelegation, addr, attrs, CMT, emptyState, fund, fundCommunity, PARAMS, paramsProposal, spendProposal, tx } from './gov-fixtures.js';

const PROPOSER = addr(0);
const VALIDATOR = addr(1);
const DELEGATOR = addr(2);
const NOBODY = addr(3);

function world() {
  const s = emptyState();
  fund(s, PROPOSER, 1000n * CMT);
  fund(s, NOBODY, 1000n * CMT);
  addCandidate(s, VALIDATOR, 100n * CMT);
  addDelegation(s, DELEGATOR, VALIDATOR, 50n * CMT);
  fundCommunity(s, 500n * CMT);
  return s;
}

const submit = (s: ReturnType<typeof world>, msg: Parameters<typeof submitProposal>[2], height = 5, reserved = 0n) =>
  tx(s, (t) => submitProposal(t, PROPOSER, msg, height, PARAMS, reserved)).code;

describe('submitting proposals', () => {
  it('rejects a deposit below govDeposit, an empty title and an effective height before the end of voting', () => {
    const s = world();
    expect(submit(s, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }], { deposit: PARAMS.govDeposit - 1n }))).toBe('INVALID_PROPOSAL');
    expect(submit(s, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }], { title: '  ' }))).toBe('INVALID_PROPOSAL');
    // Submitted at 5, voting ends at 15: 14 is too early, 15 is fine.
    expect(submit(s, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }], { effectiveHeight: 14 }))).toBe('INVALID_PROPOSAL');
    expect(readDeposits(s)).toBe(0n);
    expect(readAccount(s, PROPOSER).balance).toBe(1000n * CMT);
    expect(submit(s, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }], { effectiveHeight: 15 }))).toBeNull();
  });

  it('rejects unknown parameters, bad values and changes that leave invalid parameters', () => {
    const s = world();
    expect(submit(s, paramsProposal([{ name: 'staking.colour', value: '1' }]))).toBe('INVALID_PROPOSAL');
    expect(submit(s, paramsProposal([{ name: 'staking.epochBlocks', value: 'ten' }]))).toBe('INVALID_PROPOSAL');
    expect(submit(s, paramsProposal([{ name: 'staking.govPassBps', value: '4999' }]))).toBe('INVALID_PROPOSAL');
    // No consensus copy in this state (InitChain writes it): consensus changes are refused.
    expect(submit(s, paramsProposal([{ name: 'consensus.timeouts.commit_ms', value: '2000' }]))).toBe('INVALID_PROPOSAL');
  });

  it('checks a community spend against the pool, and the deposit against the balance less the fee reserve', () => {
    const s = world();
    expect(submit(s, spendProposal(NOBODY, 0n))).toBe('INVALID_PROPOSAL');
    expect(submit(s, spendProposal(NOBODY, 501n * CMT))).toBe('INVALID_PROPOSAL');
    expect(submit(s, spendProposal(NOBODY, 500n * CMT), 5, 901n * CMT)).toBe('INSUFFICIENT_FUNDS');
    expect(submit(s, spendProposal(NOBODY, 500n * CMT), 5, 900n * CMT)).toBeNull();
  });

  it('moves the deposit into the governance pool and records the proposal', () => {
    const s = world();
    const r = tx(s, (t) => executeGovMessage(t, PROPOSER, { type: 'submitProposal', ...spendProposal(NOBODY, 10n * CMT, { deposit: 150n * CMT }) }, 0n, 5, PARAMS));
    expect(r.code).toBeNull();
    expect(r.value?.[0]?.type).toBe('proposal_submitted');
    expect(attrs(r.value?.[0])).toMatchObject({ proposal: '1', proposer: formatAddress(PROPOSER), kind: 'communitySpend', deposit: String(150n * CMT), votingEndHeight: '15', effectiveHeight: '15' });
    expect(readAccount(s, PROPOSER).balance).toBe(850n * CMT);
    expect(readDeposits(s)).toBe(150n * CMT);
    expect(readOpenProposals(s)).toEqual([{ id: 1, votingEndHeight: 15 }]);
    expect(proposal(s, 1)).toMatchObject({ id: 1, status: 'voting', submitHeight: 5, votingEndHeight: 15, effectiveHeight: 15, deposit: 150n * CMT });
    tx(s, (t) => submitProposal(t, PROPOSER, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }]), 6, PARAMS));
    expect(proposals(s).map((p) => p.id)).toEqual([2, 1]);
    expect(proposalToJson(proposals(s)[1]!)).toMatchObject({ id: 1, deposit: '150000000000000000000', change: { type: 'communitySpend', recipient: formatAddress(NOBODY), amount: '10000000000000000000' }, status: 'voting' });
  });
});

describe('voting', () => {
  function withProposal() {
    const s = world();
    tx(s, (t) => submitProposal(t, PROPOSER, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }]), 5, PARAMS));
    return s;
  }
  const vote = (s: ReturnType<typeof world>, who: Uint8Array, id: number, option: number, height: number) => tx(s, (t) => castVote(t, who, id, option, height)).code;

  it('rejects unknown proposals, late votes, voters without stake and unknown options', () => {
    const s = withProposal();
    expect(vote(s, VALIDATOR, 2, 0, 6)).toBe('UNKNOWN_PROPOSAL');
    expect(vote(s, VALIDATOR, 1, 0, 16)).toBe('VOTING_CLOSED');
    expect(vote(s, NOBODY, 1, 0, 6)).toBe('NO_STAKE');
    expect(vote(s, PROPOSER, 1, 0, 6)).toBe('NO_STAKE');
    expect(vote(s, VALIDATOR, 1, 3, 6)).toBe('TX_DECODE');
    expect(proposalVotes(s, 1)).toEqual([]);
  });

  it('accepts votes of candidates and delegators up to the last voting height, and lets a voter change its mind', () => {
    const s = withProposal();
    expect(vote(s, VALIDATOR, 1, 0, 6)).toBeNull();
    expect(vote(s, DELEGATOR, 1, 1, 15)).toBeNull();
    expect(vote(s, VALIDATOR, 1, 2, 15)).toBeNull();
    expect(proposalVotes(s, 1)?.map(voteToJson)).toEqual([
      { voter: formatAddress(VALIDATOR), option: 'abstain' },
      { voter: formatAddress(DELEGATOR), option: 'no' },
    ]);
    expect(proposalVotes(s, 9)).toBeUndefined();
    const events = tx(s, (t) => executeGovMessage(t, DELEGATOR, { type: 'vote', proposalId: 1, option: 0 }, 0n, 7, PARAMS)).value;
    expect(events?.[0]?.type).toBe('proposal_vote');
    expect(attrs(events?.[0])).toEqual({ proposal: '1', voter: formatAddress(DELEGATOR), option: 'yes' });
  });

  it('caps the distinct voters of a proposal, still letting those who voted change their vote', () => {
    const s = withProposal();
    expect(vote(s, VALIDATOR, 1, 0, 6)).toBeNull();
    const others = Array.from({ length: MAX_VOTERS - 1 }, (_, i) => addr(1000 + i));
    writeVoters(s, 1, [VALIDATOR, ...others]);
    expect(vote(s, DELEGATOR, 1, 0, 7)).toBe('VOTING_CLOSED');
    expect(vote(s, VALIDATOR, 1, 1, 7)).toBeNull();
  });
});

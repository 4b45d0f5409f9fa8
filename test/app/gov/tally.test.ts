import { describe, expect, it } from 'vitest';
import { readAccount, readSupply } from '../../../src/app/bank/accounts.js';
import { endBlockGovernance } from '../../../src/app/gov/end-block.js';
import { castVote, submitProposal } from '../../../src/app/gov/proposals.js';
import { currentTally, proposal } from '../../../src/app/gov/queries.js';
import { readDeposits, readOpenProposals } from '../../../src/app/gov/records.js';
import { outcomeOf, tallyVotes } from '../../../src/app/gov/tally.js';
import { addCandidate, addDelegation, addr, attrs, CMT, emptyState, fund, heldCmt, PARAMS, paramsProposal, tx } from './gov-fixtures.js';

const PROPOSER = addr(0);
const A = addr(1);
const B = addr(2);
const D = addr(3);
const ACCOUNTS = [PROPOSER, A, B, D];
const YES = 0;
const NO = 1;

/** A: 100 own + 300 from D; B: 100 own. Bonded 500. A proposal submitted at 5 ends at 15. */
function world(options: { jailB?: boolean } = {}) {
  const s = emptyState();
  fund(s, PROPOSER, 1000n * CMT);
  addCandidate(s, A, 100n * CMT);
  addCandidate(s, B, 100n * CMT, options.jailB ? { jailedUntil: 1000 } : {});
  addDelegation(s, D, A, 300n * CMT);
  expect(tx(s, (t) => submitProposal(t, PROPOSER, paramsProposal([{ name: 'staking.epochBlocks', value: '50' }]), 5, PARAMS)).code).toBeNull();
  return s;
}

const vote = (s: ReturnType<typeof world>, who: Uint8Array, option: number) => expect(tx(s, (t) => castVote(t, who, 1, option, 10)).code).toBeNull();

describe('tally with inherited votes', () => {
  it("passes when a validator votes yes with its delegators' stake", () => {
    const s = world();
    vote(s, A, YES);
    vote(s, B, NO);
    expect(tallyVotes(s, 1)).toEqual({ yes: 400n * CMT, no: 100n * CMT, abstain: 0n, bonded: 500n * CMT });
    const end = endBlockGovernance(s, 15, PARAMS);
    // Effective at the end of voting: it passes and executes in the same block.
    expect(end.events.map((e) => e.type)).toEqual(['proposal_passed', 'proposal_executed']);
    expect(attrs(end.events[0])).toMatchObject({ proposal: '1', status: 'passed', yes: String(400n * CMT), no: String(100n * CMT), depositTo: expect.stringMatching(/^0x/) });
    expect(proposal(s, 1)?.status).toBe('executed');
    expect(proposal(s, 1)?.tally).toEqual({ yes: 400n * CMT, no: 100n * CMT, abstain: 0n, bonded: 500n * CMT });
    // Quorum reached: the deposit goes back.
    expect(readAccount(s, PROPOSER).balance).toBe(1000n * CMT);
    expect(readDeposits(s)).toBe(0n);
    expect(readOpenProposals(s)).toEqual([]);
  });

  it("lets a delegator override its validator's vote, which changes the outcome", () => {
    const s = world();
    vote(s, A, YES);
    vote(s, B, NO);
    vote(s, D, NO);
    // A keeps only its own 100; D's 300 go to "no".
    expect(currentTally(s, 1)).toEqual({ yes: 100n * CMT, no: 400n * CMT, abstain: 0n, bonded: 500n * CMT });
    const end = endBlockGovernance(s, 15, PARAMS);
    expect(end.events[0]?.type).toBe('proposal_rejected');
    expect(attrs(end.events[0]).status).toBe('rejected');
    expect(proposal(s, 1)?.status).toBe('rejected');
    expect(readAccount(s, PROPOSER).balance).toBe(1000n * CMT);
  });

  it('counts a delegator who votes across every candidate it delegates to, and a silent validator for nothing', () => {
    const s = world();
    addDelegation(s, D, B, 50n * CMT);
    vote(s, D, YES);
    expect(tallyVotes(s, 1)).toEqual({ yes: 350n * CMT, no: 0n, abstain: 0n, bonded: 550n * CMT });
  });

  it('counts a jailed validator as stake and its vote if it voted', () => {
    const s = world({ jailB: true });
    vote(s, B, NO);
    expect(tallyVotes(s, 1)).toEqual({ yes: 0n, no: 100n * CMT, abstain: 0n, bonded: 500n * CMT });
  });

  it('burns the deposit when quorum is missed, and the supply falls by it', () => {
    const s = world();
    vote(s, B, YES); // 100 of 500 bonded: 20% < 33.4%
    const supply = readSupply(s);
    expect(heldCmt(s, ACCOUNTS)).toBe(supply);
    // Before the end of voting nothing happens, and nothing is written.
    const quiet = s.child();
    expect(endBlockGovernance(quiet, 14, PARAMS)).toEqual({ events: [], consensusParams: null });
    expect(quiet.isEmpty).toBe(true);
    const end = endBlockGovernance(s, 15, PARAMS);
    expect(attrs(end.events[0])).toMatchObject({ status: 'rejected-no-quorum', depositTo: 'burned' });
    expect(proposal(s, 1)?.status).toBe('rejected-no-quorum');
    expect(readSupply(s)).toBe(supply - PARAMS.govDeposit);
    expect(readAccount(s, PROPOSER).balance).toBe(1000n * CMT - PARAMS.govDeposit);
    expect(readDeposits(s)).toBe(0n);
    expect(heldCmt(s, ACCOUNTS)).toBe(readSupply(s));
    // Voting is over.
    expect(tx(s, (t) => castVote(t, A, 1, YES, 15)).code).toBe('VOTING_CLOSED');
  });

  it('applies the quorum and pass thresholds with strict inequalities', () => {
    const t = (yes: bigint, no: bigint, abstain: bigint, bonded: bigint) => outcomeOf({ yes, no, abstain, bonded }, PARAMS);
    expect(t(0n, 0n, 3340n, 10_000n)).toBe('rejected-no-quorum');
    expect(t(3341n, 0n, 0n, 10_000n)).toBe('passed');
    expect(t(6667n, 3333n, 0n, 10_000n)).toBe('rejected'); // exactly 66.67% yes is not more than it
    expect(t(6668n, 3332n, 0n, 10_000n)).toBe('passed');
    expect(t(0n, 0n, 5000n, 10_000n)).toBe('rejected'); // quorum by abstention, no yes
    expect(t(0n, 0n, 0n, 0n)).toBe('rejected-no-quorum');
  });
});

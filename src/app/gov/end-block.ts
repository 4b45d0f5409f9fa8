/**
 * Governance at the end of each block (spec/governance.md, "End of block"): first the
 * proposals whose voting ended at this height are tallied and their deposits settled, then the
 * passed proposals due at this height are executed (a proposal may pass and execute in the
 * same block). A block with nothing to do reads one record and writes none.
 */
import type { ConsensusParams } from '../../codec/params.js';
import type { AppEvent } from '../../codec/results.js';
import { formatAddress } from '../../crypto/address.js';
import type { Overlay } from '../../state/overlay.js';
import { credit, readSupply, writeSupply } from '../bank/accounts.js';
import type { StakingParams } from '../staking/params.js';
import { govEvent, tallyAttributes } from './events.js';
import { executeChange } from './execute.js';
import { addToDeposits, readExecutionQueue, readOpenProposals, readProposal, writeExecutionQueue, writeOpenProposals, writeProposal, type Proposal } from './records.js';
import { outcomeOf, tallyVotes } from './tally.js';

export interface GovEndBlockResult {
  events: AppEvent[];
  /** The full new consensus parameters when a proposal changed them (FinalizeBlock's consensusParamUpdates), else null. */
  consensusParams: ConsensusParams | null;
}

/** Tallies a proposal whose voting ended, settles its deposit, and queues it for execution if it passed. */
function settle(state: Overlay, p: Proposal, height: number, params: StakingParams): AppEvent {
  const tally = tallyVotes(state, p.id);
  const status = outcomeOf(tally, params);
  addToDeposits(state, -p.deposit);
  const burned = status === 'rejected-no-quorum';
  if (burned) writeSupply(state, readSupply(state) - p.deposit);
  else credit(state, p.proposer, p.deposit);
  writeProposal(state, { ...p, status, tally });
  if (status === 'passed') {
    // Normally effectiveHeight ≥ height; the max only guards against a queue nobody would read.
    const at = Math.max(p.effectiveHeight, height);
    writeExecutionQueue(state, at, [...readExecutionQueue(state, at), p.id]);
  }
  return govEvent(status === 'passed' ? 'proposal_passed' : 'proposal_rejected', {
    proposal: String(p.id),
    status,
    ...tallyAttributes(tally),
    deposit: p.deposit.toString(),
    depositTo: burned ? 'burned' : formatAddress(p.proposer),
    effectiveHeight: String(p.effectiveHeight),
  });
}

/** Executes a passed proposal; its status becomes `executed` or `failed`. */
function execute(state: Overlay, p: Proposal, height: number): { event: AppEvent; consensusParams: ConsensusParams | null } {
  const result = executeChange(state, p.change);
  if (result.ok) {
    writeProposal(state, { ...p, status: 'executed' });
    return { event: govEvent('proposal_executed', { proposal: String(p.id), kind: p.change.type, height: String(height) }), consensusParams: result.consensusParams };
  }
  writeProposal(state, { ...p, status: 'failed', failure: result.reason });
  return { event: govEvent('proposal_failed', { proposal: String(p.id), kind: p.change.type, height: String(height), reason: result.reason }), consensusParams: null };
}

export function endBlockGovernance(state: Overlay, height: number, params: StakingParams): GovEndBlockResult {
  const events: AppEvent[] = [];
  let consensusParams: ConsensusParams | null = null;
  const open = readOpenProposals(state);
  const ending = open.filter((e) => e.votingEndHeight <= height);
  if (ending.length > 0) {
    writeOpenProposals(state, open.filter((e) => e.votingEndHeight > height));
    for (const { id } of ending) {
      const p = readProposal(state, id);
      if (p && p.status === 'voting') events.push(settle(state, p, height, params));
    }
  }
  const due = readExecutionQueue(state, height);
  if (due.length > 0) {
    writeExecutionQueue(state, height, []);
    for (const id of [...due].sort((a, b) => a - b)) {
      const p = readProposal(state, id);
      if (!p || p.status !== 'passed') continue;
      const done = execute(state, p, height);
      events.push(done.event);
      // Several changes in one block: each wrote the stored copy, so the last is the full result.
      if (done.consensusParams) consensusParams = done.consensusParams;
    }
  }
  return { events, consensusParams };
}

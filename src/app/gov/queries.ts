/** Read-only governance queries for RPC and CLI, and their JSON form (bigints as decimal strings, addresses as 0x hex). */
import type { VoteOption } from '../../codec/tx.js';
import { formatAddress } from '../../crypto/address.js';
import type { StateReader } from '../../state/overlay.js';
import { readLastProposalId, readProposal, readVote, readVoters, type Proposal, type Tally } from './records.js';
import { tallyVotes } from './tally.js';

export type ProposalView = Proposal;

export interface VoteView {
  voter: Uint8Array;
  option: VoteOption;
}

/** Every proposal, newest first (ids are dense: 1..last). */
export function proposals(state: StateReader): ProposalView[] {
  const out: ProposalView[] = [];
  for (let id = readLastProposalId(state); id >= 1; id--) {
    const p = readProposal(state, id);
    if (p) out.push(p);
  }
  return out;
}

export function proposal(state: StateReader, id: number): ProposalView | undefined {
  return readProposal(state, id);
}

/** Votes in the order they were first cast; undefined for an unknown proposal. */
export function proposalVotes(state: StateReader, id: number): VoteView[] | undefined {
  if (!readProposal(state, id)) return undefined;
  return readVoters(state, id).flatMap((voter) => {
    const option = readVote(state, id, voter);
    return option === undefined ? [] : [{ voter, option }];
  });
}

/** The stake behind each option now (the stored tally is final only once voting has ended). */
export function currentTally(state: StateReader, id: number): Tally | undefined {
  const p = readProposal(state, id);
  if (!p) return undefined;
  return p.status === 'voting' ? tallyVotes(state, id) : p.tally;
}

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export function tallyToJson(t: Tally): Json {
  return { yes: t.yes.toString(), no: t.no.toString(), abstain: t.abstain.toString(), bonded: t.bonded.toString() };
}

function changeToJson(change: Proposal['change']): Json {
  switch (change.type) {
    case 'params':
      return { type: 'params', changes: change.changes.map((c) => ({ name: c.name, value: c.value })) };
    case 'communitySpend':
      return { type: 'communitySpend', recipient: formatAddress(change.recipient), amount: change.amount.toString() };
  }
}

export function proposalToJson(p: ProposalView): Json {
  return {
    id: p.id,
    proposer: formatAddress(p.proposer),
    title: p.title,
    description: p.description,
    change: changeToJson(p.change),
    deposit: p.deposit.toString(),
    submitHeight: p.submitHeight,
    votingEndHeight: p.votingEndHeight,
    effectiveHeight: p.effectiveHeight,
    status: p.status,
    tally: tallyToJson(p.tally),
    failure: p.failure,
  };
}

export function voteToJson(v: VoteView): Json {
  return { voter: formatAddress(v.voter), option: v.option };
}

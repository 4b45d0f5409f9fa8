/**
 * The governance module's queries (spec/queries.md). A proposal that is voting shows its live
 * tally, which reads every voter's delegations: these routes are gated (the node paces them
 * like contract queries). Data is a UTF-8 JSON object; values are UTF-8 JSON.
 */
import { field, jsonData, QueryCode, QueryError, type ModuleQuerier } from '../query/router.js';
import { currentTally, proposal, proposalToJson, proposals, proposalVotes, tallyToJson, voteToJson, type ProposalView } from './queries.js';
import { PROPOSAL_STATUSES, type ProposalStatus } from './records.js';
import type { StateReader } from '../../state/overlay.js';

export const govQuerier: ModuleQuerier = {
  prefix: '/gov',
  routes: {
    /** data: {} or {"status": "voting" | …}; value: {total, proposals}, newest first. */
    '/gov/proposals': {
      gated: true,
      answer: (data, { state }) => {
        const status = field(jsonData('/gov/proposals', data), 'status');
        if (status !== undefined && status !== '' && !(PROPOSAL_STATUSES as readonly unknown[]).includes(status)) {
          throw new QueryError(QueryCode.BAD_REQUEST, `status must be one of ${PROPOSAL_STATUSES.join(', ')}`);
        }
        // Filter first: a live tally reads every voter's delegations, so only the proposals asked for pay for it.
        const chosen = proposals(state).filter((p) => !status || p.status === (status as ProposalStatus));
        return { json: { total: String(chosen.length), proposals: chosen.map((p) => proposalJson(state, p)) } };
      },
    },
    /** data: {"id": n}; value: the proposal, its current tally, and every vote in the order first cast. */
    '/gov/proposal': {
      gated: true,
      answer: (data, { state }) => {
        const id = field(jsonData('/gov/proposal', data), 'id');
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new QueryError(QueryCode.BAD_REQUEST, 'id must be a positive integer');
        const found = proposal(state, id);
        if (!found) throw new QueryError(QueryCode.NOT_FOUND, `no proposal ${id}`);
        return { json: { ...proposalJson(state, found), votes: (proposalVotes(state, id) ?? []).map(voteToJson) } };
      },
    },
  },
};

/** The stored proposal with `current_tally`: live while voting, the final one after. */
function proposalJson(state: StateReader, p: ProposalView): Record<string, unknown> {
  return { ...(proposalToJson(p) as Record<string, unknown>), current_tally: tallyToJson(currentTally(state, p.id) ?? p.tally) };
}

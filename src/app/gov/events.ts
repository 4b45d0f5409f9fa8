/** Governance events (spec/governance.md, "Events"): every attribute value is a string. */
import type { AppEvent } from '../../codec/results.js';
import { formatAddress } from '../../crypto/address.js';
import type { Proposal, Tally } from './records.js';

export type GovEventType = 'proposal_submitted' | 'proposal_vote' | 'proposal_passed' | 'proposal_rejected' | 'proposal_executed' | 'proposal_failed';

export function govEvent(type: GovEventType, attributes: Record<string, string>): AppEvent {
  return { type, attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })) };
}

export function submittedEvent(p: Proposal): AppEvent {
  return govEvent('proposal_submitted', {
    proposal: String(p.id),
    proposer: formatAddress(p.proposer),
    kind: p.change.type,
    deposit: p.deposit.toString(),
    votingEndHeight: String(p.votingEndHeight),
    effectiveHeight: String(p.effectiveHeight),
  });
}

export function tallyAttributes(t: Tally): Record<string, string> {
  return { yes: t.yes.toString(), no: t.no.toString(), abstain: t.abstain.toString(), bonded: t.bonded.toString() };
}

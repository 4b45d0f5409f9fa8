/** Governance messages inside transactions: the state function, then its event. Gas is the caller's, charged through `chargeGas` where the work grows with the state. */
import type { AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import { formatAddress } from '../../crypto/address.js';
import type { Overlay } from '../../state/overlay.js';
import type { StakingParams } from '../staking/params.js';
import { govEvent, submittedEvent } from './events.js';
import { castVote, submitProposal } from './proposals.js';

export type GovMsg = Extract<Msg, { type: 'submitProposal' | 'vote' }>;

export function isGovMsg(msg: Msg): msg is GovMsg {
  return msg.type === 'submitProposal' || msg.type === 'vote';
}

/**
 * Throws TxError when the message fails; the caller discards the transaction's writes then.
 * `chargeGas` is charged for work that grows with the state (a vote's stake check, the
 * list records a vote or a submission rewrites).
 */
export function executeGovMessage(state: Overlay, sender: Uint8Array, msg: GovMsg, reserved: bigint, height: number, params: StakingParams, chargeGas: (amount: number) => void = () => undefined): AppEvent[] {
  switch (msg.type) {
    case 'submitProposal':
      return [submittedEvent(submitProposal(state, sender, msg, height, params, reserved, chargeGas))];
    case 'vote': {
      const option = castVote(state, sender, msg.proposalId, msg.option, height, chargeGas);
      return [govEvent('proposal_vote', { proposal: String(msg.proposalId), voter: formatAddress(sender), option })];
    }
  }
}

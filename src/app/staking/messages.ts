/** Staking messages inside transactions: gas, then the state function, then the event. */
import { formatAddress } from '../../crypto/address.js';
import type { AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import type { Overlay } from '../../state/overlay.js';
import type { GasMeter } from '../gas.js';
import type { TxLimits } from '../tx-checks.js';
import { declareCandidacy, delegate, unbond, withdrawRewards } from './delegations.js';

/**
 * Gas of a staking message beyond the transaction's intrinsic gas: a handful of records read
 * and written, about twice a transfer. A fixed amount until the gas schedule (app params) gets
 * a staking entry that governance can tune.
 */
export const STAKING_MESSAGE_GAS = 20_000;

export type StakingMsg = Exclude<Msg, { type: 'transfer' }>;

export function executeStakingMessage(state: Overlay, sender: Uint8Array, msg: StakingMsg, reserved: bigint, gas: GasMeter, limits: TxLimits): AppEvent[] {
  gas.consume(STAKING_MESSAGE_GAS, msg.type);
  const { height, staking } = limits;
  const event = (attributes: Record<string, string>): AppEvent[] => [
    { type: msg.type, attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })) },
  ];
  switch (msg.type) {
    case 'declareCandidacy':
      declareCandidacy(state, sender, msg, height, staking, reserved);
      return event({ candidate: formatAddress(sender), selfStake: msg.selfStake.toString() });
    case 'delegate':
      delegate(state, sender, msg.candidate, msg.amount, staking, reserved);
      return event({ delegator: formatAddress(sender), candidate: formatAddress(msg.candidate), amount: msg.amount.toString() });
    case 'unbond':
      unbond(state, sender, msg.candidate, msg.amount, height, staking);
      return event({
        delegator: formatAddress(sender),
        candidate: formatAddress(msg.candidate),
        amount: msg.amount.toString(),
        completesAt: String(height + staking.unbondingBlocks),
      });
    case 'withdrawRewards': {
      const paid = withdrawRewards(state, sender, msg.candidate);
      return event({ delegator: formatAddress(sender), candidate: formatAddress(msg.candidate), amount: paid.toString() });
    }
  }
}

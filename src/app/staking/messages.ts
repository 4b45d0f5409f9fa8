/** Staking messages inside transactions: gas, then the state function, then the event. */
import { formatAddress } from '../../crypto/address.js';
import type { AppEvent } from '../../codec/results.js';
import type { Msg } from '../../codec/tx.js';
import type { Overlay } from '../../state/overlay.js';
import type { GasMeter } from '../gas.js';
import type { TxLimits } from '../tx-checks.js';
import { declareCandidacy, setCommission, unjail, updateCandidacy, withdrawCandidacy } from './candidacy.js';
import { delegate, redelegate, unbond, withdrawRewards } from './delegations.js';

/**
 * Gas of a staking message beyond the transaction's intrinsic gas: a handful of records read
 * and written, about twice a transfer. A fixed amount until the gas schedule (app params) gets
 * a staking entry that governance can tune.
 */
export const STAKING_MESSAGE_GAS = 20_000;

export const STAKING_MESSAGE_TYPES = [
  'declareCandidacy',
  'delegate',
  'unbond',
  'withdrawRewards',
  'updateCandidacy',
  'withdrawCandidacy',
  'redelegate',
  'setCommission',
  'unjail',
] as const;
export type StakingMsg = Extract<Msg, { type: (typeof STAKING_MESSAGE_TYPES)[number] }>;

export function isStakingMessage(msg: Msg): msg is StakingMsg {
  return (STAKING_MESSAGE_TYPES as readonly string[]).includes(msg.type);
}

export function executeStakingMessage(state: Overlay, sender: Uint8Array, msg: StakingMsg, reserved: bigint, gas: GasMeter, limits: TxLimits): AppEvent[] {
  gas.consume(STAKING_MESSAGE_GAS, msg.type);
  const { height, staking } = limits;
  const who = formatAddress(sender);
  const event = (attributes: Record<string, string>): AppEvent[] => [
    { type: msg.type, attributes: Object.entries(attributes).map(([key, value]) => ({ key, value })) },
  ];
  switch (msg.type) {
    case 'declareCandidacy':
      declareCandidacy(state, sender, msg, height, staking, reserved, (amount) => gas.consume(amount, 'declareCandidacy candidate list'));
      return event({ candidate: who, selfStake: msg.selfStake.toString() });
    case 'updateCandidacy':
      updateCandidacy(state, sender, msg, staking);
      return event({ candidate: who, maxStake: msg.maxStake.toString() });
    case 'setCommission':
      setCommission(state, sender, msg.commissionBps, height, staking);
      return event({ candidate: who, commissionBps: String(msg.commissionBps) });
    case 'withdrawCandidacy': {
      const unbonded = withdrawCandidacy(state, sender, height, staking, (amount) => gas.consume(amount, 'withdrawCandidacy delegations'));
      return event({ candidate: who, delegationsUnbonded: String(unbonded), completesAt: String(height + staking.unbondingBlocks) });
    }
    case 'unjail':
      unjail(state, sender, height);
      return event({ candidate: who });
    case 'delegate':
      delegate(state, sender, msg.candidate, msg.amount, staking, reserved);
      return event({ delegator: who, candidate: formatAddress(msg.candidate), amount: msg.amount.toString() });
    case 'unbond':
      unbond(state, sender, msg.candidate, msg.amount, height, staking, (amount) => gas.consume(amount, 'unbond queue'));
      return event({ delegator: who, candidate: formatAddress(msg.candidate), amount: msg.amount.toString(), completesAt: String(height + staking.unbondingBlocks) });
    case 'redelegate':
      redelegate(state, sender, msg.from, msg.to, msg.amount, height, staking);
      return event({ delegator: who, from: formatAddress(msg.from), to: formatAddress(msg.to), amount: msg.amount.toString() });
    case 'withdrawRewards': {
      const paid = withdrawRewards(state, sender, msg.candidate);
      return event({ delegator: who, candidate: formatAddress(msg.candidate), amount: paid.toString() });
    }
  }
}

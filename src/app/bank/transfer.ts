/** The transfer message: move CMT from the sender to a recipient. */
import { formatAddress } from '../../crypto/address.js';
import type { AppEvent } from '../../codec/results.js';
import type { Overlay } from '../../state/overlay.js';
import type { GasMeter } from '../gas.js';
import type { AppParams } from '../params.js';
import { credit, debit } from './accounts.js';

export interface TransferMsg {
  to: Uint8Array;
  amount: bigint;
}

/**
 * `reserved` is the part of the sender's balance held back for the fee, so the message can
 * never spend what the fee needs.
 */
export function executeTransfer(
  state: Overlay,
  sender: Uint8Array,
  msg: TransferMsg,
  reserved: bigint,
  gas: GasMeter,
  params: AppParams,
): AppEvent[] {
  gas.consume(params.gas.transfer, 'transfer');
  debit(state, sender, msg.amount, reserved);
  credit(state, msg.to, msg.amount);
  return [
    {
      type: 'transfer',
      attributes: [
        { key: 'sender', value: formatAddress(sender) },
        { key: 'recipient', value: formatAddress(msg.to) },
        { key: 'amount', value: msg.amount.toString() },
      ],
    },
  ];
}

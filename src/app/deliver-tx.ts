/**
 * Executes one transaction of a block on the block's overlay. A transaction that fails a
 * check before its message runs changes nothing (and is charged nothing, as a Cosmos ante
 * failure). Once the checks pass, the nonce advances and the fee (gas used x gas price) is
 * paid whatever the message does; a failing message has its writes discarded.
 */
import type { AppEvent, TxResult } from '../codec/results.js';
import { formatAddress } from '../crypto/address.js';
import type { Overlay } from '../state/overlay.js';
import { readAccount, writeAccount } from './bank/accounts.js';
import { executeTransfer } from './bank/transfer.js';
import { CODESPACE, TxCode, TxError } from './errors.js';
import { GasMeter } from './gas.js';
import { checkSender, checkStateless, intrinsicGas, type DecodedTx, type SignatureCheck, type TxLimits } from './tx-checks.js';
import { decodeFresh, type DecodeTx } from './tx-decoder.js';
import { executeStakingMessage, isStakingMessage, STAKING_MESSAGE_GAS } from './staking/messages.js';
import { executeGovMessage, isGovMsg } from './gov/index.js';
import { toHex } from '../codec/bytes.js';
import { executeContractMessage, isContractMessage } from './contracts/messages.js';
import { executeAttestation } from './hooks/attest.js';
import { executeFileMessage, isFileMessage } from './files/messages.js';

export interface DeliveredTx {
  result: TxResult;
  /** Base units paid in fees; the caller credits them to the block's beneficiary. */
  fee: bigint;
}

function failed(err: TxError, gasWanted: number, gasUsed: number): TxResult {
  return { code: err.txCode, codespace: CODESPACE, log: err.message, gasWanted, gasUsed, events: [] };
}

export function deliverTx(block: Overlay, bytes: Uint8Array, limits: TxLimits, signatures: SignatureCheck, decode: DecodeTx = decodeFresh): DeliveredTx {
  let decoded: DecodedTx;
  try {
    decoded = checkStateless(bytes, limits, signatures, decode);
    checkSender(block, decoded);
  } catch (err) {
    if (err instanceof TxError) return { result: failed(err, 0, 0), fee: 0n };
    throw err;
  }
  return executeChecked(block, decoded, limits);
}

/** Runs a transaction that passed every check: nonce, message, fee. */
export function executeChecked(block: Overlay, decoded: DecodedTx, limits: TxLimits): DeliveredTx {
  const { body } = decoded.tx;
  const gas = new GasMeter(body.gasLimit);
  const sender = readAccount(block, decoded.sender);
  writeAccount(block, decoded.sender, { ...sender, nonce: sender.nonce + 1 });

  const msgState = block.child();
  let events: AppEvent[] = [];
  let error: TxError | undefined;
  try {
    gas.consume(intrinsicGas(decoded.bytes.length, limits.params), 'intrinsic');
    events = runMessage(msgState, decoded, gas, limits);
    msgState.mergeIntoParent();
  } catch (err) {
    if (!(err instanceof TxError)) throw err;
    error = err;
  }

  const fee = BigInt(gas.consumed) * body.gasPrice;
  const payer = readAccount(block, decoded.sender);
  writeAccount(block, decoded.sender, { ...payer, balance: payer.balance - fee });
  const feeEvent: AppEvent = {
    type: 'tx',
    attributes: [
      { key: 'sender', value: formatAddress(decoded.sender) },
      { key: 'nonce', value: String(body.nonce) },
      { key: 'fee', value: fee.toString() },
    ],
  };
  if (error) return { result: { ...failed(error, body.gasLimit, gas.consumed), events: [feeEvent] }, fee };
  return {
    result: { code: TxCode.OK, codespace: '', log: '', gasWanted: body.gasLimit, gasUsed: gas.consumed, events: [feeEvent, ...events] },
    fee,
  };
}

function runMessage(state: Overlay, decoded: DecodedTx, gas: GasMeter, limits: TxLimits): AppEvent[] {
  const { msg } = decoded.tx.body;
  switch (msg.type) {
    case 'transfer':
      return executeTransfer(state, decoded.sender, msg, decoded.maxFee, gas, limits.params);
    case 'attestHook': {
      const { body } = decoded.tx;
      return executeAttestation(state, msg, { sender: decoded.sender, chainId: body.chainId, height: limits.height, time: limits.time, hash: toHex(decoded.hash).toUpperCase(), gasPrice: body.gasPrice, baseFee: limits.baseFee }, gas);
    }
    default:
      if (isContractMessage(msg)) {
        const context = { sender: decoded.sender, nonce: decoded.tx.body.nonce, reserved: decoded.maxFee, height: limits.height, time: limits.time, hash: toHex(decoded.hash).toUpperCase() };
        return executeContractMessage(state, msg, context, gas);
      }
      if (isFileMessage(msg)) return executeFileMessage(state, msg, { sender: decoded.sender, height: limits.height }, gas);
      if (isStakingMessage(msg)) return executeStakingMessage(state, decoded.sender, msg, decoded.maxFee, gas, limits);
      if (isGovMsg(msg)) {
        gas.consume(STAKING_MESSAGE_GAS, msg.type);
        return executeGovMessage(state, decoded.sender, msg, decoded.maxFee, limits.height, limits.staking, (amount) => gas.consume(amount, msg.type));
      }
      throw new TxError('UNKNOWN_MESSAGE', `unknown message type ${String((msg as { type: unknown }).type)}`);
  }
}

/**
 * Transaction receipts for people: `cmt query receipt` and the contract commands. The result
 * of a transaction (code, log, gas, events) with contract events decoded: a call's return
 * value and an emitted event's data as JSON values, BigInt printed as `10n`.
 */
import { formatCmt } from '../codec/amount.js';
import { decodeTx, type TxBody } from '../codec/tx.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { txCodeName } from '../app/errors.js';
import { formatContractValue, parseContractJson } from './contract-args.js';
import type { EventAnswer, TxResultAnswer } from './submit-tx.js';

export interface ReceiptEvent {
  type: string;
  /** Attribute values; contract results and event data as parsed JSON, a deploy's methods as a list. */
  attributes: Record<string, unknown>;
}

export interface Receipt {
  hash: string;
  height: string;
  index?: number;
  /** The message kind, the sender and the price, when the transaction's bytes or body are known. */
  type?: string;
  sender?: string;
  nonce?: number;
  gas_price?: string;
  status: 'success' | 'failed';
  code: number;
  code_name: string;
  /** The failure's log: empty on success. */
  error: string;
  gas_wanted: string;
  gas_used: string;
  fee?: string;
  /** A contract call's return value (JSON, BigInt tagged). */
  result?: unknown;
  events: ReceiptEvent[];
}

function decodeEvent(e: EventAnswer): ReceiptEvent {
  const attributes: Record<string, unknown> = {};
  for (const { key, value } of e.attributes) {
    if ((e.type === 'contract_call' && key === 'result') || (e.type === 'contract' && key === 'data')) attributes[key] = parseContractJson(value);
    else if (e.type === 'contract_deployed' && key === 'methods') attributes[key] = value === '' ? [] : value.split(',');
    else attributes[key] = value;
  }
  return { type: e.type, attributes };
}

/** The body and sender of a transaction from its base64 bytes (as RPC `tx` gives them); undefined if they do not decode. */
export function txBodyOf(base64: string): { body: TxBody; sender: Uint8Array } | undefined {
  try {
    const tx = decodeTx(new Uint8Array(Buffer.from(base64, 'base64')));
    return { body: tx.body, sender: addressFromPublicKey(tx.publicKey) };
  } catch {
    return undefined;
  }
}

export function receiptOf(input: { hash: string; height: string; index?: number; result: TxResultAnswer; body?: TxBody; sender?: Uint8Array }): Receipt {
  const { result, body } = input;
  const events = result.events.map(decodeEvent);
  const call = events.find((e) => e.type === 'contract_call');
  return {
    hash: input.hash,
    height: input.height,
    ...(input.index === undefined ? {} : { index: input.index }),
    ...(body ? { type: body.msg.type, nonce: body.nonce, gas_price: body.gasPrice.toString() } : {}),
    ...(input.sender ? { sender: formatAddress(input.sender) } : {}),
    status: result.code === 0 ? 'success' : 'failed',
    code: result.code,
    code_name: txCodeName(result.code),
    error: result.code === 0 ? '' : result.log,
    gas_wanted: result.gas_wanted,
    gas_used: result.gas_used,
    ...(body ? { fee: (BigInt(result.gas_used) * body.gasPrice).toString() } : {}),
    ...(call ? { result: call.attributes.result } : {}),
    events,
  };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : formatContractValue(v));

/** One line per event, contract events in words. */
export function eventRows(events: readonly ReceiptEvent[]): [string, string][] {
  return events.map((e): [string, string] => {
    const a = e.attributes;
    switch (e.type) {
      case 'tx':
        return ['fee paid', `${formatCmt(BigInt(String(a.fee ?? '0')))} by ${text(a.sender)} (nonce ${text(a.nonce)})`];
      case 'contract_deployed':
        return ['deployed', `${text(a.contract)} by ${text(a.deployer)}, bundle ${text(a.bundle_hash)}, methods ${(a.methods as string[] | undefined)?.join(', ') ?? ''}`];
      case 'contract_call':
        return ['called', `${text(a.contract)} ${text(a.method)} returned ${formatContractValue(a.result)}`];
      case 'contract':
        return ['event', `${text(a.event)} from ${text(a.contract)}: ${formatContractValue(a.data)}`];
      default:
        return [`event ${e.type}`, Object.entries(a).map(([k, v]) => `${k}=${text(v)}`).join(' ')];
    }
  });
}

/** The receipt as aligned rows for `table`. */
export function receiptRows(r: Receipt): [string, string][] {
  const rows: [string, string][] = [
    ['hash', r.hash],
    ['height', r.index === undefined ? r.height : `${r.height} (index ${r.index})`],
  ];
  if (r.type) rows.push(['type', r.sender ? `${r.type} from ${r.sender}` : r.type]);
  rows.push(['status', r.status === 'success' ? 'success' : `failed: ${r.code_name} (${r.code})`]);
  if (r.status === 'failed') rows.push(['error', r.error]);
  rows.push(['gas', `${r.gas_used} used of ${r.gas_wanted}`]);
  if (r.fee !== undefined) rows.push(['fee', `${formatCmt(BigInt(r.fee))} (${r.gas_used} gas x ${r.gas_price})`]);
  const call = r.events.find((e) => e.type === 'contract_call');
  if (call) rows.push(['call', `${text(call.attributes.contract)}.${text(call.attributes.method)}`], ['result', formatContractValue(call.attributes.result)]);
  return [...rows, ...eventRows(r.events.filter((e) => e.type !== 'tx' && e.type !== 'contract_call'))];
}

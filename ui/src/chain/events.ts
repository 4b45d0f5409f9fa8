/**
 * Reading a transaction's events as cmt's app writes them (src/app): every transaction has a
 * `tx` event (sender, nonce, fee); a message that ran adds its own (`transfer` with
 * sender/recipient/amount, staking messages named by their type, contract events). Values are
 * plain strings (CometBFT 0.38); amounts are base-unit integers kept as strings.
 */
import type { DecodedTx } from './tx-decode.js';

export interface EventAttribute {
  readonly key: string;
  readonly value: string;
}

export interface TxEvent {
  readonly type: string;
  readonly attributes: readonly EventAttribute[];
}

/** What a row of the transaction list says about one transaction. */
export interface TxSummary {
  /** The message's event type ('transfer', 'delegate', …), or '' when only the fee event is there (a failed message). */
  kind: string;
  sender?: string;
  /** Whoever the message went to: a recipient, a candidate, a contract. */
  recipient?: string;
  /** Base units, exact. */
  amount?: string;
}

const ADDRESS = /^0x[0-9a-f]{40}$/;

/** An attribute value that is a cmt address, so the page links it to its account. */
export function isAddress(value: string): boolean {
  return ADDRESS.test(value);
}

/** Keys whose values are base-unit CMT amounts. */
const AMOUNT_KEYS = new Set(['amount', 'fee', 'selfStake', 'maxStake', 'value', 'rewards', 'commission']);

export function isAmountKey(key: string): boolean {
  return AMOUNT_KEYS.has(key);
}

const RECIPIENT_KEYS = ['recipient', 'to', 'candidate', 'contract'];

function attr(event: TxEvent | undefined, key: string): string | undefined {
  return event?.attributes.find((a) => a.key === key)?.value;
}

export function summarizeTx(events: readonly TxEvent[]): TxSummary {
  const fee = events.find((e) => e.type === 'tx');
  const message = events.find((e) => e.type !== 'tx');
  const summary: TxSummary = { kind: message?.type ?? '' };
  const sender = attr(fee, 'sender') ?? attr(message, 'sender') ?? attr(message, 'delegator');
  if (sender !== undefined) summary.sender = sender;
  for (const key of RECIPIENT_KEYS) {
    const value = attr(message, key);
    // A candidate acting on itself (declareCandidacy, unjail) goes to no one else.
    if (value !== undefined && value !== sender) {
      summary.recipient = value;
      break;
    }
  }
  const amount = attr(message, 'amount') ?? attr(message, 'selfStake');
  if (amount !== undefined && /^[0-9]+$/.test(amount)) summary.amount = amount;
  return summary;
}

/** One row per attribute, for the events table: events with no attributes still get a row. */
export interface EventRow {
  event: number;
  type: string;
  key: string;
  value: string;
  address: boolean;
  amount: boolean;
}

export function eventRows(events: readonly TxEvent[]): EventRow[] {
  const rows: EventRow[] = [];
  events.forEach((e, i) => {
    if (e.attributes.length === 0) rows.push({ event: i, type: e.type, key: '', value: '', address: false, amount: false });
    for (const a of e.attributes) {
      rows.push({ event: i, type: e.type, key: a.key, value: a.value, address: isAddress(a.value), amount: isAmountKey(a.key) && /^[0-9]+$/.test(a.value) });
    }
  });
  return rows;
}

/**
 * A summary completed from the transaction's own bytes where its events are silent: a failed
 * message leaves only the fee event, but the bytes still say what was asked.
 */
export function withDecoded(summary: TxSummary, decoded: DecodedTx | undefined): TxSummary {
  if (!decoded || summary.kind !== '') return summary;
  const out: TxSummary = { kind: decoded.kind, sender: summary.sender ?? decoded.sender };
  const value = (name: string): string | undefined => decoded.fields.find((f) => f.name === name)?.value;
  const recipient = value('to') ?? value('candidate') ?? value('contract');
  if (recipient !== undefined) out.recipient = recipient;
  const amount = value('amount') ?? value('value') ?? value('selfStake') ?? value('deposit');
  if (amount !== undefined) out.amount = amount;
  return out;
}

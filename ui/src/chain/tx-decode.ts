/**
 * What a cmt transaction says, read from its bytes: so the page can name the message of a
 * transaction that failed (whose events say only who paid the fee). The wire form (spec/tx.md,
 * src/codec/tx.ts) is RLP: [body, publicKey(32), signature(64)] with body [chainId, nonce,
 * gasLimit, gasPrice, memo, [tag, [fields…]]]. The bytes come from a node, so anything off
 * gives undefined, never a throw; no length is trusted past the bytes there are.
 */
import { sha256 } from '@cosmjs/crypto';
import { toHex } from '@cosmjs/encoding';

type Item = Uint8Array | Item[];

/** Deeper than any transaction nests (a proposal's parameter changes are 5 lists down). */
const MAX_DEPTH = 8;

/** One RLP item at `at`: its value and where the next one starts; undefined when malformed. */
function readItem(bytes: Uint8Array, at: number, depth: number): { item: Item; end: number } | undefined {
  const b = bytes[at];
  if (b === undefined || depth > MAX_DEPTH) return undefined;
  if (b < 0x80) return { item: bytes.subarray(at, at + 1), end: at + 1 };
  let start: number;
  let length: number;
  const isList = b >= 0xc0;
  const short = isList ? b - 0xc0 : b - 0x80;
  if (short <= 55) {
    start = at + 1;
    length = short;
  } else {
    const lengthBytes = short - 55;
    if (lengthBytes > 4 || at + 1 + lengthBytes > bytes.length) return undefined;
    length = 0;
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + (bytes[at + 1 + i] ?? 0);
    start = at + 1 + lengthBytes;
  }
  const end = start + length;
  if (end > bytes.length) return undefined;
  if (!isList) return { item: bytes.subarray(start, end), end };
  const items: Item[] = [];
  let p = start;
  while (p < end) {
    const next = readItem(bytes, p, depth + 1);
    if (!next || next.end > end) return undefined;
    items.push(next.item);
    p = next.end;
  }
  return { item: items, end };
}

const isBytes = (i: Item | undefined): i is Uint8Array => i instanceof Uint8Array;

function uintText(i: Item | undefined): string | undefined {
  if (!isBytes(i) || i.length > 32) return undefined;
  let v = 0n;
  for (const b of i) v = (v << 8n) | BigInt(b);
  return v.toString();
}

function text(i: Item | undefined): string | undefined {
  if (!isBytes(i)) return undefined;
  return new TextDecoder('utf-8', { fatal: false }).decode(i);
}

type FieldKind = 'address' | 'amount' | 'number' | 'text' | 'bytes' | 'vote' | 'change';

/** Message kinds by wire tag, with their fields in wire order. */
const MESSAGES: Record<number, { kind: string; fields: [string, FieldKind][] }> = {
  1: { kind: 'transfer', fields: [['to', 'address'], ['amount', 'amount']] },
  2: { kind: 'declareCandidacy', fields: [['consensusKey', 'bytes'], ['selfStake', 'amount'], ['maxStake', 'amount'], ['commissionBps', 'number'], ['name', 'text'], ['website', 'text'], ['description', 'text']] },
  3: { kind: 'delegate', fields: [['candidate', 'address'], ['amount', 'amount']] },
  4: { kind: 'unbond', fields: [['candidate', 'address'], ['amount', 'amount']] },
  5: { kind: 'withdrawRewards', fields: [['candidate', 'address']] },
  6: { kind: 'updateCandidacy', fields: [['maxStake', 'amount'], ['name', 'text'], ['website', 'text'], ['description', 'text']] },
  7: { kind: 'withdrawCandidacy', fields: [] },
  8: { kind: 'redelegate', fields: [['from', 'address'], ['to', 'address'], ['amount', 'amount']] },
  9: { kind: 'setCommission', fields: [['commissionBps', 'number']] },
  10: { kind: 'unjail', fields: [] },
  11: { kind: 'submitProposal', fields: [['title', 'text'], ['description', 'text'], ['change', 'change'], ['deposit', 'amount'], ['effectiveHeight', 'number']] },
  12: { kind: 'vote', fields: [['proposalId', 'number'], ['option', 'vote']] },
  13: { kind: 'deployContract', fields: [['bundle', 'bytes'], ['initArgs', 'text'], ['value', 'amount']] },
  14: { kind: 'callContract', fields: [['contract', 'address'], ['method', 'text'], ['args', 'text'], ['value', 'amount']] },
};

const VOTE_OPTIONS = ['yes', 'no', 'abstain'];
const CHANGES: Record<number, string> = { 1: 'params', 2: 'communitySpend' };

export interface MsgField {
  name: string;
  kind: FieldKind;
  /** Addresses 0x lower-case hex, amounts and numbers decimal, bytes as their size. */
  value: string;
}

export interface DecodedTx {
  chainId: string;
  nonce: string;
  gasLimit: string;
  gasPrice: string;
  memo: string;
  /** The signer's address: the first 20 bytes of sha256 of its public key. */
  sender: string;
  /** The message kind, or `unknown tag N` for a tag this page does not know. */
  kind: string;
  fields: MsgField[];
}

function field(name: string, kind: FieldKind, item: Item | undefined): MsgField | undefined {
  switch (kind) {
    case 'address':
      return isBytes(item) && item.length === 20 ? { name, kind, value: `0x${toHex(item)}` } : undefined;
    case 'amount':
    case 'number': {
      const value = uintText(item);
      return value === undefined ? undefined : { name, kind, value };
    }
    case 'text': {
      const value = text(item);
      return value === undefined ? undefined : { name, kind, value };
    }
    case 'bytes':
      return isBytes(item) ? { name, kind, value: `${item.length} bytes` } : undefined;
    case 'vote': {
      const n = uintText(item);
      return n === undefined ? undefined : { name, kind, value: VOTE_OPTIONS[Number(n)] ?? `option ${n}` };
    }
    case 'change': {
      if (!Array.isArray(item)) return undefined;
      const tag = uintText(item[0]);
      return { name, kind, value: tag === undefined ? 'unreadable' : (CHANGES[Number(tag)] ?? `change ${tag}`) };
    }
  }
}

export function decodeTx(bytes: Uint8Array): DecodedTx | undefined {
  const outer = readItem(bytes, 0, 0);
  if (!outer || outer.end !== bytes.length || !Array.isArray(outer.item) || outer.item.length !== 3) return undefined;
  const [body, publicKey] = outer.item;
  if (!Array.isArray(body) || body.length !== 6 || !isBytes(publicKey) || publicKey.length !== 32) return undefined;
  const [chainId, nonce, gasLimit, gasPrice, memo, msg] = body.map((i, n) => (n < 5 ? (n === 0 || n === 4 ? text(i) : uintText(i)) : i));
  if (typeof chainId !== 'string' || typeof nonce !== 'string' || typeof gasLimit !== 'string' || typeof gasPrice !== 'string' || typeof memo !== 'string') return undefined;
  if (!Array.isArray(msg) || msg.length !== 2 || !Array.isArray(msg[1])) return undefined;
  const tag = uintText(msg[0]);
  if (tag === undefined) return undefined;
  const known = MESSAGES[Number(tag)];
  const fields: MsgField[] = [];
  if (known) {
    const values = msg[1];
    if (values.length !== known.fields.length) return undefined;
    for (const [i, [name, kind]] of known.fields.entries()) {
      const f = field(name, kind, values[i]);
      if (!f) return undefined;
      fields.push(f);
    }
  }
  const sender = `0x${toHex(sha256(publicKey).subarray(0, 20))}`;
  return { chainId, nonce, gasLimit, gasPrice, memo, sender, kind: known?.kind ?? `unknown tag ${tag}`, fields };
}

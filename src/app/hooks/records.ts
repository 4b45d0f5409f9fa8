/**
 * Where webhook events live in state (spec/webhooks.md, "State"): one record per event id of a
 * contract's hook, holding who attested to which payload hash, who attested to two, and what
 * became of the event; per contract, how often each attester attested to conflicting payloads;
 * and the contract's hook account, an ordinary account no key holds, which pays attesters' fees.
 */
import { concatBytes, utf8 } from '../../codec/bytes.js';
import { sha256 } from '../../codec/hash.js';
import type { Overlay, StateReader } from '../../state/overlay.js';

export type HookEventStatus = 'pending' | 'applied' | 'failed';

export interface HookConflict {
  attester: string;
  payloadHash: string;
  height: number;
}

export interface HookEventRecord {
  status: HookEventStatus;
  /** Payload hash (hex) to the attesters who attested to it, in arrival order. */
  votes: Record<string, string[]>;
  /** Attestations of an attester to a second payload for this event: recorded, never counted. */
  conflicts: HookConflict[];
  /** The height of the first attestation. */
  since: number;
  /** Set once k attesters agreed: the payload, the block, the transaction, and the trigger's error if it failed. */
  outcome?: { payloadHash: string; height: number; tx: string; error?: string };
}

const EVENTS = utf8('hk/e/');
const CONFLICTS = utf8('hk/c/');
const ACCOUNT_DOMAIN = utf8('cmt/hook-account/v1\0');

/** The account that pays a contract's attestation fees: the first 20 bytes of sha256(domain || contract). */
export function hookAccount(contract: Uint8Array): Uint8Array {
  return sha256(concatBytes(ACCOUNT_DOMAIN, contract)).subarray(0, 20);
}

function eventKey(contract: Uint8Array, hook: string, id: string): Uint8Array {
  const name = utf8(hook);
  return concatBytes(EVENTS, contract, Uint8Array.of(name.length), name, utf8(id));
}

const decoder = new TextDecoder();

/** `pay` is told the row's size before it is decoded (and throws to stop: out of gas). */
export function readHookEvent(state: StateReader, contract: Uint8Array, hook: string, id: string, pay: (bytes: number) => void = () => undefined): HookEventRecord | undefined {
  const raw = state.get(eventKey(contract, hook, id));
  if (raw === undefined) return undefined;
  pay(raw.length);
  return JSON.parse(decoder.decode(raw)) as HookEventRecord;
}

/** Writes the record; its encoded size, for the caller's gas. */
export function writeHookEvent(state: Overlay, contract: Uint8Array, hook: string, id: string, record: HookEventRecord): number {
  const bytes = utf8(JSON.stringify(record));
  state.set(eventKey(contract, hook, id), bytes);
  return bytes.length;
}

/** Attester to the number of events it attested to conflicting payloads for, over all the contract's hooks. */
export function readConflictCounts(state: StateReader, contract: Uint8Array): Record<string, number> {
  const raw = state.get(concatBytes(CONFLICTS, contract));
  return raw === undefined ? {} : (JSON.parse(decoder.decode(raw)) as Record<string, number>);
}

export function countConflict(state: Overlay, contract: Uint8Array, attester: string): void {
  const counts = readConflictCounts(state, contract);
  counts[attester] = (counts[attester] ?? 0) + 1;
  state.set(concatBytes(CONFLICTS, contract), utf8(JSON.stringify(counts)));
}

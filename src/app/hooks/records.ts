/**
 * Where webhook events live in state (spec/webhooks.md, "State"): one record per event id of a
 * contract's hook, holding who attested to which payload hash, who attested to two, and what
 * became of the event; per contract and attester, how often it attested to conflicting
 * payloads; per waiting vote, the fee the hook account pays back once its body reaches the
 * quorum; and the contract's hook account, an ordinary account no key holds, which pays.
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
const OWED = utf8('hk/o/');
const ACCOUNT_DOMAIN = utf8('cmt/hook-account/v1\0');

/** The account that pays a contract's attestation fees: the first 20 bytes of sha256(domain || contract). */
export function hookAccount(contract: Uint8Array): Uint8Array {
  return sha256(concatBytes(ACCOUNT_DOMAIN, contract)).subarray(0, 20);
}

/** contract, hook name length, hook name, event id: one event of one hook. */
function eventPart(contract: Uint8Array, hook: string, id: string): Uint8Array {
  const name = utf8(hook);
  return concatBytes(contract, Uint8Array.of(name.length), name, utf8(id));
}

const decoder = new TextDecoder();

/** `pay` is told the row's size before it is decoded (and throws to stop: out of gas). */
export function readHookEvent(state: StateReader, contract: Uint8Array, hook: string, id: string, pay: (bytes: number) => void = () => undefined): HookEventRecord | undefined {
  const raw = state.get(concatBytes(EVENTS, eventPart(contract, hook, id)));
  if (raw === undefined) return undefined;
  pay(raw.length);
  return JSON.parse(decoder.decode(raw)) as HookEventRecord;
}

/** Writes the record; its encoded size, for the caller's gas. */
export function writeHookEvent(state: Overlay, contract: Uint8Array, hook: string, id: string, record: HookEventRecord): number {
  const bytes = utf8(JSON.stringify(record));
  state.set(concatBytes(EVENTS, eventPart(contract, hook, id)), bytes);
  return bytes.length;
}

/** A row of at most this many bytes: a decimal count or amount (a uint256 has 78 digits). */
export const SMALL_ROW_BYTES = 78;

function conflictKey(contract: Uint8Array, attester: Uint8Array): Uint8Array {
  return concatBytes(CONFLICTS, contract, attester);
}

/** How many events `attester` attested to conflicting bodies for, over all the contract's hooks. */
export function readConflictCount(state: StateReader, contract: Uint8Array, attester: Uint8Array): number {
  const raw = state.get(conflictKey(contract, attester));
  return raw === undefined ? 0 : Number(decoder.decode(raw));
}

export function countConflict(state: Overlay, contract: Uint8Array, attester: Uint8Array): void {
  state.set(conflictKey(contract, attester), utf8(String(readConflictCount(state, contract, attester) + 1)));
}

function owedKey(contract: Uint8Array, hook: string, id: string, attester: Uint8Array): Uint8Array {
  return concatBytes(OWED, eventPart(contract, hook, id), attester);
}

/** What the hook account owes an attester whose vote is waiting for its body to reach the quorum. */
export function setOwed(state: Overlay, contract: Uint8Array, hook: string, id: string, attester: Uint8Array, amount: bigint): void {
  state.set(owedKey(contract, hook, id, attester), utf8(amount.toString()));
}

/** Takes (reads and deletes) what is owed to an attester for an event; 0n when nothing is. */
export function takeOwed(state: Overlay, contract: Uint8Array, hook: string, id: string, attester: Uint8Array): bigint {
  const key = owedKey(contract, hook, id, attester);
  const raw = state.get(key);
  if (raw === undefined) return 0n;
  state.delete(key);
  return BigInt(decoder.decode(raw));
}

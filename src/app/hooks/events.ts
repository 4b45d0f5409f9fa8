/**
 * What an attestation reads before it counts (spec/webhooks.md): the contract's hook
 * declarations, decoded once per file text and paid for by its size every time (the same warm
 * or cold), and the posted body, which must be a JSON object naming the event's id (and, for a
 * hook that signals a process, the instance and the signal's data).
 */
import { nestedDeeperThan } from '../../codec/json-depth.js';
import { utf8 } from '../../codec/bytes.js';
import { wellFormed } from '../../codec/utf8-fit.js';
import { CONTRACT_GAS } from '../contracts/gas-schedule.js';
import { parseHooks, type HookDeclaration, type HookTrigger } from './declaration.js';

/** Gas of an attestation beyond the intrinsic gas (spec/webhooks.md, "Gas"). */
export const HOOK_GAS = {
  attest: 20_000,
  /** Per byte of the body: hashed, parsed, and for the k-th attestation handed to the trigger. */
  bodyByte: 10,
  /** Per byte of hooks.json, each attestation (decoding it, its keys included). */
  declarationByte: 20,
  /** Each Ed25519 verification of the caller's signature (one per listed key tried). */
  verify: 5_000,
  /** Paying a fee back from the hook account: two accounts read and written. */
  refund: 2 * (CONTRACT_GAS.read + CONTRACT_GAS.write),
  read: CONTRACT_GAS.read,
  readByte: CONTRACT_GAS.readByte,
  write: CONTRACT_GAS.write,
  writeByte: CONTRACT_GAS.writeByte,
};

/** An event id is a key part: printable, at most this many UTF-8 bytes. */
export const MAX_EVENT_ID_BYTES = 128;
const MAX_BODY_DEPTH = 32;
const INSTANCE = /^[1-9][0-9]{0,11}$/;

const decoded = new Map<string, HookDeclaration[]>();
const MAX_DECODED = 256;

/** The hooks of a deployed `hooks.json` text (it checked at deploy); `pay` is charged its size first. */
export function hookDeclarations(text: string, pay: (gas: number) => void): HookDeclaration[] {
  const bytes = utf8(text);
  pay(HOOK_GAS.declarationByte * bytes.length);
  let hooks = decoded.get(text);
  if (!hooks) {
    hooks = parseHooks(bytes);
    if (decoded.size >= MAX_DECODED) decoded.delete(decoded.keys().next().value as string);
    decoded.set(text, hooks);
  }
  return hooks;
}

export interface HookBody {
  id: string;
  /** The whole body, as a method trigger receives it. */
  payload: Record<string, unknown>;
  /** A signal trigger's instance and data. */
  instance?: string;
  data?: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The body read as an event, or the reason it is not one. */
export function hookBodyError(body: Uint8Array, trigger: HookTrigger['kind']): HookBody | string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return 'the body is not UTF-8';
  }
  if (nestedDeeperThan(text, MAX_BODY_DEPTH)) return `the body nests deeper than ${MAX_BODY_DEPTH} levels`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'the body is not JSON';
  }
  if (!isObject(json)) return 'the body must be a JSON object';
  const id = json.id;
  // eslint-disable-next-line no-control-regex
  // A lone surrogate would be stored as U+FFFD: two ids would be one event on chain.
  if (typeof id !== 'string' || id.length === 0 || utf8(id).length > MAX_EVENT_ID_BYTES || /[\u0000-\u001f\u007f]/.test(id) || wellFormed(id) !== id) {
    return `the body's "id" must be a string of 1 to ${MAX_EVENT_ID_BYTES} UTF-8 bytes without control characters or lone surrogates (the event's id)`;
  }
  if (trigger === 'method') return { id, payload: json };
  const instance = json.instance;
  if (typeof instance !== 'string' || !INSTANCE.test(instance)) return 'the body\'s "instance" must be a process instance id ("1", "2", …): this hook signals a process';
  const data = json.data ?? {};
  if (!isObject(data)) return 'the body\'s "data" must be a JSON object (merged into the instance\'s variables)';
  return { id, payload: json, instance, data };
}

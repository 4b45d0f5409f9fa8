/**
 * A contract's webhooks as its bundle declares them in `hooks.json` (spec/webhooks.md,
 * "Declaring hooks"): per hook, how a caller is authenticated, which nodes attest and how many
 * must agree, and what the event triggers. The file is checked at deploy; a bundle whose file
 * does not check is refused, so every later read of a deployed file succeeds.
 */
import { fromHex } from '../../codec/bytes.js';
import { MAX_HOOK_NAME_BYTES } from '../../codec/tx.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { isValidPublicKey } from '../../crypto/ed25519.js';

export const HOOKS_FILE = 'hooks.json';

export const HOOK_LIMITS = {
  fileBytes: 16 * 1024,
  hooks: 16,
  attesters: 32,
  keys: 8,
  /** Gas a trigger may use when no `gas` is declared, and the most it may declare. */
  defaultGas: 1_000_000,
  minGas: 10_000,
  maxGas: 10_000_000,
};

export type HookAuth = { kind: 'ed25519'; keys: Uint8Array[] } | { kind: 'hmac' };
export type HookTrigger = { kind: 'method'; method: string } | { kind: 'signal'; transition: string };

export interface HookDeclaration {
  name: string;
  auth: HookAuth;
  /** Attesters' account addresses, 0x-formatted, in the file's order. */
  attesters: string[];
  quorum: number;
  trigger: HookTrigger;
  /** The most gas the trigger may use. */
  gas: number;
}

export class HookDeclarationError extends Error {}

const NAME = new RegExp(`^[A-Za-z0-9_-]{1,${MAX_HOOK_NAME_BYTES}}$`);
const METHOD = /^[A-Za-z_$][A-Za-z0-9_$]{0,63}$/;
const FIELDS = new Set(['auth', 'keys', 'attesters', 'quorum', 'method', 'signal', 'gas']);

function fail(hook: string, message: string): never {
  throw new HookDeclarationError(`${HOOKS_FILE}: hook "${hook.slice(0, MAX_HOOK_NAME_BYTES)}": ${message}`);
}

function auth(name: string, spec: Record<string, unknown>): HookAuth {
  if (spec.auth === 'hmac') {
    if (spec.keys !== undefined) fail(name, 'an HMAC hook lists no keys (its secret is in each attesting node\'s config)');
    return { kind: 'hmac' };
  }
  if (spec.auth !== 'ed25519') fail(name, 'auth must be "ed25519" (callers sign with a key listed here) or "hmac" (a secret the attesting nodes hold)');
  const keys = spec.keys;
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > HOOK_LIMITS.keys) fail(name, `keys must list 1 to ${HOOK_LIMITS.keys} Ed25519 public keys (64 hex digits)`);
  const parsed = keys.map((k) => {
    if (typeof k !== 'string' || !/^(0x)?[0-9a-fA-F]{64}$/.test(k)) fail(name, `"${String(k).slice(0, 80)}" is not an Ed25519 public key (64 hex digits)`);
    const key = fromHex(k.replace(/^0x/, ''));
    if (!isValidPublicKey(key)) fail(name, `${k} is not a usable Ed25519 public key`);
    return key;
  });
  return { kind: 'ed25519', keys: parsed };
}

function trigger(name: string, spec: Record<string, unknown>): HookTrigger {
  if ((spec.method === undefined) === (spec.signal === undefined)) fail(name, 'give exactly one of "method" (a contract method the event calls) and "signal" (a process transition the event signals)');
  if (spec.method !== undefined) {
    if (typeof spec.method !== 'string' || !METHOD.test(spec.method) || spec.method.startsWith('__')) fail(name, 'method must name an exported function (1-64 letters, digits, _ or $, not starting with __)');
    return { kind: 'method', method: spec.method };
  }
  if (typeof spec.signal !== 'string' || spec.signal.length < 1 || spec.signal.length > 128) fail(name, 'signal must be a transition name of 1 to 128 characters');
  return { kind: 'signal', transition: spec.signal };
}

function declaration(name: string, value: unknown): HookDeclaration {
  if (!NAME.test(name)) fail(name, `a hook name is 1 to ${MAX_HOOK_NAME_BYTES} letters, digits, _ or -`);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(name, 'must be an object');
  const spec = value as Record<string, unknown>;
  for (const key of Object.keys(spec)) if (!FIELDS.has(key)) fail(name, `unknown field "${key.slice(0, 40)}"`);
  const attesters = spec.attesters;
  if (!Array.isArray(attesters) || attesters.length < 1 || attesters.length > HOOK_LIMITS.attesters) fail(name, `attesters must list 1 to ${HOOK_LIMITS.attesters} account addresses`);
  const addresses = attesters.map((a) => {
    try {
      return formatAddress(parseAddress(String(a)));
    } catch {
      return fail(name, `attester "${String(a).slice(0, 60)}" is not an address (0x and 40 hex digits)`);
    }
  });
  if (new Set(addresses).size !== addresses.length) fail(name, 'an attester is listed twice');
  const quorum = spec.quorum;
  if (typeof quorum !== 'number' || !Number.isSafeInteger(quorum) || quorum < 1 || quorum > addresses.length) fail(name, `quorum must be a whole number from 1 to the ${addresses.length} attesters`);
  const gas = spec.gas ?? HOOK_LIMITS.defaultGas;
  if (typeof gas !== 'number' || !Number.isSafeInteger(gas) || gas < HOOK_LIMITS.minGas || gas > HOOK_LIMITS.maxGas) fail(name, `gas must be a whole number from ${HOOK_LIMITS.minGas} to ${HOOK_LIMITS.maxGas}`);
  return { name, auth: auth(name, spec), attesters: addresses, quorum, trigger: trigger(name, spec), gas };
}

/** The hooks of a `hooks.json`, in the file's order; anything that does not check is a HookDeclarationError. */
export function parseHooks(content: Uint8Array): HookDeclaration[] {
  if (content.length > HOOK_LIMITS.fileBytes) throw new HookDeclarationError(`${HOOKS_FILE} is ${content.length} bytes, more than ${HOOK_LIMITS.fileBytes}`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(content));
  } catch (err) {
    throw new HookDeclarationError(`${HOOKS_FILE} is not UTF-8 JSON (${(err as Error).message.slice(0, 120)})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new HookDeclarationError(`${HOOKS_FILE} must be an object of hooks by name`);
  const entries = Object.entries(json as Record<string, unknown>);
  if (entries.length < 1 || entries.length > HOOK_LIMITS.hooks) throw new HookDeclarationError(`${HOOKS_FILE} must declare 1 to ${HOOK_LIMITS.hooks} hooks`);
  return entries.map(([name, value]) => declaration(name, value));
}

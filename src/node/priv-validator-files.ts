/**
 * The two files of a validator, parsed strictly: `priv_validator_key.json` and
 * `priv_validator_state.json`. Every field must be present, of its type and range, and nothing
 * else may be there; a file that is anything else is refused with an error naming it. A sign
 * state read loosely (a missing `step` made the double-sign check compare NaN) would let the
 * node sign two different votes for one height, round and step.
 */
import { fromHex, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { keyPairFromSeed, verify, type KeyPair } from '../crypto/ed25519.js';

export const SIGN_STEP_PROPOSAL = 1;
export const SIGN_STEP_PREVOTE = 2;
export const SIGN_STEP_PRECOMMIT = 3;
export type SignStep = typeof SIGN_STEP_PROPOSAL | typeof SIGN_STEP_PREVOTE | typeof SIGN_STEP_PRECOMMIT;

/** Far above any proposal's or vote's sign bytes (under 200 bytes); a bound on what a damaged file makes us hold. */
export const MAX_SIGN_BYTES = 64 * 1024;

export interface LastSignState {
  height: number;
  round: number;
  step: SignStep;
  signBytes: Uint8Array;
  signature: Uint8Array;
  /**
   * The last block this key precommitted at `height` (absent: none, or a file from before
   * locks were kept). Written with the signature that took it, so a WAL that lost its tail
   * cannot make the validator forget its lock (spec/consensus.md, "The lock survives a WAL cut").
   */
  lock?: SignedLock;
}

export interface SignedLock {
  round: number;
  blockHash: Uint8Array;
}

type Fields = Record<string, unknown>;

function parseObject(text: string, path: string, code: string, what: string, names: readonly string[], optional: readonly string[] = []): Fields {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CmtError(code, `${path}: the ${what} is not valid JSON (${(err as Error).message})`);
  }
  return objectFields(json, path, code, `the ${what}`, names, optional);
}

/** `value` as an object with every one of `names`, and nothing but them and `optional`. */
function objectFields(value: unknown, path: string, code: string, what: string, names: readonly string[], optional: readonly string[] = []): Fields {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CmtError(code, `${path}: ${what} must be a JSON object with ${names.join(', ')}`);
  const fields = value as Fields;
  for (const name of names) if (!(name in fields)) throw new CmtError(code, `${path}: ${what} has no "${name}"`);
  for (const name of Object.keys(fields)) if (!names.includes(name) && !optional.includes(name)) throw new CmtError(code, `${path}: ${what} has an unknown field "${name}"`);
  return fields;
}

function hexField(fields: Fields, name: string, path: string, code: string, bytes: { min: number; max: number }): Uint8Array {
  const value = fields[name];
  const digits = typeof value === 'string' ? value.length : -1;
  if (typeof value !== 'string' || !/^[0-9a-fA-F]*$/.test(value) || digits % 2 !== 0 || digits < 2 * bytes.min || digits > 2 * bytes.max) {
    const size = bytes.min === bytes.max ? `${bytes.min}` : `${bytes.min} to ${bytes.max}`;
    throw new CmtError(code, `${path}: "${name}" must be ${size} bytes in hex`);
  }
  return fromHex(value);
}

function intField(fields: Fields, name: string, path: string, code: string): number {
  const value = fields[name];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new CmtError(code, `${path}: "${name}" must be a non-negative integer`);
  return value;
}

const KEY_FIELDS = ['address', 'pub_key', 'priv_key'] as const;

export function parseValidatorKey(text: string, path: string): KeyPair {
  const code = 'INVALID_VALIDATOR_KEY';
  const fields = parseObject(text, path, code, 'validator key', KEY_FIELDS);
  const pair = keyPairFromSeed(hexField(fields, 'priv_key', path, code, { min: 32, max: 32 }));
  const publicKey = hexField(fields, 'pub_key', path, code, { min: 32, max: 32 });
  if (toHex(publicKey) !== toHex(pair.publicKey)) throw new CmtError(code, `${path}: pub_key does not match priv_key`);
  const address = fields.address;
  if (typeof address !== 'string' || address.toLowerCase() !== formatAddress(addressFromPublicKey(pair.publicKey))) {
    throw new CmtError(code, `${path}: address does not match pub_key`);
  }
  return pair;
}

const STATE_FIELDS = ['height', 'round', 'step', 'sign_bytes', 'signature'] as const;
const LOCK_FIELDS = ['round', 'block_hash'] as const;

/** A lock is optional (files written before locks were kept have none); when present it is checked like the rest. */
function parseLock(fields: Fields, path: string, code: string, round: number): SignedLock | undefined {
  if (!('lock' in fields)) return undefined;
  const lockFields = objectFields(fields.lock, path, code, '"lock"', LOCK_FIELDS);
  const lockRound = intField(lockFields, 'round', path, code);
  if (lockRound > round) throw new CmtError(code, `${path}: "lock.round" ${lockRound} is after the last signed round ${round}`);
  return { round: lockRound, blockHash: hexField(lockFields, 'block_hash', path, code, { min: 32, max: 32 }) };
}

/** The last signature this key gave; it must verify, so a state from another key or a damaged one is refused. */
export function parseSignState(text: string, path: string, publicKey: Uint8Array): LastSignState {
  const code = 'INVALID_SIGN_STATE';
  const fields = parseObject(text, path, code, 'last-sign state', STATE_FIELDS, ['lock']);
  const height = intField(fields, 'height', path, code);
  const round = intField(fields, 'round', path, code);
  const step = fields.step;
  if (step !== SIGN_STEP_PROPOSAL && step !== SIGN_STEP_PREVOTE && step !== SIGN_STEP_PRECOMMIT) {
    throw new CmtError(code, `${path}: "step" must be ${SIGN_STEP_PROPOSAL} (proposal), ${SIGN_STEP_PREVOTE} (prevote) or ${SIGN_STEP_PRECOMMIT} (precommit)`);
  }
  const signBytes = hexField(fields, 'sign_bytes', path, code, { min: 1, max: MAX_SIGN_BYTES });
  const signature = hexField(fields, 'signature', path, code, { min: 64, max: 64 });
  if (!verify(publicKey, signBytes, signature)) throw new CmtError(code, `${path}: the signature does not verify against the validator key and sign_bytes`);
  const lock = parseLock(fields, path, code, round);
  return { height, round, step, signBytes, signature, ...(lock ? { lock } : {}) };
}

export function signStateToJson(state: LastSignState): string {
  const lock = state.lock ? { lock: { round: state.lock.round, block_hash: toHex(state.lock.blockHash) } } : {};
  return JSON.stringify({ height: state.height, round: state.round, step: state.step, sign_bytes: toHex(state.signBytes), signature: toHex(state.signature), ...lock }) + '\n';
}

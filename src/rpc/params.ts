/**
 * Reading request parameters. GET requests give strings (`?height=5`, `?hash=0xAB..`,
 * CometBFT also quotes strings: `?tx="0x.."`); JSON-RPC gives JSON values. Both land here.
 */
import { fromHex } from '../codec/bytes.js';
import { parseAddress } from '../crypto/address.js';
import { invalidParams } from './errors.js';
import { nestedDeeperThan } from './json-depth.js';

/** Deepest nesting of a contract call's arguments given to contract_query. */
export const MAX_ARGS_DEPTH = 32;

export type Params = Record<string, unknown>;

function unquote(value: unknown): unknown {
  return typeof value === 'string' && value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

/** A height: absent, null, 0 or "" mean "latest" (undefined). */
export function optionalHeight(params: Params, name = 'height'): number | undefined {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '' || raw === 0 || raw === '0') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidParams(`${name} must be a non-negative integer`);
  return n;
}

export function optionalInt(params: Params, name: string, fallback: number, max: number): number {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 0 || n > max) throw invalidParams(`${name} must be an integer between 0 and ${max}`);
  return n;
}

export function requiredHex(params: Params, name: string, length?: number): Uint8Array {
  const raw = unquote(params[name]);
  if (typeof raw !== 'string' || raw.length === 0) throw invalidParams(`${name} is required (hex)`);
  let bytes: Uint8Array;
  try {
    bytes = fromHex(raw, name);
  } catch {
    throw invalidParams(`${name} must be hex with an even number of digits (with or without 0x)`);
  }
  if (length !== undefined && bytes.length !== length) throw invalidParams(`${name} must be ${length} bytes`);
  return bytes;
}

/** Transaction bytes: 0x-hex (as CometBFT's URI form) or base64 (as its JSON-RPC form); the request body bounds their size. */
export function requiredTx(params: Params): Uint8Array {
  return requiredBytes(params, 'tx', Number.MAX_SAFE_INTEGER);
}

export function requiredAddress(params: Params, name = 'address'): Uint8Array {
  const raw = unquote(params[name]);
  if (typeof raw !== 'string') throw invalidParams(`${name} is required (0x followed by 40 hex digits)`);
  try {
    return parseAddress(raw);
  } catch (err) {
    throw invalidParams((err as Error).message);
  }
}

export function optionalBool(params: Params, name: string): boolean {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '' || raw === false || raw === 'false') return false;
  if (raw === true || raw === 'true') return true;
  throw invalidParams(`${name} must be true or false`);
}

export function optionalString(params: Params, name: string): string | undefined {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw invalidParams(`${name} must be a string`);
  return raw;
}

/** A required positive integer, such as a proposal id: a JSON number or decimal digits. */
export function requiredPositiveInt(params: Params, name: string): number {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '') throw invalidParams(`${name} is required (a positive integer)`);
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw invalidParams(`${name} must be a positive integer`);
  return n;
}

/** A required non-empty string of at most `maxBytes` UTF-8 bytes. */
export function requiredString(params: Params, name: string, maxBytes: number): string {
  const raw = unquote(params[name]);
  if (typeof raw !== 'string' || raw.length === 0) throw invalidParams(`${name} is required (a string)`);
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) throw invalidParams(`${name} is longer than ${maxBytes} bytes`);
  return raw;
}

/**
 * Arguments of a contract method: the text of a JSON array (BigInt tagged as {"$bigint":"10"}),
 * "[]" when absent. A JSON array given as such (in a JSON-RPC POST) is accepted too.
 */
export function optionalJsonArray(params: Params, name: string, maxBytes: number): string {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '') return '[]';
  // A JSON-RPC body is depth-checked before parsing (json-depth.ts), so this cannot recurse deep.
  const text = Array.isArray(raw) ? JSON.stringify(raw) : raw;
  if (typeof text !== 'string') throw invalidParams(`${name} must be the text of a JSON array, e.g. [1, "x", {"$bigint": "10"}]`);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw invalidParams(`${name} is longer than ${maxBytes} bytes`);
  if (nestedDeeperThan(text, MAX_ARGS_DEPTH)) throw invalidParams(`${name} is nested deeper than ${MAX_ARGS_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParams(`${name} is not valid JSON; expected a JSON array, e.g. [1, "x", {"$bigint": "10"}]`);
  }
  if (!Array.isArray(parsed)) throw invalidParams(`${name} must be a JSON array, e.g. [1, "x", {"$bigint": "10"}]`);
  return text;
}

/**
 * A 32-byte hash (tx, block_by_hash, header_by_hash): hex, with or without 0x (CometBFT's URI
 * form), or base64 (its JSON-RPC `[]byte` form, how CosmJS sends it). The two never meet: 32
 * bytes are 64 hex digits or 44 base64 characters. In a URI a base64 `+` arrives as a space.
 */
export function requiredHash(params: Params, name = 'hash'): Uint8Array {
  const raw = unquote(params[name]);
  if (typeof raw !== 'string' || raw.length === 0) throw invalidParams(`${name} is required: 32 bytes as 64 hex digits (0x optional) or 44 base64 characters`);
  if (/^(0[xX])?[0-9a-fA-F]{64}$/.test(raw)) return fromHex(raw, name);
  const b64 = raw.replaceAll(' ', '+');
  if (/^[A-Za-z0-9+/]{43}=$/.test(b64)) {
    const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
    if (bytes.length === 32) return bytes;
  }
  throw invalidParams(`${name} must be 32 bytes: 64 hex digits (0x optional) or 44 base64 characters`);
}

/**
 * Bytes given as 0x-hex (CometBFT's URI form) or base64 (its JSON-RPC form): a transaction,
 * broadcast_evidence's evidence. Without 0x the text is base64, never hex: the digits of hex
 * are also base64 characters, so only the prefix tells them apart.
 */
export function requiredBytes(params: Params, name: string, maxBytes: number): Uint8Array {
  const raw = unquote(params[name]);
  if (typeof raw !== 'string' || raw.length === 0) throw invalidParams(`${name} is required (0x-prefixed hex or base64)`);
  if (raw.length > 2 * maxBytes + 2) throw invalidParams(`${name} is longer than ${maxBytes} bytes`);
  let bytes: Uint8Array;
  if (/^0[xX][0-9a-fA-F]*$/.test(raw)) {
    if (raw.length % 2 !== 0) throw invalidParams(`${name} is 0x-hex with an odd number of digits; each byte is two hex digits`);
    bytes = fromHex(raw);
  } else {
    const b64 = raw.replaceAll(' ', '+');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) throw invalidParams(`${name} must be 0x-prefixed hex or base64`);
    bytes = new Uint8Array(Buffer.from(b64, 'base64'));
  }
  if (bytes.length > maxBytes) throw invalidParams(`${name} is longer than ${maxBytes} bytes`);
  return bytes;
}

/** CometBFT's paging (rpc/core/env.go): per_page below 1 is the default, above the maximum is the maximum. */
export const DEFAULT_PER_PAGE = 30;
export const MAX_PER_PAGE = 100;

/**
 * A page size (per_page; unconfirmed_txs' limit): any integer, a JSON number or decimal digits
 * with an optional minus. Below 1 (0, -1, …) is the default and above MAX_PER_PAGE is the
 * maximum, as CometBFT's validatePerPage; only what is not an integer is invalid params.
 */
export function perPage(params: Params, name = 'per_page'): number {
  const raw = unquote(params[name]);
  if (raw === undefined || raw === null || raw === '') return DEFAULT_PER_PAGE;
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : '';
  // Digits only (any length): a number past the safe range is still below 1 or above the maximum.
  const m = /^(-?)0*([0-9]+)$/.exec(typeof raw === 'number' && Number.isInteger(raw) ? BigInt(raw).toString() : text);
  if (!m) throw invalidParams(`${name} must be an integer (below 1 means ${DEFAULT_PER_PAGE}, above ${MAX_PER_PAGE} means ${MAX_PER_PAGE})`);
  const digits = m[2] as string;
  if (m[1] === '-' || digits === '0') return DEFAULT_PER_PAGE;
  return digits.length > 3 ? MAX_PER_PAGE : Math.min(Number(digits), MAX_PER_PAGE);
}

/** The page asked (1 when absent): a page past the last is invalid params, as CometBFT refuses it. */
export function pageOf(params: Params, per: number, total: number): number {
  const pages = Math.max(1, Math.ceil(total / per));
  const raw = unquote(params.page);
  if (raw === undefined || raw === null || raw === '') return 1;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) throw invalidParams('page must be an integer');
  if (n < 1 || n > pages) throw invalidParams(`page should be within [1, ${pages}] range, given ${n}`);
  return n;
}

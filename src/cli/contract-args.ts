/**
 * Contract values on the command line. Arguments are a JSON array; contracts see BigInt
 * (spec/contracts.md), which JSON lacks, so a string of digits with an `n` suffix, as a
 * JavaScript BigInt literal (`"10n"`, `"-3n"`), becomes a BigInt. The wire form
 * `{"$bigint": "10"}` is accepted too. Results print the other way round: a BigInt as `10n`.
 */
import { utf8 } from '../codec/bytes.js';
import { MAX_CONTRACT_ARGS_BYTES } from '../codec/tx.js';
import { CommandError } from './output.js';

const BIGINT_LITERAL = /^-?\d+n$/;
const BIGINT_DIGITS = /^-?\d+$/;
const EXAMPLE = `'[1, "text", "10n"]'`;

function invalid(message: string): CommandError {
  return new CommandError(message, 'INVALID_ARGUMENT');
}

function isTagged(value: unknown): value is { $bigint: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.hasOwn(value, '$bigint');
}

function tag(value: unknown, option: string): unknown {
  if (typeof value === 'string') return BIGINT_LITERAL.test(value) ? { $bigint: BigInt(value.slice(0, -1)).toString() } : value;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw invalid(`${option}: ${value} is too large for a JavaScript number and would lose digits; write a BigInt as a string with an n suffix, e.g. "123456789012345678901n"`);
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => tag(v, option));
  if (value !== null && typeof value === 'object') {
    if (isTagged(value)) {
      if (Object.keys(value).length !== 1 || typeof value.$bigint !== 'string' || !BIGINT_DIGITS.test(value.$bigint)) {
        throw invalid(`${option}: {"$bigint": …} must hold only a string of decimal digits, e.g. {"$bigint": "10"} (or write "10n")`);
      }
      return value;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tag(v, option)]));
  }
  return value;
}

/**
 * The JSON-array text a contract receives, from what the user typed: `"10n"` strings become
 * tagged BigInt. Anything but a JSON array is a usage error.
 */
export function parseContractArgs(text: string, option = '--args'): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`${option} is not valid JSON (${(err as Error).message}); expected a JSON array such as ${EXAMPLE}`);
  }
  if (!Array.isArray(parsed)) throw invalid(`${option} must be a JSON array such as ${EXAMPLE}, got ${parsed === null ? 'null' : typeof parsed}`);
  const json = JSON.stringify(tag(parsed, option));
  const bytes = utf8(json).length;
  if (bytes > MAX_CONTRACT_ARGS_BYTES) throw invalid(`${option} is ${bytes} bytes; a transaction carries at most ${MAX_CONTRACT_ARGS_BYTES}`);
  return json;
}

/** A contract value (JSON, BigInt tagged) as compact text, each BigInt written `10n`. */
export function formatContractValue(value: unknown): string {
  if (isTagged(value) && Object.keys(value).length === 1 && typeof value.$bigint === 'string') return `${value.$bigint}n`;
  if (Array.isArray(value)) return `[${value.map(formatContractValue).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${JSON.stringify(k)}: ${formatContractValue(v)}`)
      .join(', ')}}`;
  }
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/** JSON text from a receipt (an event's data or a call's result), parsed; text that is not JSON stays as it is. */
export function parseContractJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

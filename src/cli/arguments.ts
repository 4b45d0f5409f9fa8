/**
 * Parsers for option values. Used as commander option parsers they raise commander's
 * InvalidArgumentError (printed as a usage error, exit code 2); called inside an action
 * they raise a CommandError with code INVALID_ARGUMENT (also exit code 2).
 */
import { InvalidArgumentError } from 'commander';
import { CmtError } from '../codec/errors.js';
import { CommandError } from './output.js';

function check(ok: boolean, message: string): void {
  if (!ok) throw new CommandError(message, 'INVALID_ARGUMENT');
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  check(/^\d+$/.test(value) && Number.isSafeInteger(n) && n > 0, `expected a positive integer, got "${value}"`);
  return n;
}

export function parseNonNegativeInt(value: string): number {
  const n = Number(value);
  check(/^\d+$/.test(value) && Number.isSafeInteger(n), `expected a non-negative integer, got "${value}"`);
  return n;
}

export function parsePort(value: string): number {
  const n = parseNonNegativeInt(value);
  check(n <= 65535, `port must be 0-65535, got ${n}`);
  return n;
}

/** Wraps a parser for use as a commander option parser. */
export function optionParser<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (err) {
      if (err instanceof CmtError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  };
}

/** Error codes that mean "the command line was wrong": exit code 2. */
export const USAGE_ERROR_CODES = new Set(['INVALID_ARGUMENT', 'INVALID_ADDRESS', 'INVALID_AMOUNT', 'INVALID_KEY_NAME']);

/**
 * Parsers for option values. Used as commander option parsers they raise commander's
 * InvalidArgumentError (printed as a usage error, exit code 2); called inside an action
 * they raise a CommandError with code INVALID_ARGUMENT (also exit code 2).
 */
import { InvalidArgumentError } from 'commander';
import { ONE_CMT, parseAmount } from '../codec/amount.js';
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

/** `100,100,50,50`: whole CMT per item (or amounts such as `2.5cmt`), each at least 1 CMT. */
export function parseStakeList(value: string): bigint[] {
  const items = value.split(',').map((item) => item.trim());
  return items.map((item) => {
    let amount: bigint;
    try {
      amount = /^\d+$/.test(item) ? BigInt(item) * ONE_CMT : parseAmount(item);
    } catch {
      throw new CommandError(`"${item}" in "${value}" is not a stake (whole CMT such as 100, or an amount such as 2.5cmt)`, 'INVALID_ARGUMENT');
    }
    check(amount >= ONE_CMT, `each stake must be at least 1 CMT (one unit of voting power), got "${item}"`);
    return amount;
  });
}

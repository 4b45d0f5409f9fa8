/** CMT amounts: 1 CMT = 10^18 base units, always bigint. */
import { CmtError } from './errors.js';

export const CMT_DECIMALS = 18;
export const ONE_CMT = 10n ** 18n;
export const MAX_AMOUNT = (1n << 256n) - 1n;

export class InvalidAmountError extends CmtError {
  constructor(input: string, reason: string) {
    super('INVALID_AMOUNT', `invalid amount ${JSON.stringify(input)}: ${reason}`);
  }
}

/**
 * Parses `5cmt`, `0.25cmt`, `5 CMT` (whole or fractional CMT, at most 18 decimals) or a plain
 * integer of base units (`1000`). Anything else, a negative number or more than 2^256-1 is an error.
 */
export function parseAmount(input: string): bigint {
  const text = input.trim();
  const cmt = /^(\d+)(?:\.(\d+))?\s*cmt$/i.exec(text);
  let value: bigint;
  if (cmt) {
    const whole = cmt[1] as string;
    const fraction = cmt[2] ?? '';
    if (fraction.length > CMT_DECIMALS) throw new InvalidAmountError(input, `more than ${CMT_DECIMALS} decimal places`);
    value = BigInt(whole) * ONE_CMT + BigInt(fraction.padEnd(CMT_DECIMALS, '0') || '0');
  } else if (/^\d+$/.test(text)) {
    value = BigInt(text);
  } else {
    throw new InvalidAmountError(input, 'expected e.g. 5cmt, 0.25cmt, or an integer number of base units');
  }
  if (value > MAX_AMOUNT) throw new InvalidAmountError(input, 'larger than 2^256-1 base units');
  return value;
}

/** `1.5 CMT`, `0 CMT`; exact, no rounding. */
export function formatCmt(amount: bigint): string {
  const negative = amount < 0n;
  const abs = negative ? -amount : amount;
  const whole = abs / ONE_CMT;
  const fraction = (abs % ONE_CMT).toString().padStart(CMT_DECIMALS, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? '.' + fraction : ''} CMT`;
}

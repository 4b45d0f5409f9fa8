import { describe, expect, it } from 'vitest';
import { formatCmt, ONE_CMT, parseAmount } from '../../src/codec/amount.js';

describe('CMT amounts', () => {
  it.each([
    ['5cmt', 5n * ONE_CMT],
    ['0.25cmt', ONE_CMT / 4n],
    ['5 CMT', 5n * ONE_CMT],
    ['1000', 1000n],
    ['0.000000000000000001cmt', 1n],
  ])('parses %s', (input, expected) => {
    expect(parseAmount(input)).toBe(expected);
  });

  it.each(['', '-5cmt', '1.5', '5 dollars', '0.0000000000000000001cmt', `${2n ** 256n}`, '1e18', 'cmt'])('rejects %j', (input) => {
    expect(() => parseAmount(input)).toThrow(/invalid amount/);
  });

  it('formats exactly', () => {
    expect(formatCmt(5n * ONE_CMT)).toBe('5 CMT');
    expect(formatCmt(ONE_CMT / 4n)).toBe('0.25 CMT');
    expect(formatCmt(1n)).toBe('0.000000000000000001 CMT');
    expect(formatCmt(0n)).toBe('0 CMT');
  });
});

/**
 * The rules language's exact numbers against a reference in fractions of bigints: sums,
 * differences and products exact; quotients to 18 places rounded half to even; one canonical
 * form per value; junk text and oversized results refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, DecimalError, DIVISION_SCALE, MAX_DIGITS } from '../../src/rules/decimal.js';

/** A value as the fraction units / 10^scale, the reference's form. */
const arb = fc.record({ units: fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), scale: fc.integer({ min: 0, max: 20 }) }).map(({ units, scale }) => Decimal.of(units, scale));
const ratio = (d: Decimal): [bigint, bigint] => [d.units, 10n ** BigInt(d.scale)];
const sameValue = (d: Decimal, [n, q]: [bigint, bigint]): boolean => d.units * q === n * 10n ** BigInt(d.scale);

describe('Decimal', () => {
  it('adds, subtracts and multiplies exactly', () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        const [an, ad] = ratio(a);
        const [bn, bd] = ratio(b);
        expect(sameValue(a.add(b), [an * bd + bn * ad, ad * bd])).toBe(true);
        expect(sameValue(a.sub(b), [an * bd - bn * ad, ad * bd])).toBe(true);
        expect(sameValue(a.mul(b), [an * bn, ad * bd])).toBe(true);
      }),
    );
  });

  it('divides to 18 places, half to even, and refuses zero', () => {
    const scale = 10n ** BigInt(DIVISION_SCALE);
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        fc.pre(b.units !== 0n);
        const [an, ad] = ratio(a);
        const [bn, bd] = ratio(b);
        // q = a / b × 10^18 as an exact fraction num / den with den > 0, then rounded.
        let num = an * bd * scale;
        let den = ad * bn;
        if (den < 0n) [num, den] = [-num, -den];
        const floor = num >= 0n ? num / den : -((-num + den - 1n) / den);
        const rest = num - floor * den;
        const rounded = rest * 2n > den || (rest * 2n === den && floor % 2n !== 0n) ? floor + 1n : floor;
        expect(sameValue(a.div(b), [rounded, scale])).toBe(true);
      }),
    );
    expect(() => Decimal.int(1).div(Decimal.int(0))).toThrow(DecimalError);
    expect(Decimal.parse('1').div(Decimal.parse('3')).toString()).toBe('0.333333333333333333');
    expect(Decimal.parse('2').div(Decimal.parse('3')).toString()).toBe('0.666666666666666667');
    expect(Decimal.parse('0.0000000000000000005').div(Decimal.int(1)).toString()).toBe('0');
    expect(Decimal.parse('0.0000000000000000015').div(Decimal.int(1)).toString()).toBe('0.000000000000000002');
  });

  it('takes the remainder of truncated division exactly, with the dividend\'s sign', () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        fc.pre(b.units !== 0n);
        const r = a.mod(b);
        // a - r is a whole multiple of b, and |r| < |b| with r's sign a's (or r zero).
        const q = a.sub(r).div(b);
        expect(q.isInteger).toBe(true);
        expect(q.mul(b).add(r).equals(a)).toBe(true);
        expect(r.units === 0n || r.units < 0n === a.units < 0n).toBe(true);
        const abs = (d: Decimal): Decimal => (d.units < 0n ? d.neg() : d);
        expect(abs(r).compare(abs(b))).toBe(-1);
      }),
    );
  });

  it('has one form per value: it prints, parses back and compares as its fraction', () => {
    fc.assert(
      fc.property(arb, arb, (a, b) => {
        expect(Decimal.parse(a.toString()).equals(a)).toBe(true);
        const [an, ad] = ratio(a);
        const [bn, bd] = ratio(b);
        const want = an * bd < bn * ad ? -1 : an * bd > bn * ad ? 1 : 0;
        expect(a.compare(b)).toBe(want);
        expect(a.equals(b)).toBe(want === 0);
      }),
    );
    expect(Decimal.parse('1.50').equals(Decimal.parse('1.5'))).toBe(true);
    expect(Decimal.parse('-0.0').toString()).toBe('0');
    expect(Decimal.parse('100').mul(Decimal.parse('0.8')).toString()).toBe('80');
    expect(Decimal.parse('0.1').add(Decimal.parse('0.2')).toString()).toBe('0.3');
  });

  it('refuses text that is not a number, and results past the digit limit', () => {
    for (const junk of ['', '1e3', '0x10', '1.', '.5', '+1', ' 1', '1 ', 'NaN', 'Infinity', '1.2.3', '--1', '١'])
      expect(() => Decimal.parse(junk), junk).toThrow(DecimalError);
    const big = Decimal.parse('9'.repeat(MAX_DIGITS));
    expect(() => big.add(Decimal.int(1))).toThrow(DecimalError);
    expect(() => big.mul(big)).toThrow(DecimalError);
    expect(() => Decimal.parse('1'.repeat(MAX_DIGITS + 1))).toThrow(DecimalError);
    expect(() => Decimal.int(2 ** 53)).toThrow(DecimalError);
  });
});

/**
 * The mempool's sums by gas price (src/mempool/price-levels.ts): buckets keep the order of
 * prices, and the sums at or above a price equal a plain list's, for generated histories of
 * additions and removals.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceLevels, priceBucket } from '../../src/mempool/price-levels.js';

const price = fc.oneof(fc.bigInt({ min: 0n, max: 64n }), fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }));

describe('price levels', () => {
  it('orders buckets as prices, and parts prices an eighth apart', () => {
    fc.assert(
      fc.property(price, price, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(priceBucket(lo)).toBeLessThanOrEqual(priceBucket(hi));
        if (hi >= lo + lo / 8n + 1n) expect(priceBucket(hi)).toBeGreaterThan(priceBucket(lo));
      }),
    );
    expect(priceBucket((1n << 256n) - 1n)).toBeGreaterThan(priceBucket(1n << 255n));
  });

  it('sums at or above a price as a plain list does, through additions and removals', () => {
    const op = fc.record({ price, gas: fc.nat({ max: 500_000_000 }), bytes: fc.nat({ max: 1 << 20 }), remove: fc.boolean() });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), price, (ops, query) => {
        const levels = new PriceLevels();
        const held: { price: bigint; gas: number; bytes: number }[] = [];
        for (const o of ops) {
          const i = o.remove ? held.findIndex((h) => h.price === o.price) : -1;
          if (i >= 0) {
            const [gone] = held.splice(i, 1);
            if (gone) levels.change(gone.price, gone.gas, gone.bytes, -1);
          } else {
            held.push(o);
            levels.change(o.price, o.gas, o.bytes, 1);
          }
        }
        const bucket = priceBucket(query);
        const expected = held.filter((h) => priceBucket(h.price) >= bucket);
        expect(levels.atOrAbove(query)).toEqual({ gas: expected.reduce((s, h) => s + h.gas, 0), bytes: expected.reduce((s, h) => s + h.bytes, 0) });
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { nextBaseFee } from '../../../src/app/fees/base-fee.js';

const MIN = 1_000_000_000n;
const LIMIT = 1_000_000;

describe('the base fee', () => {
  it('rises by at most 1/8 in a full block, falls by at most 1/8 in an empty one, never below the minimum', () => {
    expect(nextBaseFee(8n * MIN, LIMIT, LIMIT, MIN)).toBe(9n * MIN);
    expect(nextBaseFee(8n * MIN, 0, LIMIT, MIN)).toBe(7n * MIN);
    expect(nextBaseFee(8n * MIN, LIMIT / 2, LIMIT, MIN)).toBe(8n * MIN);
    expect(nextBaseFee(MIN, 0, LIMIT, MIN)).toBe(MIN);
    // Just over the target still moves it up by at least one unit.
    expect(nextBaseFee(8n, LIMIT / 2 + 1, LIMIT, 1n)).toBe(9n);
  });

  it('follows fullness over a run of blocks and comes back down', () => {
    let fee = MIN;
    for (let i = 0; i < 10; i++) fee = nextBaseFee(fee, LIMIT, LIMIT, MIN);
    expect(fee).toBeGreaterThan(3n * MIN);
    expect(fee).toBeLessThan(4n * MIN);
    for (let i = 0; i < 60; i++) fee = nextBaseFee(fee, 0, LIMIT, MIN);
    expect(fee).toBe(MIN);
  });
});

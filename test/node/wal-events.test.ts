/**
 * A timeout in the WAL is its step's index, not its name: a WAL written before a step was
 * renamed replays after it. The vectors pin each step's bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import type { TimeoutStep } from '../../src/consensus/types.js';
import { decodeWalEvent, encodeWalEvent } from '../../src/node/wal-events.js';

// Written by the code before the renames: 'newHeight' was 'commit', index 0.
const STEPS: [TimeoutStep, string][] = [
  ['newHeight', 'c503c3070280'],
  ['propose', 'c503c3070201'],
  ['prevote', 'c503c3070202'],
  ['precommit', 'c503c3070203'],
];

describe('timeouts in the WAL', () => {
  it.each(STEPS)('encode the %s timeout as before', (step, hex) => {
    expect(toHex(encodeWalEvent({ type: 'timeout', height: 7, round: 2, step }))).toBe(hex);
  });

  it('round-trip', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...STEPS.map(([s]) => s)), (height, round, step) => {
        const event = { type: 'timeout' as const, height, round, step };
        expect(decodeWalEvent(encodeWalEvent(event))).toEqual(event);
      }),
    );
  });
});

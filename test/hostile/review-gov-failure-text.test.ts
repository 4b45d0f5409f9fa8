/**
 * A passed proposal that no longer applies is marked failed with its reason cut to the
 * record's 512 bytes (spec/hostile-input.md, "Contract results and receipts": text the app
 * makes is fitted where it is made), whatever the proposal quoted, in time bounded by the
 * limit: it runs inside EndBlock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { writeConsensusParams } from '../../src/app/gov/consensus-params-store.js';
import { executeChange } from '../../src/app/gov/execute.js';
import { emptyState } from '../app/gov/gov-fixtures.js';
import { isWellFormed, textUnit, utf8Bytes } from '../support/unicode-text.js';

describe('a failed proposal\'s reason', () => {
  it('fits 512 bytes, well-formed, in time linear in the limit whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: textUnit, minLength: 1, maxLength: 4 }), fc.integer({ min: 200, max: 20_000 }), (piece, repeat) => {
        const state = emptyState();
        writeConsensusParams(state, DEFAULT_CONSENSUS_PARAMS);
        // An unknown parameter's name is quoted in the reason, whole.
        const name = piece.repeat(repeat);
        const started = performance.now();
        const result = executeChange(state, { type: 'params', changes: [{ name, value: '1' }] });
        const took = performance.now() - started;
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(utf8Bytes(result.reason)).toBeLessThanOrEqual(512);
        expect(isWellFormed(result.reason)).toBe(true);
        expect(result.reason).toMatch(/^unknown parameter/);
        // Generous: fitting takes well under a millisecond; anything near this is work on the whole text.
        expect(took).toBeLessThan(250);
      }),
      { numRuns: 40 },
    );
  });
});

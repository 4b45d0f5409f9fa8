/**
 * Consensus parameters are hashed into every header, so their bytes are a consensus rule: the
 * RLP of a struct is its values in field order, and a field's TypeScript name is not part of
 * it. The vector pins the default parameters' hash, so renaming a field cannot change a chain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { consensusParamsHash, ConsensusParams, DEFAULT_CONSENSUS_PARAMS, TIMEOUT_JSON_NAMES, TimeoutParams } from '../../src/codec/params.js';
import { decode, encode } from '../../src/codec/schema.js';

describe('consensus parameter bytes', () => {
  it('hash the defaults to the pinned vector', () => {
    expect(toHex(consensusParamsHash(DEFAULT_CONSENSUS_PARAMS))).toBe('8648fda5882ee6b3547a67a6d26b1bddefb6e57f2eb2c6e8d619fcf32af2914b');
  });

  it('encode the timeouts in the struct\'s field order, whatever order an object lists them in', () => {
    const ms = fc.integer({ min: 0, max: 2 ** 40 });
    fc.assert(
      fc.property(fc.array(ms, { minLength: TIMEOUT_JSON_NAMES.length, maxLength: TIMEOUT_JSON_NAMES.length }), (values) => {
        const timeouts = Object.fromEntries(TIMEOUT_JSON_NAMES.map(([, field], i) => [field, values[i]])) as TimeoutParams;
        const params: ConsensusParams = { ...DEFAULT_CONSENSUS_PARAMS, timeouts };
        expect(decode(ConsensusParams, encode(ConsensusParams, params))).toEqual(params);
        // The struct's field order decides the bytes, not the order of an object's keys.
        expect(encode(TimeoutParams, timeouts)).toEqual(encode(TimeoutParams, Object.fromEntries(Object.entries(timeouts).reverse()) as TimeoutParams));
      }),
    );
  });
});

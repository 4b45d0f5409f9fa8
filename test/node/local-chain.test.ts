/** Which chain ids may run a Byzantine strategy: the local test chains and nothing else. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertLocalChain, isLocalChain, LOCAL_CHAIN_ID_PREFIXES } from '../../src/node/local-chain.js';

describe('local chain ids', () => {
  it('accepts the ids the chaos runner, cmt testnet and the tests make', () => {
    for (const id of ['cmt-chaos-one-byzantine', 'cmt-chaos-x', 'cmt-testnet', 'cmt-testnet-2', 'cmt-test', 'cmt-test-split']) expect(isLocalChain(id)).toBe(true);
    expect(() => assertLocalChain('cmt-chaos-smoke')).not.toThrow();
  });

  it('refuses mainnet-like ids, naming the chain id', () => {
    for (const id of ['cmt-mainnet', 'cyber-1', 'cmt-local', 'cmt-devnet', 'cmt-testnetwork', 'cmt-tests', 'cmt-chaosmonkey', 'CMT-TEST', ' cmt-test', '']) {
      expect(isLocalChain(id)).toBe(false);
      expect(() => assertLocalChain(id, '--byzantine silence')).toThrow(expect.objectContaining({ code: 'NOT_A_LOCAL_CHAIN', message: expect.stringContaining(`"${id}"`) }));
    }
  });

  it('accepts an id exactly when it is a local prefix, or one followed by "-"', () => {
    const prefix = fc.constantFrom(...LOCAL_CHAIN_ID_PREFIXES);
    const id = fc.oneof(fc.string({ maxLength: 30 }), fc.tuple(prefix, fc.string({ maxLength: 10 })).map(([p, rest]) => p + rest));
    fc.assert(
      fc.property(id, (chainId) => {
        const expected = LOCAL_CHAIN_ID_PREFIXES.some((p) => chainId === p || (chainId.length > p.length && chainId.slice(0, p.length + 1) === `${p}-`));
        expect(isLocalChain(chainId)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

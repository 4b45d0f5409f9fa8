/**
 * Review of issue 14, `cmt start --byzantine`: the only thing between a misbehaviour strategy
 * and a chain is its chain id (local-chain.ts): `cmt-chaos[-…]`, `cmt-testnet[-…]` and
 * `cmt-test[-…]` count as local test chains, on the premise (spec/faults.md) that a real network
 * and a test network never share an id by accident. But `cmt init`, which makes real chains,
 * takes any --chain-id: a real public testnet made with `cmt init --chain-id cmt-testnet-1` (a
 * natural name) is a "local chain", and --byzantine runs on it. The local ids must be reserved
 * where real chains are made.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isLocalChain } from '../../src/node/local-chain.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

describe('the ids --byzantine trusts are reserved', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(cleanups.splice(0).map((c) => c()));
  });

  it('cmt init refuses to make a real chain whose id --byzantine would take for a local test chain', async () => {
    const dir = await tempDir('review14-init-');
    cleanups.push(dir.cleanup);
    const chainId = 'cmt-testnet-1';
    expect(isLocalChain(chainId)).toBe(true);
    const out = await cmt(['init', '--home', join(dir.path, 'home'), '--chain-id', chainId]);
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain(chainId);
  });
});

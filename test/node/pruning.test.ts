/**
 * Block pruning (src/node/pruning.ts): after each new block the store keeps the last
 * `retainBlocks` blocks; passes run one at a time in height order, a failed pass is logged and
 * the next one retries, and retainBlocks 0 never prunes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockPruner, type PrunableStore } from '../../src/node/pruning.js';
import { silentLogger } from '../../src/node/logger.js';

/** A store of blocks base..top whose prune calls never overlap (it records them in order). */
function fakeStore(failAt?: number): PrunableStore & { calls: number[]; overlapped: boolean } {
  let running = false;
  const store = {
    base: 1,
    calls: [] as number[],
    overlapped: false,
    async pruneBelow(height: number): Promise<number> {
      if (running) store.overlapped = true;
      running = true;
      store.calls.push(height);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running = false;
      if (height === failAt) throw new Error('disk full');
      const n = Math.max(0, height - store.base);
      store.base = Math.max(store.base, height);
      return n;
    },
  };
  return store;
}

describe('block pruning', () => {
  it('keeps the last retainBlocks blocks, one pass at a time, in height order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 60 }), async (retain, top) => {
        const store = fakeStore();
        const pruner = new BlockPruner(store, retain, silentLogger());
        for (let h = 1; h <= top; h++) pruner.prune(h);
        await pruner.idle();
        expect(store.overlapped).toBe(false);
        expect(store.base).toBe(Math.max(1, top - retain + 1));
        expect(store.calls).toEqual([...store.calls].sort((a, b) => a - b));
      }),
      { numRuns: 50 },
    );
  });

  it('logs a failed pass and prunes again at the next block', async () => {
    const store = fakeStore(3);
    const errors: string[] = [];
    const logger = Object.assign(silentLogger(), { error: (fields: { err: string }) => void errors.push(fields.err) });
    const pruner = new BlockPruner(store, 2, logger);
    pruner.prune(4);
    await pruner.idle();
    expect(errors).toEqual(['disk full']);
    pruner.prune(5);
    await pruner.idle();
    expect(store.base).toBe(4);
  });

  it('never prunes with retainBlocks 0', async () => {
    const store = fakeStore();
    const pruner = new BlockPruner(store, 0, silentLogger());
    for (let h = 1; h <= 10; h++) pruner.prune(h);
    await pruner.idle();
    expect(store.calls).toEqual([]);
  });
});

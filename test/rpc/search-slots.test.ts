/**
 * Searches run in the server's search slots (answer-slots.ts): however many clients search at
 * once, at most MAX_SEARCHES_AT_ONCE searches work on the node's thread, and waiting ones hold
 * no read slot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AnswerSlots, MAX_SEARCHES_AT_ONCE, UNSLOTTED_METHODS } from '../../src/rpc/answer-slots.js';
import { METHODS, type MethodContext } from '../../src/rpc/methods.js';
import type { NodeApi } from '../../src/node/api.js';

function countingApi(): { api: NodeApi; peak: () => number; release: () => void } {
  let running = 0;
  let peak = 0;
  const waiting: (() => void)[] = [];
  const search = async (): Promise<{ total: number; txs: never[]; heights: never[] }> => {
    running++;
    peak = Math.max(peak, running);
    await new Promise<void>((resolve) => waiting.push(resolve));
    running--;
    return { total: 0, txs: [], heights: [] };
  };
  const api = { searchTxs: search, searchBlocks: search } as unknown as NodeApi;
  return {
    api,
    peak: () => peak,
    release: () => {
      for (const w of waiting.splice(0)) w();
    },
  };
}

describe('search slots', () => {
  it('let at most MAX_SEARCHES_AT_ONCE searches run at once, and every search still answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom('tx_search', 'block_search'), { minLength: 1, maxLength: 12 }), async (methods) => {
        const { api, peak, release } = countingApi();
        const ctx: MethodContext = { api, rpcAddress: '', timeoutBroadcastTxCommitMs: 1000, maxResponseBytes: 1 << 20, searches: new AnswerSlots(MAX_SEARCHES_AT_ONCE) };
        const answers = methods.map((m) => (METHODS[m] as NonNullable<(typeof METHODS)[string]>)({ query: 'tx.height>0' }, ctx));
        let settled = 0;
        answers.forEach((a) => void a.then(() => settled++));
        while (settled < answers.length) {
          await new Promise((resolve) => setImmediate(resolve));
          release();
        }
        expect(peak()).toBeLessThanOrEqual(MAX_SEARCHES_AT_ONCE);
        expect(peak()).toBe(Math.min(methods.length, MAX_SEARCHES_AT_ONCE));
        for (const a of await Promise.all(answers)) expect(a).toMatchObject({ total_count: '0' });
      }),
    );
  });

  it('take no read slot while they wait', () => {
    expect(UNSLOTTED_METHODS.has('tx_search') && UNSLOTTED_METHODS.has('block_search')).toBe(true);
  });
});

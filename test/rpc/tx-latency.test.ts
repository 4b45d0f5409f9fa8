/**
 * tx_latency through a real node: transactions sent to its RPC are counted as seen and as
 * arrived by RPC in the block that holds them; a block's waits are at least the time from
 * submit to commit that the client saw; bad limits are invalid params, never internal errors.
 */
import { describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { RpcError } from '../../src/rpc/errors.js';
import type { NodeApi } from '../../src/node/api.js';
import type { BlockLatency } from '../../src/node/tx-latency.js';
import { METHODS, type MethodContext } from '../../src/rpc/methods.js';
import { addressOf, testKey, transfer } from '../support/nodes.js';
import { suiteNode } from '../support/suite-node.js';

const hex0x = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

interface Answer {
  window: string;
  blocks: { height: string; committed_at: string; txs: number; seen: number; via_rpc: number; rpc_fraction: number | null; p50_ms: number | null; p90_ms: number | null; max_ms: number | null }[];
}

describe('tx_latency on a node', () => {
  const suite = suiteNode(2);

  it('counts the transactions sent to its RPC in the block that committed them', async () => {
    const { client } = suite.running;
    const to = addressOf(testKey(1));
    const sent = Date.now();
    const commits = await Promise.all([0, 1, 2].map((nonce) => client.call<{ height: string }>('broadcast_tx_commit', { tx: hex0x(transfer(testKey(0), { nonce, to, amount: ONE_CMT })) })));
    const elapsed = Date.now() - sent;
    const heights = new Set(commits.map((c) => c.height));
    const answer = await client.call<Answer>('tx_latency', { limit: 50 });
    expect(answer.window).toBe('1000');
    const mine = answer.blocks.filter((b) => heights.has(b.height));
    expect(mine).toHaveLength(heights.size);
    expect(mine.reduce((n, b) => n + b.seen, 0)).toBe(3);
    for (const b of mine) {
      expect(b.via_rpc).toBe(b.seen);
      expect(b.rpc_fraction).toBe(1);
      expect(b.p50_ms).not.toBeNull();
      expect(b.p50_ms as number).toBeLessThanOrEqual(b.p90_ms as number);
      expect(b.p90_ms as number).toBeLessThanOrEqual(b.max_ms as number);
      expect(b.max_ms as number).toBeLessThanOrEqual(elapsed + 50);
      expect(Number.isNaN(Date.parse(b.committed_at))).toBe(false);
    }
    // Newest first, one entry per block, heights as CometBFT's strings.
    const numbers = answer.blocks.map((b) => Number(b.height));
    expect(numbers).toEqual([...numbers].sort((x, y) => y - x));
    expect(new Set(numbers).size).toBe(numbers.length);
    const empty = answer.blocks.find((b) => b.txs === 0);
    if (empty) expect(empty).toMatchObject({ seen: 0, rpc_fraction: null, p50_ms: null, max_ms: null });
  });

  it('refuses a limit outside 1..1000 as invalid params over GET and POST', async () => {
    const { rpc } = suite.running;
    for (const limit of ['0', '1001', '-1', '1.5', 'abc', 'true', '99999999999999999999']) {
      const res = await fetch(`${rpc.url}/tx_latency?limit=${encodeURIComponent(limit)}`);
      expect(res.status, limit).toBe(400);
      expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32602);
    }
    for (const limit of [0, 1001, -5, 2.5, true, [3], { n: 1 }]) {
      const res = await fetch(rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tx_latency', params: { limit } }) });
      expect(((await res.json()) as { error: { code: number } }).error.code, JSON.stringify(limit)).toBe(-32602);
    }
  });
});

describe('tx_latency limit', () => {
  function context(asked: number[]): MethodContext {
    const api = { txLatency: (limit: number): BlockLatency[] => (asked.push(limit), []) } as unknown as NodeApi;
    return { api, rpcAddress: '', timeoutBroadcastTxCommitMs: 1000, maxResponseBytes: 1 << 20 };
  }

  it('is 100 when absent and passes 1..1000 as given, digits or a number', async () => {
    const asked: number[] = [];
    const ctx = context(asked);
    for (const params of [{}, { limit: null }, { limit: '' }, { limit: 1 }, { limit: '1000' }, { limit: '"7"' }]) await METHODS.tx_latency!(params, ctx);
    expect(asked).toEqual([100, 100, 100, 1, 1000, 7]);
  });

  it('throws RpcError invalid params for anything else', async () => {
    const ctx = context([]);
    for (const limit of [0, 1001, -1, 1.5, 'x', false, {}, []]) {
      await expect(METHODS.tx_latency!({ limit }, ctx), String(limit)).rejects.toSatisfy((e: unknown) => e instanceof RpcError && e.rpcCode === -32602);
    }
  });
});

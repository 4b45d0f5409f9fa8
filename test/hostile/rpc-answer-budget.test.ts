/**
 * Answers have a byte budget: a batch asking for the same large block 1,000 times gets the
 * answers that fit and a clear "response too large" error for the rest, over HTTP and
 * WebSocket, with the node's memory bounded; a WebSocket client that sends requests and never
 * reads is closed once the bytes queued for it reach its budget.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/node/config.js';
import { waitForHeight } from '../support/nodes.js';
import { nextMessageOrClose, openWebSocket, startRpcTarget, wsUrl, type RpcTarget } from '../support/rpc-target.js';

const RESPONSE_TOO_LARGE = -32005;
const BATCH = 1_000;

interface Response {
  jsonrpc: string;
  id: unknown;
  result?: { block?: { data?: { txs?: string[] } } };
  error?: { code: number; message: string; data?: string };
}

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget();
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

const maxResponseBytes = (): number => DEFAULT_CONFIG.rpc.maxResponseBytes;
const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

function blockBatch(): string {
  return JSON.stringify(Array.from({ length: BATCH }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'block', params: { height: String(target.bigHeight) } })));
}

/** Every request answered once, each a block or "response too large", within the budget. */
function checkBatchAnswer(text: string): void {
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(maxResponseBytes() + BATCH * 512);
  const answers = JSON.parse(text) as Response[];
  expect(answers).toHaveLength(BATCH);
  expect(new Set(answers.map((a) => a.id)).size).toBe(BATCH);
  const full = answers.filter((a) => a.result !== undefined);
  expect(full.length).toBeGreaterThan(0);
  for (const a of full) expect(a.result?.block?.data?.txs?.length).toBeGreaterThan(0);
  const refused = answers.filter((a) => a.error !== undefined);
  expect(refused.length).toBeGreaterThan(0);
  for (const a of refused) {
    expect(a.error?.code).toBe(RESPONSE_TOO_LARGE);
    expect(a.error?.data).toMatch(/bytes/);
  }
}

async function nodeStillWorks(): Promise<void> {
  const health = (await (await fetch(`${target.running.rpc.url}/health`)).json()) as Response;
  expect(health.result).toEqual({});
  const height = target.running.node.status().latestBlockHeight;
  await waitForHeight(target.running.node, height + 2);
}

describe('answer byte budget', () => {
  it('a batch of 1,000 large blocks over HTTP answers what fits and refuses the rest, memory bounded', async () => {
    const before = peakRssBytes();
    const res = await fetch(target.running.rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: blockBatch() });
    expect(res.status).toBe(200);
    checkBatchAnswer(await res.text());
    expect(peakRssBytes() - before).toBeLessThan(512 * 1024 * 1024);
    await nodeStillWorks();
  });

  it('the same batch in one WebSocket message gets one answer within budget and the node stays up', async () => {
    const ws = await openWebSocket(wsUrl(target));
    try {
      const before = peakRssBytes();
      const answer = nextMessageOrClose(ws);
      ws.send(blockBatch());
      const got = await answer;
      expect('text' in got).toBe(true);
      if ('text' in got) checkBatchAnswer(got.text);
      expect(peakRssBytes() - before).toBeLessThan(512 * 1024 * 1024);
      await nodeStillWorks();
    } finally {
      ws.terminate();
    }
  });

  it('a WebSocket client that never reads is closed (1008) once its queued bytes reach the budget', async () => {
    const budget = DEFAULT_CONFIG.rpc.websocketWriteBufferBytes;
    const ws = await openWebSocket(wsUrl(target));
    try {
      ws.pause();
      // Answers of about 0.5 MB each: three times the budget, far past what the kernel buffers.
      const count = Math.ceil((3 * budget) / target.bigTxBytes);
      for (let i = 0; i < count; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'block', params: { height: String(target.bigHeight) } }));
      const rpc = target.running.rpc;
      // Until the node either closes the client or lets its queue grow past the budget.
      await vi.waitFor(
        () => {
          const clients = rpc.webSocketClients();
          expect(clients.some((c) => c.closing || c.bufferedBytes > budget + 1024 * 1024)).toBe(true);
        },
        { timeout: 20_000, interval: 20 },
      );
      const [client] = rpc.webSocketClients();
      expect(client?.bufferedBytes).toBeLessThanOrEqual(budget + 1024);
      expect(client?.closing).toBe(true);
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      ws.resume();
      expect(await closed).toBe(1008);
      await nodeStillWorks();
    } finally {
      ws.terminate();
    }
  });
});

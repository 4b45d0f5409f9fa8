/**
 * Subscriptions cost the node work on the consensus thread for every event (publishBlock runs
 * as the block is committed), so that work must not grow with what a client asks for for free
 * (spec/hostile-input.md, "RPC: answers, batches, WebSocket clients"): each event is turned
 * into JSON once whatever the number of subscriptions it matches (100 subscriptions to a block
 * of 0.5 MB serialized it 100 times, ~0.3 s of the thread per block per client), and the node
 * holds at most rpc.max_subscriptions subscriptions over all clients.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type WebSocket from 'ws';
import { DEFAULT_CONFIG } from '../../src/node/config.js';
import type { NewBlockEvent } from '../../src/node/event-bus.js';
import { openWebSocket, startRpcTarget, wsUrl, type RpcTarget } from '../support/rpc-target.js';
import { wsRequest } from '../support/ws-request.js';

const LIMIT = -32003;

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget();
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

interface Answer {
  id: unknown;
  result?: { query?: string; data?: { type: string; value: { block?: { header: { height: string } } } }; events?: Record<string, string[]> };
  error?: { code: number; message: string };
}

const request = (ws: WebSocket, id: number, method: string, params: unknown): Promise<Answer> => wsRequest<Answer>(ws, id, method, params);

/**
 * The n-th of many different queries every NewBlock event matches (a subscription is known by its
 * query, not its spelling, so each must be a different query): a height bound no chain reaches.
 */
const newBlockQuery = (n: number): string => `tm.event='NewBlock' AND block.height<${1_000_000_000 + n}`;

async function bigBlockEvent(): Promise<{ event: NewBlockEvent; hashes: Uint8Array[] }> {
  const node = target.running.node;
  const stored = await node.block(target.bigHeight);
  const results = await node.blockResults(target.bigHeight);
  if (!stored || !results) throw new Error('no big block');
  const response = { appHash: new Uint8Array(32), events: results.events, txResults: results.txResults, validatorUpdates: [], consensusParamUpdates: undefined } as unknown as NewBlockEvent['response'];
  return { event: { block: stored.block, hash: stored.hash, response, commit: stored.block.lastCommit }, hashes: stored.block.txs.map(() => new Uint8Array(32)) };
}

describe('subscriptions', () => {
  it('one event is serialized once, whatever the number of subscriptions it matches; each gets its own well-formed message', async () => {
    const { event, hashes } = await bigBlockEvent();
    await fc.assert(
      // At most 20 subscriptions a connection: 20 copies of the 0.7 MB event stay well under the
      // 32 MiB a client may leave unread, even when this process is slow to read them.
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 2, max: 20 }), async (connections, perConnection) => {
        const sockets = await Promise.all(Array.from({ length: connections }, () => openWebSocket(wsUrl(target))));
        try {
          const received: Answer[][] = sockets.map(() => []);
          for (const [c, ws] of sockets.entries()) {
            for (let i = 0; i < perConnection; i++) expect((await request(ws, i, 'subscribe', { query: newBlockQuery(i) })).error).toBeUndefined();
            ws.on('message', (data) => {
              // Blocks the node commits meanwhile are pushed too: keep the one published here.
              const answer = JSON.parse(data.toString()) as Answer;
              if (answer.result?.data?.value.block?.header.height === String(target.bigHeight)) received[c]?.push(answer);
            });
          }
          const stringify = vi.spyOn(JSON, 'stringify');
          let serialized = 0;
          try {
            target.running.node.events.publishBlock(event, hashes);
            for (const r of stringify.mock.results) if (r.type === 'return' && typeof r.value === 'string') serialized += r.value.length;
          } finally {
            stringify.mockRestore();
          }
          // The block's view is ~0.7 MB of JSON: made once, not once a subscription.
          expect(serialized).toBeLessThan(2 * target.bigTxBytes * 1.5);
          await vi.waitFor(() => expect(received.flat().length).toBe(connections * perConnection), { timeout: 10_000 });
          for (const list of received) {
            expect(new Set(list.map((a) => a.id)).size).toBe(perConnection);
            for (const a of list) {
              expect(a.result?.query).toBe(newBlockQuery(a.id as number));
              expect(a.result?.data?.type).toBe('tendermint/event/NewBlock');
              expect(a.result?.events?.['tm.event']).toEqual(['NewBlock']);
            }
          }
        } finally {
          for (const ws of sockets) ws.terminate();
        }
      }),
      { numRuns: 5 },
    );
  }, 120_000);

  it('an event that cannot be serialized never throws into the block commit; its subscribers are told', async () => {
    const { event, hashes } = await bigBlockEvent();
    const ws = await openWebSocket(wsUrl(target));
    try {
      expect((await request(ws, 1, 'subscribe', { query: "tm.event='NewBlock'" })).error).toBeUndefined();
      const cancelled = new Promise<Answer>((resolve) => ws.on('message', (data) => {
        const a = JSON.parse(data.toString()) as Answer;
        if (a.error !== undefined) resolve(a);
      }));
      // A value JSON.stringify cannot write (as an answer longer than a string can hold would be).
      const poison = { toJSON: () => { throw new RangeError('Invalid string length'); } };
      const bad = { ...event, response: { ...event.response, events: [{ type: 'x', attributes: [{ key: 'k', value: poison as unknown as string }] }] } };
      expect(() => target.running.node.events.publishBlock(bad, hashes)).not.toThrow();
      expect((await cancelled).error?.code).toBe(LIMIT);
    } finally {
      ws.terminate();
    }
  });

  it('a subscription keeps an id of at most 256 characters, since the node holds it and every event repeats it', async () => {
    const ws = await openWebSocket(wsUrl(target));
    try {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 4 * 1024 * 1024 }), async (length) => {
          const id = 'i'.repeat(length);
          const query = "tm.event='Tx'";
          const answer = await new Promise<Answer>((resolve) => {
            const onMessage = (data: WebSocket.RawData): void => {
              const a = JSON.parse(data.toString()) as Answer;
              if (a.id === id && a.result?.query === undefined) {
                ws.off('message', onMessage);
                resolve(a);
              }
            };
            ws.on('message', onMessage);
            ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'subscribe', params: { query } }));
          });
          if (JSON.stringify(id).length > 256) {
            expect(answer.error?.code).toBe(-32602);
            return;
          }
          expect(answer.error).toBeUndefined();
          expect((await request(ws, 1, 'unsubscribe', { query })).error).toBeUndefined();
        }),
        { numRuns: 20 },
      );
    } finally {
      ws.terminate();
    }
  }, 60_000);

  it('the node holds at most rpc.max_subscriptions over all clients; past it subscribe is -32003', async () => {
    const max = DEFAULT_CONFIG.rpc.maxSubscriptions;
    const perClient = DEFAULT_CONFIG.rpc.maxSubscriptionsPerClient;
    const sockets: WebSocket[] = [];
    try {
      let subscribed = 0;
      while (subscribed < max) {
        const ws = await openWebSocket(wsUrl(target));
        sockets.push(ws);
        for (let i = 0; i < perClient && subscribed < max; i++, subscribed++) {
          expect((await request(ws, i, 'subscribe', { query: newBlockQuery(i) })).error).toBeUndefined();
        }
      }
      const extra = await openWebSocket(wsUrl(target));
      sockets.push(extra);
      const refused = await request(extra, 1, 'subscribe', { query: "tm.event='Tx'" });
      expect(refused.error?.code).toBe(LIMIT);
      // A client leaving frees its subscriptions for others.
      const first = sockets[0] as WebSocket;
      const gone = new Promise((resolve) => first.once('close', resolve));
      first.close();
      await gone;
      await vi.waitFor(async () => expect((await request(extra, 2, 'subscribe', { query: "tm.event='Tx'" })).error).toBeUndefined(), { timeout: 5_000 });
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  }, 60_000);
});

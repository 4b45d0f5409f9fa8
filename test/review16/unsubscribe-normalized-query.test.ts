/**
 * review16: a subscription is known by its query, not by how the query was spelled. CometBFT
 * 0.38 keys a client's subscriptions by the parsed query's printed form (libs/pubsub keys by
 * query.String(), the syntax tree printed), so:
 *   - unsubscribe with `tm.event = 'NewBlock'` ends a subscription made as `tm.event='NewBlock'`;
 *   - subscribing again to the same query written differently is "already subscribed".
 * On cmt the first answers "not subscribed" and the subscription keeps pushing events; the
 * second makes a second subscription, so one block arrives twice on one connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { makeTestHome, startTestNode, type RunningTestNode, type TestHome } from '../support/nodes.js';
import { openWebSocket } from '../support/rpc-target.js';
import { wsRequest } from '../support/ws-request.js';

interface Answer {
  id: unknown;
  result?: { query?: string };
  error?: { code: number; message: string; data?: string };
}

const request = (ws: WebSocket, id: number, method: string, params: unknown): Promise<Answer> => wsRequest<Answer>(ws, id, method, params);

describe('subscriptions are keyed by the query, not its spelling', () => {
  let home: TestHome;
  let running: RunningTestNode;
  let ws: WebSocket;

  beforeAll(async () => {
    home = await makeTestHome(1);
    running = await startTestNode(home.home);
    ws = await openWebSocket(`${running.rpc.url.replace('http', 'ws')}/websocket`);
  }, 60_000);

  afterAll(async () => {
    ws?.close();
    await running?.stop();
    await home?.cleanup();
  });

  it("unsubscribe with `tm.event = 'NewBlock'` ends the subscription made as `tm.event='NewBlock'`", async () => {
    const sub = await request(ws, 1, 'subscribe', { query: "tm.event='NewBlock'" });
    expect(sub.error).toBeUndefined();
    const unsub = await request(ws, 2, 'unsubscribe', { query: "tm.event = 'NewBlock'" });
    expect(unsub.error).toBeUndefined();
    await request(ws, 3, 'unsubscribe_all', {});
  });

  it('subscribing to the same query spelled differently is refused as already subscribed', async () => {
    const first = await request(ws, 10, 'subscribe', { query: "tm.event='NewBlockHeader'" });
    expect(first.error).toBeUndefined();
    const again = await request(ws, 11, 'subscribe', { query: "tm.event  =  'NewBlockHeader'" });
    expect(again.error).toBeDefined();
    await request(ws, 12, 'unsubscribe_all', {});
  });
});

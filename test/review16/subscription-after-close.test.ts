/**
 * review16: a subscribe that runs after its connection closed leaks a subscription forever.
 *
 * serveWebSocket's 'close' handler stops the subscriptions the connection holds at that moment
 * (stopAll). A subscribe queued behind slower requests of a batch (answerBody runs a batch's
 * requests through 4 workers) runs after the close when the client sends the batch and hangs
 * up: it registers listeners on the event bus and counts against rpc.max_subscriptions, and
 * nothing ever stops it. A client that repeats this fills rpc.max_subscriptions (then every
 * client is refused "Too many subscriptions" until the node restarts) and, with a consensus
 * query (tm.event='Vote'), keeps the consensus driver deriving events nobody can receive.
 *
 * Expected: once every client has gone, the node holds no subscription: the event bus has the
 * listeners it had before, and a new client can subscribe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { waitForHeight } from '../support/nodes.js';
import { openWebSocket, startRpcTarget, wsUrl, type RpcTarget } from '../support/rpc-target.js';

const MAX_SUBSCRIPTIONS = 4;

describe('a subscribe answered after its connection closed', () => {
  let target: RpcTarget;

  beforeAll(async () => {
    target = await startRpcTarget({ maxSubscriptions: MAX_SUBSCRIPTIONS });
  }, 120_000);

  afterAll(async () => {
    await target?.stop();
  });

  it('leaves no subscription behind once the client is gone', async () => {
    const events = target.running.node.events;
    const before = { newBlock: events.listenerCount('newBlock'), observing: events.observingConsensus };
    // Each batch: slow requests first (the ~0.5 MB block, decoded and written as JSON), then a subscribe.
    const slow = Array.from({ length: 8 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'block', params: { height: target.bigHeight } }));
    for (let attempt = 0; attempt < 12; attempt++) {
      const ws = await openWebSocket(wsUrl(target));
      const batch = [...slow, { jsonrpc: '2.0', id: 100, method: 'subscribe', params: { query: "tm.event='Vote'" } }];
      ws.send(JSON.stringify(batch), () => ws.terminate());
      await new Promise<void>((resolve) => ws.once('close', () => resolve()));
    }
    // Let the node finish what it read: two more blocks are far longer than any of those requests.
    const h = target.running.node.status().latestBlockHeight;
    await waitForHeight(target.running.node, h + 2);
    expect(events.listenerCount('newBlock')).toBe(before.newBlock);
    expect(events.observingConsensus).toBe(before.observing);
    // And a new client can still subscribe.
    const ws = await openWebSocket(wsUrl(target));
    try {
      const answer = await new Promise<{ error?: { code: number; data?: string } }>((resolve) => {
        ws.once('message', (data: WebSocket.RawData) => resolve(JSON.parse(data.toString()) as { error?: { code: number; data?: string } }));
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } }));
      });
      expect(answer.error).toBeUndefined();
    } finally {
      ws.terminate();
    }
  }, 120_000);
});

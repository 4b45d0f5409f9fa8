/**
 * A Vote subscriber on a big chain gets hundreds of events a second. One that does not read
 * them cannot make the node hold more than its write buffer (rpc.websocket_write_buffer_bytes):
 * its subscription is cancelled, it is told why, and the driver stops building votes for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../src/node/logger.js';
import { Node } from '../../src/node/node.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import { makeTestHome, type TestHome } from '../support/nodes.js';

const WRITE_BUFFER = 1024 * 1024;

let home: TestHome;
let node: Node;
let rpc: RpcServer;

beforeAll(async () => {
  home = await makeTestHome(1);
  node = await Node.open(home.home, { logger: silentLogger() });
  // max_response_bytes must fit in the write buffer.
  rpc = await startRpcServer(node, { ...node.config.rpc, port: 0, websocketWriteBufferBytes: WRITE_BUFFER, maxResponseBytes: WRITE_BUFFER }, silentLogger());
}, 60_000);

afterAll(async () => {
  await rpc?.close();
  await node?.stop();
  await home?.cleanup();
});

describe('a Vote subscriber that does not read', () => {
  it('is cancelled at its write buffer, told why, and the node stops observing votes for it', async () => {
    const ws = new WebSocket(`${rpc.url.replace('http', 'ws')}/websocket`);
    try {
      await new Promise((resolve) => ws.once('open', resolve));
      const messages: { id?: unknown; error?: { message: string; data?: string } }[] = [];
      const subscribed = new Promise<void>((resolve) => {
        ws.on('message', (data) => {
          const m = JSON.parse(data.toString()) as (typeof messages)[number] & { result?: unknown };
          messages.push(m);
          if (m.id === 'votes' && m.result !== undefined) resolve();
        });
      });
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 'votes', method: 'subscribe', params: { query: "tm.event='Vote'" } }));
      await subscribed;
      expect(node.events.wantsConsensus('Vote')).toBe(true);
      ws.pause();
      // 100 validators' prevotes and precommits for 500 rounds: ~50 MB of events, far over the buffer.
      let published = 0;
      for (let round = 0; round < 500 && node.events.wantsConsensus('Vote'); round++) {
        for (let index = 0; index < 100; index++) {
          for (const type of [1, 2] as const) {
            const vote = { type, height: 5, round, blockHash: new Uint8Array(32).fill(index), validatorAddress: new Uint8Array(20).fill(index), validatorIndex: index, signature: new Uint8Array(64).fill(7) };
            node.events.publishConsensus({ name: 'Vote', vote, time: 1_700_000_000_000 });
            published++;
          }
        }
      }
      // Cancelled long before the end: a vote event is ~500 bytes, so the buffer holds a few thousand.
      expect(node.events.wantsConsensus('Vote')).toBe(false);
      expect(node.events.observingConsensus).toBe(false);
      expect(published).toBeLessThan(100_000);
      ws.resume();
      // The node tells it why; if even that notice would overflow the buffer, it closes the connection (1008) instead.
      const closed = new Promise<number>((resolve) => ws.once('close', resolve));
      const told = new Promise<'told'>((resolve) => {
        const check = (): void => {
          if (messages.some((m) => m.error !== undefined)) resolve('told');
        };
        check();
        ws.on('message', check);
      });
      const outcome = await Promise.race([told, closed]);
      if (outcome === 'told') {
        const cancelled = messages.find((m) => m.error !== undefined);
        expect(cancelled?.id).toBe('votes');
        expect(cancelled?.error?.message).toBe('Subscription cancelled');
        expect(cancelled?.error?.data).toMatch(/not reading events fast enough/);
      } else expect(outcome).toBe(1008);
    } finally {
      ws.terminate();
    }
  }, 60_000);
});

/**
 * What one connection can make the node work on at once is bounded on every transport
 * (spec/hostile-input.md, "RPC: answers, batches, WebSocket clients"): HTTP/1.1 pipelining
 * and a burst of WebSocket frames in one TCP read used to start every request they held at
 * once (a 100 KB write of pipelined `block` requests that are never read grew the node by a
 * gigabyte), and a failing `broadcast_tx_commit` left its waiter behind for the whole timeout.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredBlock } from '../../src/node/api.js';
import { waitForHeight } from '../support/nodes.js';
import { openWebSocket, rawConnection, startRpcTarget, wsUrl, type RpcTarget } from '../support/rpc-target.js';

/** Requests of one connection worked on at once (src/rpc/connection-limits.ts). */
const PER_CONNECTION = 8;
/** Reads (methods that build an answer from the stores) running at once over all connections (src/rpc/answer-slots.ts). */
const NODE_WIDE = 16;

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget();
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

/**
 * Counts the node's `block` reads running at once, holding each until `release` so that
 * everything the RPC starts is running at the same time.
 */
function countBlockReads(): { peak: () => number; release: () => void; restore: () => void } {
  const node = target.running.node;
  const original = node.block.bind(node);
  let running = 0;
  let peak = 0;
  let open!: () => void;
  const released = new Promise<void>((resolve) => (open = resolve));
  node.block = async (height?: number): Promise<StoredBlock | undefined> => {
    running++;
    peak = Math.max(peak, running);
    try {
      await released;
      return await original(height);
    } finally {
      running--;
    }
  };
  return { peak: () => peak, release: open, restore: () => (node.block = original) };
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 100));
};

async function nodeStillWorks(): Promise<void> {
  const health = (await (await fetch(`${target.running.rpc.url}/health`)).json()) as { result?: unknown };
  expect(health.result).toEqual({});
  const height = target.running.node.status().latestBlockHeight;
  await waitForHeight(target.running.node, height + 1);
}

describe('requests one connection has worked on at once', () => {
  it('HTTP pipelining starts at most a few requests of a connection; the rest are refused (429) and the connection closed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: PER_CONNECTION + 1, max: 400 }), fc.boolean(), async (count, post) => {
        const reads = countBlockReads();
        const socket = await rawConnection(target);
        let received = '';
        socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
        const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
        try {
          const get = `GET /block?height=${target.bigHeight} HTTP/1.1\r\nHost: x\r\n\r\n`;
          const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'block', params: { height: String(target.bigHeight) } });
          const postText = `POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
          socket.write((post ? postText : get).repeat(count));
          await settle();
          expect(reads.peak()).toBeLessThanOrEqual(PER_CONNECTION);
        } finally {
          reads.release();
          reads.restore();
        }
        await closed;
        const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
        expect(statuses.length).toBeGreaterThan(0);
        expect(statuses.length).toBeLessThanOrEqual(count);
        expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(PER_CONNECTION);
        expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
        if (statuses.length < count) expect(statuses.at(-1)).toBe(429);
      }),
      { numRuns: 6 },
    );
    await nodeStillWorks();
  }, 60_000);

  it('pipelined requests never read hold a bounded amount of the node\'s memory', async () => {
    const socket = await rawConnection(target);
    try {
      socket.pause();
      const before = process.memoryUsage().rss;
      socket.write(`GET /block?height=${target.bigHeight} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(1_500));
      let grown = 0;
      for (let i = 0; i < 15; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        grown = Math.max(grown, process.memoryUsage().rss - before);
      }
      // 1,500 answers of ~0.7 MB were a gigabyte; eight are a few megabytes.
      expect(grown).toBeLessThan(256 * 1024 * 1024);
    } finally {
      socket.destroy();
    }
    await nodeStillWorks();
  }, 60_000);

  it('a burst of WebSocket messages in one read starts at most a few at once, and every message is answered', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: PER_CONNECTION + 1, max: 300 }), async (count) => {
        const ws = await openWebSocket(wsUrl(target));
        const reads = countBlockReads();
        const ids = new Set<number>();
        const all = new Promise<void>((resolve) =>
          ws.on('message', (data) => {
            const answer = JSON.parse(data.toString()) as { id: number; result?: unknown };
            expect(answer.result).toBeDefined();
            ids.add(answer.id);
            if (ids.size === count) resolve();
          }),
        );
        try {
          // Sent in one synchronous loop: the frames reach the node together, in few reads. The
          // block after the large one is small (block 1 may hold the large deploy when the node is
          // slow to start, and 300 of those would rightly close a client this slow to read).
          const small = String(target.bigHeight + 1);
          for (let i = 0; i < count; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'block', params: { height: small } }));
          await settle();
          expect(reads.peak()).toBeLessThanOrEqual(PER_CONNECTION);
          reads.release();
          await all;
        } finally {
          reads.release();
          reads.restore();
          ws.terminate();
        }
      }),
      { numRuns: 6 },
    );
  }, 60_000);
});

describe('requests all connections have worked on at once', () => {
  it('many connections, each within its own limit, start at most a few reads at once over the node', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 4, max: 40 }), fc.integer({ min: 1, max: PER_CONNECTION }), fc.boolean(), async (connections, perConnection, ws) => {
        const reads = countBlockReads();
        const sockets: { destroy(): void }[] = [];
        try {
          for (let c = 0; c < connections; c++) {
            if (ws) {
              const socket = await openWebSocket(wsUrl(target));
              sockets.push({ destroy: () => socket.terminate() });
              for (let i = 0; i < perConnection; i++) socket.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'block', params: { height: '1' } }));
            } else {
              const socket = await rawConnection(target);
              sockets.push(socket);
              socket.write('GET /block?height=1 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(perConnection));
            }
          }
          await settle();
          expect(reads.peak()).toBeLessThanOrEqual(Math.min(NODE_WIDE, connections * perConnection));
        } finally {
          reads.release();
          reads.restore();
          for (const s of sockets) s.destroy();
          // Reads wait for slots in arrival order: once this one is answered, none of this run's is left.
          await fetch(`${target.running.rpc.url}/status`);
        }
      }),
      { numRuns: 8 },
    );
    await nodeStillWorks();
  }, 60_000);
});

describe('broadcast_tx_commit waiters', () => {
  it('a transaction refused by CheckTx leaves no waiter behind', async () => {
    const events = target.running.node.events;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.integer({ min: 1, max: 50 }), async (junk, copies) => {
        const tx = `0x${Buffer.from(junk).toString('hex')}`;
        const batch = Array.from({ length: copies }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'broadcast_tx_commit', params: { tx } }));
        const res = await fetch(target.running.rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
        const answers = (await res.json()) as { result?: { check_tx: { code: number } } }[];
        for (const a of answers) expect(a.result?.check_tx.code).not.toBe(0);
        expect(events.pendingTxWaits()).toBe(0);
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});

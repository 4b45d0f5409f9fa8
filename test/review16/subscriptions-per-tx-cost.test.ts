/**
 * review16: subscriptions that can never match a Tx event still cost the consensus thread a
 * query match for every transaction of every block.
 *
 * Every subscription registers a 'tx' listener (websocket.ts subscribe), and EventBus.publishBlock
 * runs on the thread that commits blocks (consensus-driver.ts commitBlock). 1000 subscriptions
 * (rpc.max_subscriptions; 10 free WebSocket connections of 100) to `tm.event='NewBlockHeader'`
 * make a block of 20,000 transactions cost ~20 million query matches there: ~4 s per block
 * measured here against ~25 ms without them, long enough to miss round timeouts. The consensus
 * events already avoid this (consensusEventsMatching registers a subscription only for the names
 * its query can match); block and transaction events do not. (CometBFT matches subscriptions
 * in its pubsub goroutine, off the consensus path.)
 *
 * Expected: publishing a block costs about the same whether or not there are subscriptions whose
 * query cannot match its transactions' Tx events (here: within 5x the cost without
 * subscriptions, plus 250 ms).
 */
import { describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { NewBlockEvent } from '../../src/node/event-bus.js';
import { suiteNode } from '../support/suite-node.js';
import { openWebSocket } from '../support/rpc-target.js';

const TXS = 20_000;
const CONNECTIONS = 10;
const PER_CONNECTION = 100;

describe('subscriptions that cannot match Tx events', () => {
  const sockets: WebSocket[] = [];
  const suite = suiteNode(1, () => {
    for (const ws of sockets) ws.terminate();
  });

  it('do not make a block of 20,000 transactions cost the committing thread a match per transaction each', async () => {
    const node = suite.running.node;
    const stored = await node.block(1);
    if (!stored) throw new Error('no block 1');
    // A block as publishBlock sees it: 20,000 transfers with their events.
    const txs = Array.from({ length: TXS }, (_, i) => Uint8Array.of(i & 255, i >> 8, 7));
    const transferEvent = { type: 'transfer', attributes: [{ key: 'sender', value: `0x${'a'.repeat(40)}` }, { key: 'recipient', value: `0x${'b'.repeat(40)}` }, { key: 'amount', value: '1000' }] };
    const txResults = txs.map(() => ({ code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events: [transferEvent] }));
    const response = { txResults, events: [], validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(32) } as unknown as NewBlockEvent['response'];
    const hashes = txs.map(() => new Uint8Array(32));
    const publish = (): number => {
      // A fresh event object each time: event-frames caches per event.
      const event: NewBlockEvent = { block: { ...stored.block, txs }, hash: stored.hash, response, commit: stored.block.lastCommit };
      const start = performance.now();
      node.events.publishBlock(event, hashes);
      return performance.now() - start;
    };
    publish(); // warm up
    const alone = publish();

    for (let c = 0; c < CONNECTIONS; c++) {
      const ws = await openWebSocket(`${suite.running.rpc.url.replace('http', 'ws')}/websocket`);
      sockets.push(ws);
      let answered = 0;
      await new Promise<void>((resolve, reject) => {
        ws.on('message', (data: WebSocket.RawData) => {
          const answer = JSON.parse(data.toString()) as { error?: unknown };
          if (answer.error) reject(new Error(JSON.stringify(answer.error)));
          if (++answered === PER_CONNECTION) resolve();
        });
        for (let i = 0; i < PER_CONNECTION; i++) {
          ws.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'subscribe', params: { query: `tm.event='NewBlockHeader' AND block.height>${1_000_000 + c * PER_CONNECTION + i}` } }));
        }
      });
    }
    const withSubscriptions = publish();
    expect(withSubscriptions, `publishBlock: ${alone.toFixed(0)} ms alone, ${withSubscriptions.toFixed(0)} ms with ${CONNECTIONS * PER_CONNECTION} subscriptions to NewBlockHeader`).toBeLessThan(alone * 5 + 250);
  }, 120_000);
});

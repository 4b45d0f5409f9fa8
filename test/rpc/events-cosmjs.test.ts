/**
 * The real client against a real node: CosmJS's Comet38Client over its WebsocketClient
 * receives and decodes NewBlockHeader, NewBlock and Tx events, and a subscription cancelled
 * by the node ends its stream with the node's error (spec/rpc-events.md, "Ids and errors").
 */
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stream } from 'xstream';
import { toHex } from '../../src/codec/bytes.js';
import { txHash } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, type RunningTestNode, type TestHome } from '../support/nodes.js';

let home: TestHome;
let running: RunningTestNode;
let client: Comet38Client;
const socketErrors: unknown[] = [];

beforeAll(async () => {
  home = await makeTestHome(2);
  running = await startTestNode(home.home);
  client = await connected(running.rpc.url.replace('http', 'ws'));
}, 60_000);

/**
 * A client that works: CosmJS 0.39's QueueingStreamingSocket marks its queue "processing" when
 * the connection opens and never clears the mark if the queue was empty then, so a
 * WebsocketClient whose first request comes after the socket opened never sends anything
 * (against any server). A request queued in the same turn as the client is made avoids it.
 */
async function connected(url: string): Promise<Comet38Client> {
  const made = Comet38Client.create(new WebsocketClient(url, (err) => socketErrors.push(err)));
  await made.health();
  return made;
}

afterAll(async () => {
  client?.disconnect();
  await running?.stop();
  await home?.cleanup();
});

/** The first value the stream gives (its decoder ran without error), then the listener leaves (CosmJS unsubscribes). */
function first<T>(stream: Stream<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const listener = {
      next: (value: T) => {
        stream.removeListener(listener);
        resolve(value);
      },
      error: (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
      complete: () => reject(new Error('the stream ended before any event')),
    };
    stream.addListener(listener);
  });
}

describe('CosmJS Comet38Client subscriptions', () => {
  it('subscribeNewBlockHeader decodes the header, proposer address included', async () => {
    const header = await first(client.subscribeNewBlockHeader());
    expect(header.chainId).toBe('cmt-test');
    expect(header.height).toBeGreaterThan(0);
    const self = running.node.status().validator;
    expect(self).not.toBeNull();
    expect(toHex(header.proposerAddress)).toBe(toHex(self?.address ?? new Uint8Array()));
  });

  it('subscribeNewBlock decodes the block', async () => {
    const block = await first(client.subscribeNewBlock());
    expect(block.header.height).toBeGreaterThan(0);
    expect(Array.isArray(block.txs)).toBe(true);
  });

  it('subscribeTx decodes a transfer found by its recipient', async () => {
    const to = addressOf(testKey(1));
    const received = first(client.subscribeTx(`tm.event='Tx' AND transfer.recipient='${formatAddress(to)}'`));
    // Let the subscription reach the node before the transfer can be committed.
    await client.health();
    const tx = transfer(testKey(0), { nonce: 0, to, amount: 3n });
    const sent = await running.client.call<{ code: number }>('broadcast_tx_sync', { tx: `0x${toHex(tx)}` });
    expect(sent.code).toBe(0);
    const event = await received;
    expect(toHex(event.hash)).toBe(toHex(txHash(tx)));
    expect(event.result.code).toBe(0);
    expect(event.height).toBeGreaterThan(0);
    expect(socketErrors).toEqual([]);
  });

  it("a subscription the node cancels ends the client's stream with the node's error", async () => {
    const own = await connected(running.rpc.url.replace('http', 'ws'));
    try {
      const stream = own.subscribeNewBlock();
      const ended = new Promise<unknown>((resolve, reject) => {
        stream.addListener({ next: () => undefined, error: resolve, complete: () => reject(new Error('completed without an error')) });
      });
      await first(stream);
      const stored = await running.node.block(1);
      if (!stored) throw new Error('no block 1');
      // A value JSON cannot write: the node cancels the subscriptions it matched, and tells them.
      const poison = { toJSON: () => { throw new RangeError('Invalid string length'); } };
      const response = { txResults: [], events: [{ type: 'x', attributes: [{ key: 'k', value: poison as unknown as string }] }], validatorUpdates: [], consensusParamUpdates: null, appHash: new Uint8Array(32) };
      running.node.events.publishBlock({ block: stored.block, hash: stored.hash, response, commit: stored.block.lastCommit }, []);
      const error = JSON.parse(String(await ended)) as { code: number; message: string; data: string };
      expect(error.message).toBe('Subscription cancelled');
      expect(error.data).toMatch(/could not be sent/);
    } finally {
      own.disconnect();
    }
  });
});

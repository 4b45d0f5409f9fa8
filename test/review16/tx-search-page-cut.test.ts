/**
 * review16: tx_search cuts a page to what fits half of rpc.max_response_bytes, silently. With a
 * transaction larger than that half (here a ~0.5 MB deploy, rpc.max_response_bytes 1.2 MB) the
 * answer is `{"txs": [], "total_count": "1"}`: the one match exists, `tx` returns it, but no
 * page of tx_search ever holds it. CosmJS's txSearchAll pages until it has total_count
 * transactions, so it asks page 2 and gets "page should be within [1, 1]".
 *
 * Expected: a page is never cut below one transaction that the node can answer with at all
 * (the `tx` method answers it), and CosmJS's txSearchAll returns every match; or, if a page
 * must be cut, the answer says so instead of passing for a complete page.
 */
import { createHash } from 'node:crypto';
import { Comet38Client, HttpClient } from '@cosmjs/tendermint-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRpcTarget, type RpcTarget } from '../support/rpc-target.js';

interface TxSearchAnswer {
  txs: { hash: string; height: string }[];
  total_count: string;
}

describe('tx_search with a transaction larger than half the response limit', () => {
  let target: RpcTarget;
  let bigHash = '';

  beforeAll(async () => {
    target = await startRpcTarget({ maxResponseBytes: 1_200_000 });
    const block = await target.running.client.call<{ block: { data: { txs: string[] } } }>('block', { height: target.bigHeight });
    expect(block.block.data.txs).toHaveLength(1);
    bigHash = createHash('sha256').update(Buffer.from(block.block.data.txs[0] as string, 'base64')).digest('hex').toUpperCase();
  }, 120_000);

  afterAll(async () => {
    await target?.stop();
  });

  it('`tx` answers the transaction, and tx_search by its hash returns it too', async () => {
    const one = await target.running.client.call<{ hash: string; height: string }>('tx', { hash: bigHash });
    expect(one.hash).toBe(bigHash);
    const found = await target.running.client.call<TxSearchAnswer>('tx_search', { query: `tx.hash='${bigHash}'` });
    expect(found.total_count).toBe('1');
    expect(found.txs.map((t) => t.hash)).toEqual([bigHash]);
  });

  it("CosmJS's txSearchAll returns every transaction tx_search counts", async () => {
    const client = Comet38Client.create(new HttpClient(target.running.rpc.url));
    const all = await client.txSearchAll({ query: `tx.height=${target.bigHeight}` });
    expect(all.txs).toHaveLength(1);
  });
});

/**
 * tx_search and block_search through a real node: transfers committed by broadcast_tx_commit,
 * found by recipient, hash and height, paged and ordered, over JSON-RPC, URI and CosmJS.
 */
import { Comet38Client } from '@cosmjs/tendermint-rpc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex } from '../../src/codec/bytes.js';
import { txHash } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { NodeApi } from '../../src/node/api.js';
import type { MethodContext } from '../../src/rpc/methods.js';
import { SEARCH_METHODS } from '../../src/rpc/search-methods.js';
import type { TxHit } from '../../src/store/event-search.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, waitForHeight, type RunningTestNode, type TestHome } from '../support/nodes.js';

interface TxSearchAnswer {
  txs: { hash: string; height: string; index: number; tx: string; tx_result: { code: number; events: { type: string; attributes: { key: string; value: string }[] }[] } }[];
  total_count: string;
}
interface BlockSearchAnswer {
  blocks: { block_id: { hash: string }; block: { header: { height: string } } }[];
  total_count: string;
}

describe('tx_search and block_search on a running node', () => {
  let home: TestHome;
  let running: RunningTestNode;
  const sender = testKey(0);
  const recipient = formatAddress(addressOf(testKey(7)));
  const other = formatAddress(addressOf(testKey(8)));
  const sent: { hash: string; height: number }[] = [];

  beforeAll(async () => {
    home = await makeTestHome(2);
    running = await startTestNode(home.home);
    // Three transfers, one block each: two to `recipient`, one to `other` between them.
    for (const [nonce, to] of [addressOf(testKey(7)), addressOf(testKey(8)), addressOf(testKey(7))].entries()) {
      const tx = transfer(sender, { nonce, to, amount: BigInt(nonce + 1) * ONE_CMT });
      const res = await running.client.call<{ tx_result: { code: number }; height: string; hash: string }>('broadcast_tx_commit', { tx: `0x${toHex(tx)}` });
      expect(res.tx_result.code).toBe(0);
      expect(res.hash).toBe(toHex(txHash(tx)).toUpperCase());
      sent.push({ hash: res.hash, height: Number(res.height) });
    }
    await waitForHeight(running.node, (sent[2]?.height ?? 0) + 2);
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  const txSearch = (params: Record<string, unknown>): Promise<TxSearchAnswer> => running.client.call<TxSearchAnswer>('tx_search', params);

  it("finds transfers by recipient (0x…, as the app writes it), oldest first, or newest first with order_by='desc'", async () => {
    const asc = await txSearch({ query: `transfer.recipient='${recipient}'` });
    expect(asc.total_count).toBe('2');
    expect(asc.txs.map((t) => t.hash)).toEqual([sent[0]?.hash, sent[2]?.hash]);
    expect(asc.txs[0]?.tx_result.events.find((e) => e.type === 'transfer')?.attributes).toContainEqual(expect.objectContaining({ key: 'recipient', value: recipient }));
    const desc = await txSearch({ query: `transfer.recipient='${recipient}' AND tm.event='Tx'`, order_by: 'desc' });
    expect(desc.txs.map((t) => t.hash)).toEqual([sent[2]?.hash, sent[0]?.hash]);
    expect((await txSearch({ query: `transfer.recipient='${other}'` })).txs.map((t) => t.hash)).toEqual([sent[1]?.hash]);
    expect((await txSearch({ query: `transfer.recipient='${recipient.toUpperCase()}'` })).total_count).toBe('0');
  });

  it('finds a transfer by tx.hash and by tx.height, in the shape of tx', async () => {
    const first = sent[0] as { hash: string; height: number };
    const byHash = await txSearch({ query: `tx.hash='${first.hash}'` });
    expect(byHash.total_count).toBe('1');
    expect(byHash.txs[0]).toEqual(await running.client.call('tx', { hash: first.hash }));
    const byHeight = await txSearch({ query: `tx.height=${first.height}` });
    expect(byHeight.txs.map((t) => t.hash)).toEqual([first.hash]);
    // Amounts are in base units (10^18 a CMT): compared exactly, well past 2^53.
    const range = await txSearch({ query: `tx.height>=${first.height} AND tx.height<=${sent[2]?.height} AND transfer.amount>=${2n * ONE_CMT}` });
    expect(range.txs.map((t) => t.hash)).toEqual([sent[1]?.hash, sent[2]?.hash]);
  });

  it('pages: per_page items from page, total_count counting all; a page past the last is invalid params', async () => {
    const query = `transfer.sender='${formatAddress(addressOf(sender))}'`;
    const pages = await Promise.all([1, 2, 3].map((page) => txSearch({ query, page: String(page), per_page: '1' })));
    expect(pages.map((p) => p.total_count)).toEqual(['3', '3', '3']);
    expect(pages.map((p) => p.txs[0]?.hash)).toEqual(sent.map((s) => s.hash));
    await expect(txSearch({ query, page: 4, per_page: 1 })).rejects.toMatchObject({ rpcCode: -32602, message: expect.stringMatching(/page should be within \[1, 3\] range, given 4/) });
    // per_page is clamped as CometBFT clamps it: 0 is the default (30), 1000 is 100.
    expect((await txSearch({ query, per_page: 0 })).txs).toHaveLength(3);
    expect((await txSearch({ query, per_page: 1000 })).txs).toHaveLength(3);
  });

  it('block_search: by block.height range, newest first by default (as CometBFT), in the shape of block', async () => {
    const h = sent[0]?.height as number;
    const found = await running.client.call<BlockSearchAnswer>('block_search', { query: `block.height>=${h} AND block.height<=${h + 2}` });
    expect(found.total_count).toBe('3');
    expect(found.blocks.map((b) => Number(b.block.header.height))).toEqual([h + 2, h + 1, h]);
    expect(found.blocks[2]).toEqual(await running.client.call('block', { height: h }));
    const asc = await running.client.call<BlockSearchAnswer>('block_search', { query: `block.height >= ${h}`, order_by: 'asc', per_page: 2 });
    expect(asc.blocks.map((b) => Number(b.block.header.height))).toEqual([h, h + 1]);
    expect(Number(asc.total_count)).toBeGreaterThanOrEqual(3);
    expect(Number(asc.total_count)).toBeLessThanOrEqual(running.node.status().latestBlockHeight - h + 1);
    // CometBFT's block index has no tm.event: such a query finds no block.
    expect((await running.client.call<BlockSearchAnswer>('block_search', { query: "tm.event='NewBlock'" })).total_count).toBe('0');
  });

  it('takes URI parameters quoted as CometBFT clients send them', async () => {
    const first = sent[0] as { hash: string; height: number };
    const url = `${running.rpc.url}/tx_search?query=${encodeURIComponent(`"tx.hash='${first.hash}'"`)}&prove=false&page=1&per_page="5"&order_by="asc"`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: TxSearchAnswer };
    expect(body.result.txs.map((t) => t.hash)).toEqual([first.hash]);
    const blocks = await fetch(`${running.rpc.url}/block_search?query=${encodeURIComponent(`"block.height=${first.height}"`)}`);
    expect(((await blocks.json()) as { result: BlockSearchAnswer }).result.total_count).toBe('1');
    const bad = await fetch(`${running.rpc.url}/tx_search?query=${encodeURIComponent('"tx.height >> 5"')}`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: number; data: string } }).error).toMatchObject({ code: -32602, data: expect.stringMatching(/offset 11/) });
  });

  it('refuses bad parameters with invalid params and keeps answering', async () => {
    for (const params of [{}, { query: '' }, { query: "tm.event='Tx' OR tx.height=1" }, { query: 'tx.height=1', order_by: 'sideways' }, { query: 'tx.height=1', page: 0 }, { query: 'tx.height=1', per_page: 1.5 }, { query: 'tx.height=1', per_page: 'ten' }, { query: 5 }]) {
      await expect(txSearch(params), JSON.stringify(params)).rejects.toMatchObject({ rpcCode: -32602 });
      await expect(running.client.call('block_search', params), JSON.stringify(params)).rejects.toMatchObject({ rpcCode: -32602 });
    }
    expect((await txSearch({ query: `tx.hash='${sent[0]?.hash}'` })).total_count).toBe('1');
  });

  it('CosmJS Comet38Client decodes both searches', async () => {
    const client = await Comet38Client.connect(running.rpc.url);
    try {
      const txs = await client.txSearchAll({ query: `transfer.recipient='${recipient}'`, per_page: 1 });
      expect(txs.totalCount).toBe(2);
      expect(txs.txs.map((t) => toHex(t.hash).toUpperCase())).toEqual([sent[0]?.hash, sent[2]?.hash]);
      const h = sent[1]?.height as number;
      // prove: each transaction with its Merkle path to the block's data_hash, as tx?prove=true.
      const proved = await client.txSearch({ query: `tx.height=${h}`, prove: true });
      const b = await client.block(h);
      expect(toHex(proved.txs[0]?.proof?.rootHash ?? new Uint8Array()).toUpperCase()).toBe(toHex(b.block.header.dataHash).toUpperCase());
      expect(proved.txs[0]?.proof?.proof.total).toBe(b.block.txs.length);
      expect((await client.txSearch({ query: `tx.height=${h}` })).txs[0]?.proof).toBeUndefined();
      const blocks = await client.blockSearch({ query: `block.height = ${h}` });
      expect(blocks.totalCount).toBe(1);
      expect(blocks.blocks[0]?.block.header.height).toBe(h);
    } finally {
      client.disconnect();
    }
  });
});

describe('tx_search and block_search answers within rpc.max_response_bytes', () => {
  const hit = (i: number): TxHit => ({
    hash: new Uint8Array(32).fill(i),
    record: { height: 1, index: i, tx: new Uint8Array(1000).fill(i), result: { code: 0, codespace: '', log: '', gasWanted: 1, gasUsed: 1, events: [] } },
  });
  const ctx = (maxResponseBytes: number): MethodContext => ({
    api: { searchTxs: async () => ({ total: 50, txs: Array.from({ length: 10 }, (_, i) => hit(i)) }) } as unknown as NodeApi,
    rpcAddress: '',
    timeoutBroadcastTxCommitMs: 1000,
    maxResponseBytes,
  });

  it('answers a page whole or refuses it naming the limit and a per_page that fits; never cuts it', async () => {
    const tx_search = SEARCH_METHODS.tx_search as NonNullable<(typeof SEARCH_METHODS)['tx_search']>;
    const whole = (await tx_search({ query: 'a.b=1', per_page: 10 }, ctx(1 << 20))) as TxSearchAnswer;
    expect(whole.txs).toHaveLength(10);
    expect(whole.total_count).toBe('50');
    // Each transaction's JSON is about 1.5 kB: 3 fit in 5 kB, 10 do not.
    await expect(tx_search({ query: 'a.b=1', per_page: 10 }, ctx(5000))).rejects.toMatchObject({
      rpcCode: -32005,
      data: expect.stringMatching(/rpc\.max_response_bytes \(5000 bytes\); ask again with per_page=3 or less/),
    });
    await expect(tx_search({ query: 'a.b=1', per_page: 10 }, ctx(1000))).rejects.toMatchObject({ rpcCode: -32005, data: expect.stringMatching(/even one transaction does not fit/) });
  });

  it('counts the answer exactly: a page whose answer (id null) is rpc.max_response_bytes long is answered, one byte less refuses it', async () => {
    const tx_search = SEARCH_METHODS.tx_search as NonNullable<(typeof SEARCH_METHODS)['tx_search']>;
    const whole = await tx_search({ query: 'a.b=1', per_page: 10 }, ctx(1 << 20));
    const exact = Buffer.byteLength(JSON.stringify({ jsonrpc: '2.0', id: null, result: whole }), 'utf8') - 'null'.length;
    expect(await tx_search({ query: 'a.b=1', per_page: 10 }, ctx(exact))).toEqual(whole);
    await expect(tx_search({ query: 'a.b=1', per_page: 10 }, ctx(exact - 1))).rejects.toMatchObject({ rpcCode: -32005, data: expect.stringMatching(/per_page=9 or less/) });
  });

  it('refuses proofs that would hash more than MAX_PROOF_TXS transactions; fewer per page are answered', async () => {
    const tx_search = SEARCH_METHODS.tx_search as NonNullable<(typeof SEARCH_METHODS)['tx_search']>;
    const txs = Array.from({ length: 3000 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
    const big: MethodContext = {
      ...ctx(1 << 30),
      api: {
        searchTxs: async (_q: unknown, page: { perPage: number }) => ({ total: 100, txs: Array.from({ length: page.perPage }, (_, i) => hit(i)) }),
        block: async () => ({ block: { txs }, hash: new Uint8Array(32), size: 0 }),
      } as unknown as NodeApi,
    };
    await expect(tx_search({ query: 'a.b=1', prove: true, per_page: 100 }, big)).rejects.toMatchObject({ rpcCode: -32003, data: expect.stringMatching(/more than 200000 transactions/) });
    const fewer = (await tx_search({ query: 'a.b=1', prove: true, per_page: 10 }, big)) as { txs: { proof?: { proof: { total: string } } }[] };
    expect(fewer.txs.map((t) => t.proof?.proof.total)).toEqual(Array.from({ length: 10 }, () => '3000'));
  });
});

/**
 * review16: tx_search by `tx.hash` takes the hash in either case, as CometBFT 0.38 does
 * (state/txindex/kv: lookForHash hex-decodes the condition's value, so 'ab…' and 'AB…' find the
 * same transaction). Clients and users pass lower-case hashes (sha256sum, CosmJS's toHex); on
 * cmt such a query finds nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex } from '../../src/codec/bytes.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, type RunningTestNode, type TestHome } from '../support/nodes.js';

interface TxSearchAnswer {
  txs: { hash: string }[];
  total_count: string;
}

describe('tx_search tx.hash in lower case', () => {
  let home: TestHome;
  let running: RunningTestNode;
  let hash = '';

  beforeAll(async () => {
    home = await makeTestHome(1);
    running = await startTestNode(home.home);
    const tx = transfer(testKey(0), { nonce: 0, to: addressOf(testKey(5)), amount: ONE_CMT });
    const res = await running.client.call<{ hash: string; tx_result: { code: number } }>('broadcast_tx_commit', { tx: `0x${toHex(tx)}` });
    expect(res.tx_result.code).toBe(0);
    hash = res.hash;
  }, 60_000);

  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  it('finds the transaction whether the hash is written in upper or lower case (CometBFT hex-decodes it)', async () => {
    const upper = await running.client.call<TxSearchAnswer>('tx_search', { query: `tx.hash='${hash.toUpperCase()}'` });
    expect(upper.total_count).toBe('1');
    const lower = await running.client.call<TxSearchAnswer>('tx_search', { query: `tx.hash='${hash.toLowerCase()}'` });
    expect(lower.total_count).toBe('1');
    expect(lower.txs.map((t) => t.hash)).toEqual([hash.toUpperCase()]);
  });
});

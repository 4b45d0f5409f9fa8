/**
 * `npm run bench -- search [--blocks B] [--txs T] [--recipients R] [--queries Q]`
 *
 * The event index behind tx_search and block_search (spec/rpc-search.md), on a real LevelDB:
 * B blocks (default 200) of T transfer results each (default 1,000; three attributes per
 * transfer, R distinct recipients, default 1,000) are saved with `saveResults`, which writes the
 * index in the same batch. Prints what indexing costs a block (the key building alone and the
 * whole durable batch, against the same batch with no index keys), then the latency of Q
 * searches (default 50) of each kind: an equality on a recipient, a transaction hash, a height
 * range, and a query too broad to answer (refused after the read bound).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TxResult } from '../src/codec/results.js';
import { formatAddress } from '../src/crypto/address.js';
import { parseEventQuery } from '../src/rpc/event-query.js';
import { BlockStore } from '../src/store/block-store.js';
import { indexKeysOf } from '../src/store/event-index.js';
import { SearchTooBroadError, searchTxs } from '../src/store/event-search.js';
import type { BlockResults } from '../src/store/records.js';
import { parseNumericOptions, percentile } from './support-options.js';

interface Options {
  blocks: number;
  txs: number;
  recipients: number;
  queries: number;
}

const addressOf = (i: number): string => formatAddress(createHash('sha256').update(`account ${i}`).digest().subarray(0, 20));
const hashOf = (height: number, index: number): Uint8Array => new Uint8Array(createHash('sha256').update(`${height}/${index}`).digest());

function transfer(from: string, to: string, amount: number): TxResult {
  return {
    code: 0,
    codespace: '',
    log: '',
    gasWanted: 21_000,
    gasUsed: 21_000,
    events: [{ type: 'transfer', attributes: [{ key: 'sender', value: from }, { key: 'recipient', value: to }, { key: 'amount', value: String(amount) }] }],
  };
}

function resultsAt(height: number, o: Options): BlockResults {
  const txResults = Array.from({ length: o.txs }, (_, i) => transfer(addressOf(i % 97), addressOf((height * o.txs + i) % o.recipients), 1 + i));
  return { height, txResults, events: [], validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

function line(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${label}: median ${percentile(sorted, 50).toFixed(2)} ms, p95 ${percentile(sorted, 95).toFixed(2)} ms`;
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<Options>(args, { blocks: 200, txs: 1_000, recipients: 1_000, queries: 50 }, 'search.ts');
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-search-'));
  const store = await BlockStore.open(dir);
  try {
    const keyMs: number[] = [];
    const saveMs: number[] = [];
    let entries = 0;
    for (let h = 1; h <= o.blocks; h++) {
      const results = resultsAt(h, o);
      const hashes = results.txResults.map((_, i) => hashOf(h, i));
      keyMs.push(await timed(async () => (entries += indexKeysOf(results).length)));
      saveMs.push(await timed(() => store.saveResults(results, hashes)));
    }
    const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
    console.log(`indexed ${o.blocks} blocks x ${o.txs} transfers: ${entries} index entries (${(entries / o.blocks).toFixed(0)} a block)`);
    console.log(`  key building: ${(sum(keyMs) / o.blocks).toFixed(2)} ms a block (${((sum(keyMs) * 1000) / entries).toFixed(2)} µs an entry)`);
    console.log(`  ${line('saveResults, index included, a block', saveMs)}; ${((entries / sum(saveMs)) * 1000).toFixed(0)} entries/s`);

    const page = { page: 1, perPage: 30, orderBy: 'asc' as const };
    const readHeight = o.blocks;
    const hits: number[] = [];
    const recipient: number[] = [];
    for (let q = 0; q < o.queries; q++) {
      const query = parseEventQuery(`transfer.recipient='${addressOf((q * 7919) % o.recipients)}'`);
      recipient.push(await timed(async () => hits.push((await searchTxs(store, readHeight, query, page)).total)));
    }
    console.log(`  ${line(`tx_search transfer.recipient='…' (${(sum(hits) / hits.length).toFixed(0)} matches each, page of 30)`, recipient)}`);
    const byHash: number[] = [];
    for (let q = 0; q < o.queries; q++) {
      const h = 1 + (q % o.blocks);
      const hex = Buffer.from(hashOf(h, q % o.txs)).toString('hex').toUpperCase();
      byHash.push(await timed(() => searchTxs(store, readHeight, parseEventQuery(`tx.hash='${hex}'`), page)));
    }
    console.log(`  ${line('tx_search tx.hash', byHash)}`);
    const range: number[] = [];
    for (let q = 0; q < o.queries; q++) {
      const h = 1 + (q % Math.max(1, o.blocks - 3));
      range.push(await timed(() => searchTxs(store, readHeight, parseEventQuery(`tx.height>=${h} AND tx.height<=${h + 2}`), page)));
    }
    console.log(`  ${line('tx_search over a 3-height range', range)}`);
    const broad: number[] = [];
    let refused = 0;
    for (let q = 0; q < Math.min(o.queries, 10); q++) {
      broad.push(
        await timed(async () => {
          try {
            await searchTxs(store, readHeight, parseEventQuery("transfer.amount>0"), page);
          } catch (err) {
            if (!(err instanceof SearchTooBroadError)) throw err;
            refused++;
          }
        }),
      );
    }
    console.log(`  ${line(`tx_search transfer.amount>0 over every height (${refused} of ${broad.length} refused as too broad)`, broad)}`);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

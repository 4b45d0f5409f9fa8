/**
 * The event index over a real LevelDB: blocks and results written through the block store,
 * searched, pruned and searched again; every search compared with a brute-force filter over
 * every stored transaction and block.
 */
import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_COMMIT, encodeBlock, headerHash } from '../../src/codec/block.js';
import { toHex } from '../../src/codec/bytes.js';
import type { AppEvent, TxResult } from '../../src/codec/results.js';
import { txHash } from '../../src/codec/tx.js';
import { addTag, matches, parseEventQuery, type EventQuery, type EventTags } from '../../src/rpc/event-query.js';
import { BlockStore } from '../../src/store/block-store.js';
import { MAX_INDEXED_VALUE_BYTES, termPrefix } from '../../src/store/event-index.js';
import { SearchTooBroadError, searchBlocks, searchTxs, type SearchPage } from '../../src/store/event-search.js';
import { storeTestBlock as block } from '../support/store-blocks.js';
import { tempDir } from '../support/temp-dir.js';

// ---------------------------------------------------------------------------------------------
// A chain written through the block store

interface ChainBlock {
  txs: { bytes: Uint8Array; events: AppEvent[] }[];
  events: AppEvent[];
}

const result = (events: AppEvent[]): TxResult => ({ code: 0, codespace: '', log: '', gasWanted: 5, gasUsed: 4, events });

async function writeBlock(store: BlockStore, height: number, b: ChainBlock): Promise<void> {
  const blk = block(height, b.txs.map((t) => t.bytes));
  const hash = headerHash(blk.header);
  await store.saveBlock(blk, encodeBlock(blk), hash, { ...EMPTY_COMMIT, height, blockHash: hash });
  await store.saveResults(
    { height, txResults: b.txs.map((t) => result(t.events)), events: b.events, validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) },
    b.txs.map((t) => txHash(t.bytes)),
  );
}

// ---------------------------------------------------------------------------------------------
// The brute-force reference: every stored transaction (block) with its tags, written here plainly.

const RESERVED_TX = ['tm.event', 'tx.hash', 'tx.height'];
const RESERVED_BLOCK = ['tm.event', 'block.height'];

function attributeTags(tags: EventTags, events: readonly AppEvent[], reserved: readonly string[]): void {
  for (const e of events) {
    if (e.type === '') continue;
    for (const a of e.attributes) if (a.key !== '' && !reserved.includes(`${e.type}.${a.key}`)) addTag(tags, `${e.type}.${a.key}`, a.value);
  }
}

interface Stored {
  height: number;
  index: number;
  hash: string;
  tags: EventTags;
}

/**
 * Every stored transaction at heights from..to with its tags. A hash names one place, the last
 * stored transaction with those bytes (as `tx` answers and CometBFT's indexer keeps): a copy
 * of a transaction (a proposer may replay one; it fails) is found by tx.hash only at its last
 * place, and by every other condition at each.
 */
async function everyTx(store: BlockStore, from: number, to: number): Promise<Stored[]> {
  const out: Stored[] = [];
  const lastPlace = new Map<string, string>();
  for (let h = Math.max(1, store.base); h <= store.height; h++) {
    (await store.loadBlock(h))?.txs.forEach((tx, index) => lastPlace.set(toHex(txHash(tx)).toUpperCase(), `${h}/${index}`));
  }
  for (let h = from; h <= to; h++) {
    const blk = await store.loadBlock(h);
    const res = await store.loadResults(h);
    if (!blk || !res) continue;
    blk.txs.forEach((tx, index) => {
      const hash = toHex(txHash(tx)).toUpperCase();
      const tags: EventTags = new Map([['tm.event', ['Tx']], ['tx.height', [String(h)]]]);
      if (lastPlace.get(hash) === `${h}/${index}`) tags.set('tx.hash', [hash]);
      attributeTags(tags, res.txResults[index]?.events ?? [], RESERVED_TX);
      out.push({ height: h, index, hash, tags });
    });
  }
  return out;
}

async function everyBlock(store: BlockStore, from: number, to: number): Promise<{ height: number; tags: EventTags }[]> {
  const out: { height: number; tags: EventTags }[] = [];
  for (let h = from; h <= to; h++) {
    const res = await store.loadResults(h);
    if (!res) continue;
    const tags: EventTags = new Map([['block.height', [String(h)]]]);
    attributeTags(tags, res.events, RESERVED_BLOCK);
    out.push({ height: h, tags });
  }
  return out;
}

function pageOf<T>(all: T[], page: SearchPage): T[] {
  const ordered = page.orderBy === 'desc' ? [...all].reverse() : all;
  return ordered.slice((page.page - 1) * page.perPage, page.page * page.perPage);
}

async function expectSameAsBruteForce(store: BlockStore, readHeight: number, query: EventQuery, page: SearchPage): Promise<void> {
  const from = Math.max(1, store.base);
  const txsWanted = (await everyTx(store, from, readHeight)).filter((t) => matches(query, t.tags));
  const txsGot = await searchTxs(store, readHeight, query, page);
  expect(txsGot.total, `tx_search ${query.text}`).toBe(txsWanted.length);
  expect(txsGot.txs.map((t) => [t.record.height, t.record.index, toHex(t.hash).toUpperCase()]), `tx_search ${query.text}`).toEqual(pageOf(txsWanted, page).map((t) => [t.height, t.index, t.hash]));
  for (const t of txsGot.txs) expect(toHex(txHash(t.record.tx)).toUpperCase()).toBe(toHex(t.hash).toUpperCase());

  const blocksWanted = (await everyBlock(store, from, readHeight)).filter((b) => matches(query, b.tags)).map((b) => b.height);
  const blocksGot = await searchBlocks(store, readHeight, query, page);
  expect(blocksGot.total, `block_search ${query.text}`).toBe(blocksWanted.length);
  expect(blocksGot.heights, `block_search ${query.text}`).toEqual(pageOf(blocksWanted, page));
}

// ---------------------------------------------------------------------------------------------
// Generators: a small vocabulary, so that queries hit; odd bytes, long values and reserved keys.

const LONG = 'x'.repeat(MAX_INDEXED_VALUE_BYTES + 20);
const VALUES = ['0xaa', '', '5', '12', '7atom', 'a\u0000b', 'a\u0000', 'a', LONG, `${LONG}y`, 'é'.repeat(MAX_INDEXED_VALUE_BYTES / 2 + 1), 'Tx', '3'];
const TYPES = ['transfer', 'ev.dot', '', 'tx', 'tm', 'block'];
const ATTR_KEYS = ['recipient', 'amount', '', 'height', 'event', 'k\u0000z'];

const event: fc.Arbitrary<AppEvent> = fc.record({
  type: fc.constantFrom(...TYPES),
  attributes: fc.array(fc.record({ key: fc.constantFrom(...ATTR_KEYS), value: fc.constantFrom(...VALUES) }), { maxLength: 3 }),
});

const chainBlock: fc.Arbitrary<ChainBlock> = fc.record({
  txs: fc.array(fc.record({ bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }), events: fc.array(event, { maxLength: 3 }) }), { maxLength: 4 }),
  events: fc.array(event, { maxLength: 2 }),
});

const QUERY_KEYS = ['transfer.recipient', 'transfer.amount', 'ev.dot.amount', 'ev.dot', 'tx.height', 'block.height', 'tm.event', 'transfer', 'tx', 'block.amount', 'block.event'];
const QUERY_STRINGS = VALUES.filter((v) => !v.includes("'") && v.length < 200);
const condition: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.constantFrom(...QUERY_STRINGS)).map(([k, v]) => `${k}='${v}'`) },
  { weight: 1, arbitrary: fc.constantFrom(...QUERY_KEYS).map((k) => `${k}='${LONG}y'`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.constantFrom('=', '<', '<=', '>', '>='), fc.constantFrom('0', '1', '3', '4.5', '5', '12')).map(([k, op, n]) => `${k}${op}${n}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...QUERY_KEYS), fc.constantFrom('a', '0x', 'x', '')).map(([k, v]) => `${k} CONTAINS '${v}'`) },
  { weight: 1, arbitrary: fc.constantFrom(...QUERY_KEYS).map((k) => `${k} EXISTS`) },
  { weight: 2, arbitrary: fc.constantFrom("tm.event='Tx'", "tm.event='NewBlock'", "tx.hash='00'", 'tx.height=TXHEIGHT', "tx.hash='TXHASH'", "tx.hash='TXHASH'") },
);
const query = fc.array(condition, { minLength: 1, maxLength: 3 });
const pageArb: fc.Arbitrary<SearchPage> = fc.record({ page: fc.integer({ min: 1, max: 4 }), perPage: fc.integer({ min: 1, max: 5 }), orderBy: fc.constantFrom<'asc' | 'desc'>('asc', 'desc') });

describe('event index and search over LevelDB', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('event-index');
  });
  afterEach(() => dir.cleanup());

  it('finds what a brute-force filter finds, paged and in both orders, before and after pruning', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(chainBlock, { minLength: 1, maxLength: 10 }),
        fc.array(fc.tuple(query, pageArb, fc.nat(), fc.nat()), { minLength: 1, maxLength: 6 }),
        fc.nat(),
        async (chain, searches, pruneSeed) => {
          const store = await BlockStore.open(`${dir.path}/${run++}`);
          try {
            for (const [i, b] of chain.entries()) await writeBlock(store, i + 1, b);
            const allTxs = await everyTx(store, 1, chain.length);
            const check = async (): Promise<void> => {
              for (const [conditions, page, pick, read] of searches) {
                const sample = allTxs.length > 0 ? allTxs[pick % allTxs.length] : undefined;
                const text = conditions.join(' AND ').replaceAll('TXHASH', sample?.hash ?? 'AB').replaceAll('TXHEIGHT', String(sample?.height ?? 1));
                fc.pre(text.length <= 512);
                await expectSameAsBruteForce(store, read % (chain.length + 1), parseEventQuery(text), page);
              }
            };
            await check();
            await store.pruneBelow(1 + (pruneSeed % chain.length));
            await check();
          } finally {
            await store.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);

  it('no key = value prefix is a prefix of another pair’s (escaping keeps values from reaching into other keys)', () => {
    const text = fc.oneof(fc.constantFrom('', 'a', 'a\u0000', '\u0000', 'a\u0000b', 'a\u0001', '\u0000\u0000'), fc.string({ unit: fc.constantFrom('a', '\u0000', '\u0001', '\u0002', 'é'), maxLength: 6 }));
    fc.assert(
      fc.property(fc.constantFrom<'tx' | 'block'>('tx', 'block'), text, text, text, text, (family, k1, v1, k2, v2) => {
        fc.pre(k1 !== k2 || v1 !== v2);
        const a = termPrefix(family, k1, v1);
        const b = termPrefix(family, k2, v2);
        const isPrefix = (p: Uint8Array, of: Uint8Array): boolean => p.length <= of.length && p.every((x, i) => x === of[i]);
        expect(isPrefix(a, b) || isPrefix(b, a)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('events cannot pose as the keys the node sets (tm.event, tx.hash, tx.height, block.height)', async () => {
    const store = await BlockStore.open(dir.path);
    const posing: AppEvent[] = [
      { type: 'tx', attributes: [{ key: 'height', value: '99' }, { key: 'hash', value: 'AB' }] },
      { type: 'tm', attributes: [{ key: 'event', value: 'NewBlock' }] },
      { type: 'block', attributes: [{ key: 'height', value: '99' }] },
    ];
    await writeBlock(store, 1, { txs: [{ bytes: Uint8Array.of(1), events: posing }], events: posing });
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    for (const q of ["tx.height CONTAINS '9'", 'tx.height=99', "tm.event='NewBlock'", "tm.event CONTAINS 'New'", "tx.hash='AB'", "tx.hash CONTAINS 'AB'"]) {
      expect((await searchTxs(store, 1, parseEventQuery(q), page)).total, q).toBe(0);
    }
    expect((await searchTxs(store, 1, parseEventQuery('block.height=99'), page)).total).toBe(1);
    for (const q of ["block.height CONTAINS '9'", 'block.height=99', 'tm.event EXISTS', "tm.event='NewBlock'"]) {
      expect((await searchBlocks(store, 1, parseEventQuery(q), page)).total, q).toBe(0);
    }
    await store.close();
  });

  it('values longer than the indexed prefix are told apart, and values with NUL bytes are not confused', async () => {
    const store = await BlockStore.open(dir.path);
    const values = [LONG, `${LONG}y`, `${LONG}z`, 'a', 'a\u0000', `a${'\u0000'.repeat(7)}\u0001`, 'a\u0000b'];
    await writeBlock(store, 1, { txs: values.map((value, i) => ({ bytes: Uint8Array.of(i), events: [{ type: 'transfer', attributes: [{ key: 'recipient', value }] }] })), events: [] });
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    for (const [i, value] of values.entries()) {
      const found = await searchTxs(store, 1, parseEventQuery(`transfer.recipient='${value}'`), page);
      expect(found.txs.map((t) => t.record.index), JSON.stringify(value.slice(-3))).toEqual([i]);
    }
    await store.close();
  });

  it('a replayed transaction is found by its hash at its last place, also once an earlier copy is pruned', async () => {
    const store = await BlockStore.open(dir.path);
    const same = Uint8Array.of(9);
    await writeBlock(store, 1, { txs: [{ bytes: same, events: [] }, { bytes: same, events: [] }], events: [] });
    await writeBlock(store, 2, { txs: [{ bytes: Uint8Array.of(1), events: [] }, { bytes: same, events: [] }], events: [] });
    await writeBlock(store, 3, { txs: [], events: [] });
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    const byHash = parseEventQuery(`tx.hash='${toHex(txHash(same)).toUpperCase()}'`);
    const places = async (read: number): Promise<number[][]> => (await searchTxs(store, read, byHash, page)).txs.map((t) => [t.record.height, t.record.index]);
    expect(await places(3)).toEqual([[2, 1]]);
    await store.pruneBelow(2);
    expect(await places(3)).toEqual([[2, 1]]);
    expect((await store.loadTx(txHash(same)))?.height).toBe(2);
    await store.close();
  });

  it('a pruned height is not found, and its entries are gone from the database', async () => {
    const store = await BlockStore.open(dir.path);
    const recipient = { type: 'transfer', attributes: [{ key: 'recipient', value: '0xaa' }] };
    for (let h = 1; h <= 4; h++) await writeBlock(store, h, { txs: [{ bytes: Uint8Array.of(h), events: [recipient] }], events: [{ type: 'reward', attributes: [{ key: 'to', value: '0xaa' }] }] });
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    expect((await searchTxs(store, 4, parseEventQuery("transfer.recipient='0xaa'"), page)).txs.map((t) => t.record.height)).toEqual([1, 2, 3, 4]);
    expect((await searchTxs(store, 2, parseEventQuery("transfer.recipient='0xaa'"), page)).txs.map((t) => t.record.height)).toEqual([1, 2]);
    expect((await searchBlocks(store, 4, parseEventQuery("reward.to='0xaa'"), { ...page, orderBy: 'desc' })).heights).toEqual([4, 3, 2, 1]);
    await store.pruneBelow(3);
    expect((await searchTxs(store, 4, parseEventQuery("transfer.recipient='0xaa'"), page)).txs.map((t) => t.record.height)).toEqual([3, 4]);
    expect((await searchBlocks(store, 4, parseEventQuery('block.height>=1'), page)).heights).toEqual([3, 4]);
    await store.close();
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' });
    const entries: number[] = [];
    for await (const k of db.keys()) if (k[0] === 0x58 || k[0] === 0x59) entries.push(new DataView(k.buffer, k.byteOffset).getUint32(k.length - (k[0] === 0x58 ? 8 : 4)));
    await db.close();
    // The low 32 bits of each entry's height: only 3 and 4 are left.
    expect(entries.sort()).toEqual([3, 3, 4, 4]);
  });

  it('results saved again for a height replace that height’s entries', async () => {
    const store = await BlockStore.open(dir.path);
    const tagged = (value: string): ChainBlock => ({ txs: [{ bytes: Uint8Array.of(1), events: [{ type: 'transfer', attributes: [{ key: 'recipient', value }] }] }], events: [] });
    await writeBlock(store, 1, tagged('0xaa'));
    await store.saveResults({ height: 1, txResults: [result([{ type: 'transfer', attributes: [{ key: 'recipient', value: '0xbb' }] }])], events: [], validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) }, [txHash(Uint8Array.of(1))]);
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    expect((await searchTxs(store, 1, parseEventQuery("transfer.recipient='0xaa'"), page)).total).toBe(0);
    expect((await searchTxs(store, 1, parseEventQuery("transfer.recipient='0xbb'"), page)).total).toBe(1);
    await store.close();
  });

  it('a database written before the index: heights below the first indexed one are not searched', async () => {
    let store = await BlockStore.open(dir.path);
    const tx = (h: number): ChainBlock => ({ txs: [{ bytes: Uint8Array.of(h), events: [{ type: 'transfer', attributes: [{ key: 'recipient', value: '0xaa' }] }] }], events: [] });
    await writeBlock(store, 1, tx(1));
    await writeBlock(store, 2, tx(2));
    await store.close();
    // What an older node left: blocks and results, no index and no index start.
    const db = new ClassicLevel<Uint8Array, Uint8Array>(dir.path, { keyEncoding: 'view', valueEncoding: 'view' });
    for await (const k of db.keys()) if (k[0] === 0x58 || k[0] === 0x59 || (k.length === 1 && k[0] === 0x49)) await db.del(k);
    await db.close();
    store = await BlockStore.open(dir.path);
    expect(store.indexStart).toBe(0);
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    expect((await searchTxs(store, 2, parseEventQuery('tx.height>=1'), page)).total).toBe(0);
    await writeBlock(store, 3, tx(3));
    expect(store.indexStart).toBe(3);
    for (const q of ["transfer.recipient='0xaa'", 'tx.height>=1', 'tx.height EXISTS']) {
      expect((await searchTxs(store, 3, parseEventQuery(q), page)).txs.map((t) => t.record.height), q).toEqual([3]);
    }
    expect((await searchBlocks(store, 3, parseEventQuery('block.height>=1'), page)).heights).toEqual([3]);
    await store.close();
  });

  it('a query that would read more than the limits is refused as too broad; a narrower one is answered', async () => {
    const store = await BlockStore.open(dir.path);
    for (let h = 1; h <= 30; h++) await writeBlock(store, h, { txs: [{ bytes: Uint8Array.of(h), events: [{ type: 'transfer', attributes: [{ key: 'recipient', value: h === 7 ? '0xaa' : '0xbb' }] }] }], events: [] });
    const limits = { maxEntriesRead: 10, maxBytesDecoded: 1 << 20, estimateEntries: 5 };
    const page: SearchPage = { page: 1, perPage: 30, orderBy: 'asc' };
    await expect(searchTxs(store, 30, parseEventQuery("transfer.recipient CONTAINS 'a'"), page, limits)).rejects.toBeInstanceOf(SearchTooBroadError);
    await expect(searchTxs(store, 30, parseEventQuery("transfer.recipient='0xbb'"), page, limits)).rejects.toThrow(/query too broad/);
    await expect(searchBlocks(store, 30, parseEventQuery('block.height>=1 AND x.y EXISTS'), page, limits)).rejects.toThrow(/block\.height range/);
    expect((await searchTxs(store, 30, parseEventQuery("transfer.recipient CONTAINS 'a' AND tx.height<=9"), page, limits)).txs.map((t) => t.record.height)).toEqual([7]);
    expect((await searchTxs(store, 30, parseEventQuery("transfer.recipient='0xaa'"), page, limits)).total).toBe(1);
    // Heights alone are counted, not read: any range of block_search is answered.
    expect((await searchBlocks(store, 30, parseEventQuery('block.height>=2'), { ...page, perPage: 3 }, limits)).heights).toEqual([2, 3, 4]);
    await store.close();
  });
});

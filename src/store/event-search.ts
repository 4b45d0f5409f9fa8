/**
 * Searches of the event index (tx_search, block_search; spec/rpc-search.md). A search plans
 * one source of candidates in height order — a transaction hash, the entries of one
 * `key = 'value'` condition (the one with the fewest), or every height of a range — and checks
 * each candidate against the conditions the source does not guarantee, on the candidate's
 * tags. It counts every match (the total) and keeps one page. What one search may read is
 * bounded (SEARCH_LIMITS); past it the query is refused as too broad.
 */
import { toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { decode } from '../codec/schema.js';
import { txHash } from '../codec/tx.js';
import { decodeBlock, type Block } from '../codec/block.js';
import { matches, matchesEmpty, valueMatches, type EventQuery, type EventTags, type QueryCondition } from '../rpc/event-query.js';
import type { BlockStore } from './block-store.js';
import { HEIGHT_KEY, RESERVED_KEYS, blockSearchTags, entryPlace, heightBound, indexedWhole, termPrefix, txSearchTags, type IndexFamily } from './event-index.js';
import { BlockResults, type BlockResults as BlockResultsT, type TxRecord } from './records.js';

export interface SearchPage {
  /** 1-based. */
  page: number;
  perPage: number;
  orderBy: 'asc' | 'desc';
}

export interface TxHit {
  hash: Uint8Array;
  record: TxRecord;
}

/** What one search may read before it is refused (spec/rpc-search.md, "Bounds"). */
export interface SearchLimits {
  /** Index entries and stored results read while finding and counting matches. */
  maxEntriesRead: number;
  /** Bytes of stored results and blocks decoded to check candidates. */
  maxBytesDecoded: number;
  /** Entries counted per equality condition to pick the most selective one. */
  estimateEntries: number;
}

export const SEARCH_LIMITS: Readonly<SearchLimits> = {
  maxEntriesRead: 100_000,
  // About 1.4 s of decoding on this machine's core (bench/search.ts), in slices between reads.
  maxBytesDecoded: 16 * 1024 * 1024,
  estimateEntries: 1_000,
};

/** A query whose answer would read more than SEARCH_LIMITS allow. */
export class SearchTooBroadError extends CmtError {
  constructor(family: IndexFamily, limits: SearchLimits) {
    super(
      'SEARCH_TOO_BROAD',
      `query too broad: answering it reads more than ${limits.maxEntriesRead} index entries or ${Math.round(limits.maxBytesDecoded / 1024 / 1024)} MiB of results; ` +
        `add an equality condition on an event attribute (e.g. transfer.recipient='0x…') or a ${HEIGHT_KEY[family]} range`,
    );
  }
}

/** Heights lo..hi, inclusive; empty when lo > hi. */
interface HeightRange {
  lo: number;
  hi: number;
}

type Source = { kind: 'none' } | { kind: 'hash'; hash: Uint8Array } | { kind: 'term'; prefix: Uint8Array } | { kind: 'heights' };

interface Plan {
  family: IndexFamily;
  range: HeightRange;
  source: Source;
  /** Conditions each candidate is still checked against; the rest hold for every candidate of the source. */
  open: QueryCondition[];
}

/** A transaction hash in hex, either case: CometBFT hex-decodes tx.hash's value (kv lookForHash). */
const HASH_HEX = /^[0-9A-Fa-f]{64}$/;
const MAX_HEIGHT = Number.MAX_SAFE_INTEGER;

/**
 * What a condition is for every candidate of a family, when that is known without its tags:
 * `tm.event` is always 'Tx' for a transaction and absent for a block (as CometBFT's block
 * index); a key without a dot is never found by name.
 */
function staticVerdict(c: QueryCondition, family: IndexFamily): boolean | undefined {
  if (matchesEmpty(c)) return undefined; // may hold through an event type (event-query.ts)
  if (!c.key.includes('.')) return false;
  if (c.key === 'tm.event') return family === 'tx' && valueMatches(c, 'Tx');
  return undefined;
}

function toHeight(n: bigint): number {
  return n > BigInt(MAX_HEIGHT) ? MAX_HEIGHT : Number(n);
}

/**
 * The heights satisfying a condition on the height key (whose one value is the height in
 * decimal), or undefined when the condition is not of that form and must be checked per candidate.
 */
function heightsOf(c: QueryCondition): HeightRange | undefined {
  const v = c.value;
  if (c.op === 'EXISTS') return { lo: 1, hi: MAX_HEIGHT };
  if (v === undefined || c.op === 'CONTAINS' || matchesEmpty(c)) return undefined;
  if (v.kind === 'date' || v.kind === 'time') return { lo: 1, hi: 0 };
  if (v.kind === 'string') {
    if (!/^[1-9][0-9]{0,15}$/.test(v.text) || Number(v.text) > MAX_HEIGHT) return { lo: 1, hi: 0 };
    return { lo: Number(v.text), hi: Number(v.text) };
  }
  const floor = BigInt(v.number.int);
  const whole = v.number.frac === '';
  const ceil = whole ? floor : floor + 1n;
  switch (c.op) {
    case '=':
      return whole ? { lo: toHeight(floor), hi: toHeight(floor) } : { lo: 1, hi: 0 };
    case '>':
      return { lo: toHeight(floor + 1n), hi: MAX_HEIGHT };
    case '>=':
      return { lo: toHeight(ceil), hi: MAX_HEIGHT };
    case '<':
      return { lo: 1, hi: toHeight(ceil - 1n) };
    default:
      return { lo: 1, hi: toHeight(floor) };
  }
}

/** An equality condition the index has entries for. */
function isTerm(c: QueryCondition, family: IndexFamily): boolean {
  return c.op === '=' && c.value?.kind === 'string' && c.value.text !== '' && c.key.includes('.') && !RESERVED_KEYS[family].has(c.key);
}

function termOf(c: QueryCondition, family: IndexFamily): Uint8Array {
  return termPrefix(family, c.key, (c.value as { text: string }).text);
}

/** Entries of a term within a height range, counted up to `cap`. */
async function countEntries(store: BlockStore, prefix: Uint8Array, range: HeightRange, cap: number): Promise<number> {
  let n = 0;
  for await (const _ of store.indexEntries(heightBound(prefix, range.lo), heightBound(prefix, range.hi + 1), false)) if (++n >= cap) break;
  return n;
}

/**
 * `tx.hash = '<hex>'` with its hex in upper case, the case tx.hash is tagged with: a search
 * finds a hash written in either case (as CometBFT's, which decodes the hex). Subscriptions
 * compare strings, as CometBFT's pubsub does (spec/rpc-search.md).
 */
function hashUpperCase(c: QueryCondition): QueryCondition {
  if (c.key !== 'tx.hash' || c.op !== '=' || c.value?.kind !== 'string' || !HASH_HEX.test(c.value.text)) return c;
  return { ...c, value: { kind: 'string', text: c.value.text.toUpperCase() } };
}

async function planSearch(store: BlockStore, readHeight: number, query: Pick<EventQuery, 'conditions'>, family: IndexFamily, limits: SearchLimits): Promise<Plan> {
  let range: HeightRange = { lo: Math.max(1, store.base, store.indexStart), hi: store.indexStart === 0 ? 0 : readHeight };
  const none: Plan = { family, range, source: { kind: 'none' }, open: [] };
  const open: QueryCondition[] = [];
  const terms: QueryCondition[] = [];
  let hash: Uint8Array | undefined;
  for (const asked of query.conditions) {
    const c = family === 'tx' ? hashUpperCase(asked) : asked;
    const verdict = staticVerdict(c, family);
    if (verdict === true) continue;
    if (verdict === false) return none;
    if (c.key === HEIGHT_KEY[family]) {
      const heights = heightsOf(c);
      if (heights) {
        range = { lo: Math.max(range.lo, heights.lo), hi: Math.min(range.hi, heights.hi) };
        continue;
      }
    }
    if (family === 'tx' && c.key === 'tx.hash' && c.op === '=' && c.value?.kind === 'string' && hash === undefined) {
      if (!HASH_HEX.test(c.value.text)) return none; // tx.hash is hex: nothing else equals it
      hash = Uint8Array.from(Buffer.from(c.value.text, 'hex'));
      continue;
    }
    if (isTerm(c, family)) terms.push(c);
    open.push(c);
  }
  if (range.lo > range.hi) return none;
  if (hash) return { family, range, source: { kind: 'hash', hash }, open };
  let best: { c: QueryCondition; count: number } | undefined;
  for (const c of terms) {
    const count = await countEntries(store, termOf(c, family), range, Math.min(best?.count ?? Infinity, limits.estimateEntries));
    if (!best || count < best.count) best = { c, count };
    if (count === 0) break;
  }
  // A height costs a decode of its results; an entry, one key read.
  const heights = range.hi - range.lo + 1;
  if (!best || best.count > heights * 10) return { family, range, source: { kind: 'heights' }, open };
  const driver = best.c;
  const exact = indexedWhole((driver.value as { text: string }).text);
  return { family, range, source: { kind: 'term', prefix: termOf(driver, family) }, open: exact ? open.filter((c) => c !== driver) : open };
}

/** Counts what a search reads and decodes; throws once it passes SEARCH_LIMITS. Caches the last height's results and block. */
class Reader {
  private entries = 0;
  private bytes = 0;
  private results?: { height: number; value: BlockResultsT | undefined };
  private block?: { height: number; value: Block | undefined; hashes: (string | undefined)[] };

  constructor(
    private readonly store: BlockStore,
    private readonly family: IndexFamily,
    private readonly limits: SearchLimits,
  ) {}

  entry(): void {
    if (++this.entries > this.limits.maxEntriesRead) throw new SearchTooBroadError(this.family, this.limits);
  }

  private decoded(n: number): void {
    this.bytes += n;
    if (this.bytes > this.limits.maxBytesDecoded) throw new SearchTooBroadError(this.family, this.limits);
  }

  decodeResults(height: number, bytes: Uint8Array, counted = true): BlockResultsT {
    if (counted) this.decoded(bytes.length);
    const value = decode(BlockResults, bytes, 'block results');
    this.results = { height, value };
    return value;
  }

  async resultsAt(height: number, counted = true): Promise<BlockResultsT | undefined> {
    if (this.results?.height === height) return this.results.value;
    const bytes = await this.store.loadResultsBytes(height);
    if (bytes === undefined) {
      this.results = { height, value: undefined };
      return undefined;
    }
    return this.decodeResults(height, bytes, counted);
  }

  /** The block at `height`, with room for its transactions' hashes (hashed as asked: a page needs few of a large block's). */
  async blockAt(height: number, counted = true): Promise<{ value: Block | undefined; hashes: (string | undefined)[] }> {
    if (this.block?.height === height) return this.block;
    const bytes = await this.store.loadBlockBytes(height);
    if (bytes !== undefined && counted) this.decoded(bytes.length);
    const value = bytes === undefined ? undefined : decodeBlock(bytes);
    this.block = { height, value, hashes: [] };
    return this.block;
  }

  /** The places named by the index entries under `prefix` at heights lo..hi, in height order (`desc`: highest first), each entry counted. */
  async *termPlaces(prefix: Uint8Array, range: HeightRange, desc: boolean): AsyncGenerator<{ height: number; index: number }> {
    for await (const entry of this.store.indexEntries(heightBound(prefix, range.lo), heightBound(prefix, range.hi + 1), desc)) {
      this.entry();
      yield entryPlace(this.family, entry);
    }
  }

  /** Every stored height's results at heights lo..hi, in height order (`desc`: highest first), each counted and decoded. */
  async *resultsBetween(range: HeightRange, desc: boolean): AsyncGenerator<{ height: number; results: BlockResultsT }> {
    for await (const { height, bytes } of this.store.resultsBytesBetween(range.lo, range.hi, desc)) {
      this.entry();
      yield { height, results: this.decodeResults(height, bytes) };
    }
  }

  /** The upper-case hex hash of transaction `index` of block `height`, hashed once. */
  private async txHashAt(height: number, index: number): Promise<string | undefined> {
    const block = await this.blockAt(height);
    const tx = block.value?.txs[index];
    if (tx === undefined) return undefined;
    return (block.hashes[index] ??= toHex(txHash(tx)).toUpperCase());
  }

  async txTags(height: number, index: number, results: BlockResultsT, withHash: boolean): Promise<EventTags | undefined> {
    const result = results.txResults[index];
    if (!result) return undefined;
    const hash = withHash ? await this.txHashAt(height, index) : undefined;
    if (withHash && hash === undefined) return undefined;
    return txSearchTags(hash, height, result);
  }
}

/** Counts every match offered, in order, and keeps those of one page. */
class PageWindow<T> {
  total = 0;
  readonly items: T[] = [];
  private readonly start: number;
  private readonly end: number;

  constructor(page: SearchPage) {
    this.start = (page.page - 1) * page.perPage;
    this.end = this.start + page.perPage;
  }

  offer(item: T): void {
    if (this.total >= this.start && this.total < this.end) this.items.push(item);
    this.total++;
  }
}

function* indexes(count: number, desc: boolean): Generator<number> {
  if (desc) for (let i = count - 1; i >= 0; i--) yield i;
  else for (let i = 0; i < count; i++) yield i;
}

interface Place {
  height: number;
  index: number;
}

/** Transactions at heights up to `readHeight` whose events match `query`, one page of them, and how many match in all. */
export async function searchTxs(
  store: BlockStore,
  readHeight: number,
  query: Pick<EventQuery, 'conditions'>,
  page: SearchPage,
  limits: SearchLimits = SEARCH_LIMITS,
): Promise<{ total: number; txs: TxHit[] }> {
  const plan = await planSearch(store, readHeight, query, 'tx', limits);
  const reader = new Reader(store, 'tx', limits);
  const window = new PageWindow<Place>(page);
  const desc = page.orderBy === 'desc';
  const check = { conditions: plan.open };
  const withHash = plan.open.some((c) => c.key === 'tx.hash');
  const { lo, hi } = plan.range;
  const source = plan.source;
  switch (source.kind) {
    case 'hash': {
      const record = await store.loadTx(source.hash);
      if (record && record.height >= lo && record.height <= hi && matches(check, txSearchTags(toHex(source.hash).toUpperCase(), record.height, record.result))) {
        window.offer({ height: record.height, index: record.index });
      }
      break;
    }
    case 'term':
      for await (const place of reader.termPlaces(source.prefix, plan.range, desc)) {
        if (plan.open.length > 0) {
          const results = await reader.resultsAt(place.height);
          const tags = results && (await reader.txTags(place.height, place.index, results, withHash));
          if (!tags || !matches(check, tags)) continue;
        }
        window.offer(place);
      }
      break;
    case 'heights':
      for await (const { height, results } of reader.resultsBetween(plan.range, desc)) {
        for (const index of indexes(results.txResults.length, desc)) {
          if (plan.open.length > 0) {
            const tags = await reader.txTags(height, index, results, withHash);
            if (!tags || !matches(check, tags)) continue;
          }
          window.offer({ height, index });
        }
      }
      break;
    case 'none':
      break;
  }
  // The page itself (at most per_page transactions) is read whatever the limits.
  const txs: TxHit[] = [];
  for (const { height, index } of window.items) {
    const block = await reader.blockAt(height, false);
    const results = await reader.resultsAt(height, false);
    const tx = block.value?.txs[index];
    const result = results?.txResults[index];
    if (tx && result) txs.push({ hash: txHash(tx), record: { height, index, tx, result } });
  }
  return { total: window.total, txs };
}

/** Heights up to `readHeight` of blocks whose events match `query`, one page of them, and how many match in all. */
export async function searchBlocks(
  store: BlockStore,
  readHeight: number,
  query: Pick<EventQuery, 'conditions'>,
  page: SearchPage,
  limits: SearchLimits = SEARCH_LIMITS,
): Promise<{ total: number; heights: number[] }> {
  const plan = await planSearch(store, readHeight, query, 'block', limits);
  const { lo, hi } = plan.range;
  const desc = page.orderBy === 'desc';
  const source = plan.source;
  if (source.kind === 'heights' && plan.open.length === 0) {
    // Only heights asked: the stored blocks are every height from the base up, so count them.
    const total = hi - lo + 1;
    const start = (page.page - 1) * page.perPage;
    const count = Math.max(0, Math.min(page.perPage, total - start));
    return { total, heights: Array.from({ length: count }, (_, i) => (desc ? hi - start - i : lo + start + i)) };
  }
  const reader = new Reader(store, 'block', limits);
  const check = { conditions: plan.open };
  const window = new PageWindow<number>(page);
  switch (source.kind) {
    case 'term':
      for await (const { height } of reader.termPlaces(source.prefix, plan.range, desc)) {
        if (plan.open.length > 0) {
          const results = await reader.resultsAt(height);
          if (!results || !matches(check, blockSearchTags(height, results.events))) continue;
        }
        window.offer(height);
      }
      break;
    case 'heights':
      for await (const { height, results } of reader.resultsBetween(plan.range, desc)) {
        if (matches(check, blockSearchTags(height, results.events))) window.offer(height);
      }
      break;
    default:
      break;
  }
  return { total: window.total, heights: window.items };
}

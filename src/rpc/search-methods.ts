/** tx_search and block_search, over the node's event index (spec/rpc-search.md). */
import { SearchTooBroadError, type SearchPage } from '../store/event-search.js';
import { txProofView } from './comet-tx-proof.js';
import { RpcError, RPC_LIMIT, RPC_RESPONSE_TOO_LARGE, invalidParams } from './errors.js';
import { parseEventQuery, type EventQuery } from './event-query.js';
import type { StoredBlock } from '../node/api.js';
import type { Method, MethodContext } from './methods.js';
import { optionalBool, optionalInt, optionalString, perPage, type Params } from './params.js';
import { blockView, txView } from './views.js';

/**
 * Transactions hashed for one answer's proofs: a proof hashes every transaction of its block, so
 * a page of 100 from one large block would hash it 100 times (spec/rpc-search.md, "Bounds").
 */
export const MAX_PROOF_TXS = 200_000;

function requiredQuery(params: Params): EventQuery {
  const text = optionalString(params, 'query');
  if (text === undefined) throw invalidParams("query is required, e.g. tx.height=5 or transfer.recipient='0x…'");
  return parseEventQuery(text);
}

/** page, per_page and order_by as CometBFT reads them; `defaultOrder` is the method's (tx_search: asc, block_search: desc). */
function searchPage(params: Params, defaultOrder: SearchPage['orderBy']): SearchPage {
  // CometBFT's paging (params.ts): 30 a page unless asked, at most 100, below 1 is 30.
  const per = perPage(params);
  const page = optionalInt(params, 'page', 1, Number.MAX_SAFE_INTEGER);
  if (page < 1) throw invalidParams(`page should be 1 or more, given ${page}`);
  const order = optionalString(params, 'order_by') ?? '';
  if (order !== '' && order !== 'asc' && order !== 'desc') throw invalidParams('expected order_by to be either `asc` or `desc` or empty');
  return { page, perPage: per, orderBy: order === '' ? defaultOrder : order };
}

/** CometBFT refuses a page past the last (an empty answer has one page, page 1). */
function checkPageInRange(page: SearchPage, total: number): void {
  const pages = Math.max(1, Math.ceil(total / page.perPage));
  if (page.page > pages) throw invalidParams(`page should be within [1, ${pages}] range, given ${page.page}`);
}

async function searching<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof SearchTooBroadError) throw new RpcError(RPC_LIMIT, 'Query too broad', err.message);
    throw err;
  }
}

/**
 * Runs a whole search (finding, counting, building the page) in one of the server's search
 * slots (answer-slots.ts, MAX_SEARCHES_AT_ONCE): a search may decode megabytes on the thread
 * that also runs consensus, so however many clients search, only that many do at once, and
 * the rest wait their turn without holding a read slot.
 */
function inSearchSlot<T>(ctx: MethodContext, work: () => Promise<T>): Promise<T> {
  return ctx.searches ? ctx.searches.run(work, ctx.gone) : work();
}

/**
 * A page is whole or refused, never cut: pages are fixed-size offsets (page p holds matches
 * (p-1)·per_page … p·per_page-1), so a page cut short would make a client paging by
 * total_count (CosmJS's txSearchAll, blockSearchAll) skip the matches cut off. A page whose
 * answer would be longer than rpc.max_response_bytes is refused with -32005, naming the limit
 * and how many items did fit, so the client asks again with a smaller per_page. Items are
 * measured as they are added: the work stops at the limit. The envelope is counted exactly
 * but for the request's id (the server still refuses an answer a long id pushes over).
 */
function wholePage(key: 'txs' | 'blocks', items: readonly Record<string, unknown>[], total: number, page: SearchPage, maxResponseBytes: number): { [k: string]: unknown } {
  const answer = { [key]: items, total_count: String(total) };
  const envelope = { jsonrpc: '2.0', id: null, result: { [key]: [], total_count: answer.total_count } };
  let bytes = Buffer.byteLength(JSON.stringify(envelope), 'utf8') - 'null'.length;
  for (let i = 0; i < items.length; i++) {
    bytes += Buffer.byteLength(JSON.stringify(items[i]), 'utf8') + (i > 0 ? 1 : 0);
    if (bytes > maxResponseBytes) {
      const what = key === 'txs' ? 'transaction' : 'block';
      const advice = i === 0 ? `even one ${what} does not fit` : `ask again with per_page=${i} or less`;
      throw new RpcError(RPC_RESPONSE_TOO_LARGE, 'Response too large', `this page of ${items.length} ${what}s (per_page ${page.perPage}) is longer than rpc.max_response_bytes (${maxResponseBytes} bytes); ${advice}`);
    }
  }
  return answer;
}

export const SEARCH_METHODS: Record<string, Method> = {
  /** Committed transactions whose events match `query`, oldest first unless order_by=desc. */
  async tx_search(params, ctx) {
    return inSearchSlot(ctx, () => txSearch(params, ctx));
  },

  /** Committed blocks whose height and finalize-block events match `query`, newest first unless order_by=asc (as CometBFT). */
  async block_search(params, ctx) {
    return inSearchSlot(ctx, () => blockSearch(params, ctx));
  },
};

async function txSearch(params: Params, { api, maxResponseBytes }: MethodContext): Promise<unknown> {
  const query = requiredQuery(params);
  const prove = optionalBool(params, 'prove');
  const page = searchPage(params, 'asc');
  const found = await searching(() => api.searchTxs(query, page));
  checkPageInRange(page, found.total);
  const txs: Record<string, unknown>[] = [];
  let hashed = 0;
  // Hits of one block share its decoding: a page may hold many of a large block's transactions.
  const blocks = new Map<number, StoredBlock | undefined>();
  const blockAt = async (height: number): Promise<StoredBlock | undefined> => {
    if (!blocks.has(height)) blocks.set(height, await api.block(height));
    return blocks.get(height);
  };
  for (const hit of found.txs) {
    const view = txView(hit.hash, hit.record);
    // As tx?prove=true: the Merkle path to the block's data_hash (a block pruned meanwhile has none to give).
    const block = prove ? await blockAt(hit.record.height) : undefined;
    if (block && (hashed += block.block.txs.length) > MAX_PROOF_TXS) {
      throw new RpcError(RPC_LIMIT, 'Query too broad', `proofs for this page would hash more than ${MAX_PROOF_TXS} transactions; ask for fewer per page (per_page) or without prove`);
    }
    txs.push(block ? { ...view, proof: txProofView(block.block.txs, hit.record.index) } : view);
  }
  return wholePage('txs', txs, found.total, page, maxResponseBytes);
}

async function blockSearch(params: Params, { api, maxResponseBytes }: MethodContext): Promise<unknown> {
  const query = requiredQuery(params);
  const page = searchPage(params, 'desc');
  const found = await searching(() => api.searchBlocks(query, page));
  checkPageInRange(page, found.total);
  const blocks: Record<string, unknown>[] = [];
  for (const height of found.heights) {
    const stored = await api.block(height);
    if (stored) blocks.push(blockView(stored.block, stored.hash));
  }
  return wholePage('blocks', blocks, found.total, page, maxResponseBytes);
}

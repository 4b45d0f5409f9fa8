/**
 * Searches of the event index (tx_search, block_search). Placeholder until the index lands:
 * every search is refused.
 */
import { CmtError } from '../codec/errors.js';
import type { EventQuery } from '../rpc/event-query.js';
import type { BlockStore } from './block-store.js';
import type { TxRecord } from './records.js';

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

/** Transactions at heights up to `readHeight` whose events match `query`, one page of them, and how many match in all. */
export async function searchTxs(_store: BlockStore, _readHeight: number, _query: EventQuery, _page: SearchPage): Promise<{ total: number; txs: TxHit[] }> {
  throw new CmtError('NOT_INDEXED', 'tx_search is not available yet');
}

/** Heights up to `readHeight` of blocks whose events match `query`, one page of them, and how many match in all. */
export async function searchBlocks(_store: BlockStore, _readHeight: number, _query: EventQuery, _page: SearchPage): Promise<{ total: number; heights: number[] }> {
  throw new CmtError('NOT_INDEXED', 'block_search is not available yet');
}

/** tx_search and block_search, over the node's event index (spec/rpc-search.md). */
import type { Method } from './methods.js';

export const SEARCH_METHODS: Record<string, Method> = {};

/**
 * The registry of query routes (spec/queries.md): each module adds its querier here, and
 * nothing above the app changes when one is added. Whether a path is gated (paced by the
 * node's query gate) is declared on its route, so this list is the one place it is configured.
 */
import { accountQuerier, supplyQuerier } from './bank/querier.js';
import { contractsQuerier } from './contracts/querier.js';
import { filesQuerier } from './files/querier.js';
import { govQuerier } from './gov/querier.js';
import { processQuerier } from './process/querier.js';
import { hooksQuerier } from './hooks/querier.js';
import { appQuerier, paramsQuerier, storeQuerier } from './query/app-querier.js';
import { QueryRouter } from './query/router.js';
import { stakingQuerier } from './staking/querier.js';

export const QUERY_ROUTER = new QueryRouter([accountQuerier, supplyQuerier, storeQuerier, paramsQuerier, stakingQuerier, govQuerier, contractsQuerier, processQuerier, hooksQuerier, filesQuerier, appQuerier]);

/** True when `path` runs unpaid work that grows with the state: the node runs it through its query gate. */
export function isGatedQueryPath(path: string): boolean {
  return QUERY_ROUTER.gated(path);
}

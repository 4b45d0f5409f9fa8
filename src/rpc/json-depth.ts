/**
 * The RPC's limits on the nesting of JSON text (the check itself: src/codec/json-depth.ts).
 */

/** Deepest nesting a request body may have (an envelope, params, and contract args inside). */
export const MAX_REQUEST_DEPTH = 64;
/** Deepest value a contract_query answer may carry. */
export const MAX_RESULT_DEPTH = 256;

export { nestedDeeperThan } from '../codec/json-depth.js';

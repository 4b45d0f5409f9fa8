/** Its own module so the node's config reads it without loading the contract engine. */
/**
 * The default cap of a query's and an estimate's gas: an endless loop stops after about
 * 15-70 ms on the reference machine (spec/node.md, "Queries"); a deploy's estimate fits up to
 * a bundle of about 25 KB (raise the node's query.gas_limit for larger ones).
 */
export const DEFAULT_QUERY_GAS_LIMIT = 2_000_000;

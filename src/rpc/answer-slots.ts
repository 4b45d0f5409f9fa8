/**
 * Reads running at once over all connections. Each connection has at most 8 requests in
 * flight, but 900 connections could still have thousands of blocks and their JSON in memory at
 * the same moment; a read takes a slot from reading the stores until its answer is built, and
 * waits for one in arrival order. Methods that wait on something else (a block, the query
 * gate, the mempool) take no slot: they hold little while they wait, and must not keep reads out.
 */

/** The methods that run in a search slot. */
export const SEARCH_METHOD_NAMES = ['tx_search', 'block_search'] as const;

/** Reads building their answers at once on the node. */
export const MAX_READS_AT_ONCE = 16;

/** tx_search and block_search running at once on the node: each may decode megabytes (spec/rpc-search.md, "Bounds"). */
export const MAX_SEARCHES_AT_ONCE = 2;

/**
 * Methods that take no read slot besides those of the query gate (methods.ts, QUERY_METHODS): their
 * waits are bounded elsewhere (the mempool, rpc.timeout_broadcast_tx_commit_ms), and searches take
 * a search slot instead (MAX_SEARCHES_AT_ONCE).
 */
export const UNSLOTTED_METHODS: ReadonlySet<string> = new Set(['broadcast_tx_async', 'broadcast_tx_sync', 'broadcast_tx_commit', 'health', ...SEARCH_METHOD_NAMES]);

/** The client closed its connection while its read waited: nobody would get the answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed its connection before its request ran');
  }
}

export class AnswerSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size = MAX_READS_AT_ONCE) {
    this.free = size;
  }

  /** Runs `job` in a slot; if `gone()` says the client left while it waited, `job` is not run. */
  async run<T>(job: () => Promise<T>, gone: () => boolean = () => false): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      if (gone()) throw new ClientGoneError();
      return await job();
    } finally {
      // The slot passes straight to the next waiter, so no newcomer can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}

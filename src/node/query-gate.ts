/**
 * Admission and pacing of the work clients get for free: contract queries, gas estimates and
 * contract listings (spec/node.md, "Queries"). They run on the consensus thread, so they run
 * one at a time, each after a yield to the event loop, and after each the gate rests long
 * enough that queries take at most a tenth of the thread: consensus timers and gossip always
 * get the loop between two queries. A client (a remote address) has at most `maxPerClient`
 * running or waiting, the node at most `maxQueued`; beyond that a request is refused at once.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { CmtError } from '../codec/errors.js';

export interface QueryLimits {
  /** Gas a query or an estimate may use (estimates: also at most the block gas limit). */
  gasLimit: number;
  maxPerClient: number;
  /** Queries and estimates one JSON-RPC batch may hold. */
  maxPerBatch: number;
  maxQueued: number;
}

export class QueryLimitError extends CmtError {
  constructor(message: string) {
    super('QUERY_LIMIT', message);
  }
}

/** Time queries may take of the thread, as rest per unit of work: 9 gives at most 1/10. */
const REST_PER_WORK = 9;

export class QueryGate {
  private readonly perClient = new Map<string, number>();
  private queued = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly limits: QueryLimits) {}

  async run<T>(client: string, job: () => T): Promise<T> {
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.limits.maxPerClient) {
      throw new QueryLimitError(`this client has ${mine} queries or estimates running or waiting; at most ${this.limits.maxPerClient} at a time`);
    }
    if (this.queued >= this.limits.maxQueued) throw new QueryLimitError(`the node has ${this.queued} queries or estimates waiting; try again shortly`);
    this.perClient.set(client, mine + 1);
    this.queued++;
    let rest = 0;
    const turn = this.tail.then(async () => {
      await yieldToLoop();
      const started = performance.now();
      try {
        return job();
      } finally {
        rest = (performance.now() - started) * REST_PER_WORK;
        this.queued--;
        const left = (this.perClient.get(client) ?? 1) - 1;
        if (left === 0) this.perClient.delete(client);
        else this.perClient.set(client, left);
      }
    });
    const resting = (): Promise<void> => sleep(rest);
    this.tail = turn.then(resting, resting);
    return turn;
  }
}

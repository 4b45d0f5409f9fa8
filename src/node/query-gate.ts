/**
 * Admission and pacing of the work clients get for free: the query paths the app's routes mark
 * gated (contract queries and listings, gas estimates, live governance tallies; spec/queries.md,
 * spec/node.md "Queries"). They run on the consensus thread, so they run
 * one at a time, each after a yield to the event loop, and after each the gate rests long
 * enough that queries take at most a tenth of the thread: consensus timers and gossip always
 * get the loop between two queries. A client (a remote address) has at most `maxPerClient`
 * running or waiting, the node at most `maxQueued`; beyond that a request is refused at once.
 * A client is an IPv4 address or an IPv6 /64: one host is routinely given a whole /64.
 */
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import { isIPv4, isIPv6 } from 'node:net';
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

/** The eight 16-bit groups of an IPv6 address (no zone), or undefined. */
function hextets(address: string): number[] | undefined {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length < 2 || halves[1] === '' ? [] : (halves[1] as string).split(':');
  const groups = halves.length < 2 ? head : [...head, ...Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  return groups.length === 8 ? groups.map((g) => parseInt(g, 16)) : undefined;
}

/** Who a remote address is for the per-client limit: an IPv4 address (mapped or not), or an IPv6 /64. */
export function clientOf(address: string): string {
  if (isIPv4(address)) return address;
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address;
  const g = hextets(bare);
  if (!g) return address;
  const [g0, g1, g2, g3, g4, g5, g6, g7] = g as [number, number, number, number, number, number, number, number];
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
  return `${[g0, g1, g2, g3].map((n) => n.toString(16)).join(':')}::/64`;
}

/** Time queries may take of the thread, as rest per unit of work: 9 gives at most 1/10. */
const REST_PER_WORK = 9;

export class QueryGate {
  private readonly perClient = new Map<string, number>();
  private queued = 0;
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly limits: QueryLimits) {}

  /** Runs `job` in its turn; if `gone()` says the client left while it waited, `job` is not run. */
  async run<T>(remoteAddress: string, job: () => T, gone: () => boolean = () => false): Promise<T> {
    const client = clientOf(remoteAddress);
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
        if (gone()) throw new QueryLimitError('the client closed its connection before its query ran');
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

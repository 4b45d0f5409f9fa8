/**
 * Submit-to-commit latency as this node saw it, per recent block: of a committed block's
 * transactions, how many had passed through this node's mempool, how long each waited there
 * (from its arrival at the mempool to the commit, on this node's clock), and how many arrived
 * by this node's RPC rather than from a peer. For people watching a node (the dashboard's
 * plots), never for consensus: another node sees other times.
 *
 * The arrival times live in the mempool's own entries (they leave with the transaction), so the
 * only memory here is a fixed ring of per-block summaries.
 */
import type { SeenTxs } from '../mempool/mempool.js';

/** Blocks whose summary is kept: older ones are overwritten. */
export const TX_LATENCY_BLOCKS = 1000;

export interface BlockLatency {
  height: number;
  /** This node's clock when the block's transactions left its mempool (ms since the epoch). */
  committedAt: number;
  /** Transactions in the block. */
  txs: number;
  /** Of those, the ones this node had in its mempool. */
  seen: number;
  /** Of the seen ones, those that arrived by this node's RPC. */
  viaRpc: number;
  /** Milliseconds from arrival to commit over the seen ones; null when none was seen. */
  p50Ms: number | null;
  p90Ms: number | null;
  maxMs: number | null;
}

/** The nearest-rank `q` quantile of ascending `sorted` (not empty). */
export function quantile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1] as number;
}

export class TxLatency {
  private readonly ring: (BlockLatency | undefined)[];
  private next = 0;

  constructor(readonly capacity = TX_LATENCY_BLOCKS) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`TxLatency: capacity must be a positive integer, got ${capacity}`);
    this.ring = new Array<BlockLatency | undefined>(capacity);
  }

  /** Once per committed block, with what the mempool reported for its transactions. */
  record(height: number, txs: number, seen: SeenTxs): void {
    const n = seen.ages.length;
    let p50Ms: number | null = null;
    let p90Ms: number | null = null;
    let maxMs: number | null = null;
    if (n > 0) {
      // A typed array sorts numerically and without boxing: cheap for a block's few thousand.
      const sorted = Float64Array.from(seen.ages).sort();
      // A clock stepped back would give negative waits: a wait is never below zero.
      p50Ms = Math.max(0, quantile(sorted, 0.5));
      p90Ms = Math.max(0, quantile(sorted, 0.9));
      maxMs = Math.max(0, sorted[n - 1] as number);
    }
    this.ring[this.next] = { height, committedAt: seen.at, txs, seen: n, viaRpc: seen.viaRpc, p50Ms, p90Ms, maxMs };
    this.next = (this.next + 1) % this.capacity;
  }

  /** The newest `limit` summaries, newest first. */
  recent(limit: number): BlockLatency[] {
    const out: BlockLatency[] = [];
    for (let i = 1; i <= Math.min(limit, this.capacity); i++) {
      const entry = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!entry) break;
      out.push(entry);
    }
    return out;
  }
}

/** The `tx_latency` method's parameter and answer (spec/rpc.md): CometBFT's conventions, heights as strings. */
import { TX_LATENCY_BLOCKS, type BlockLatency } from '../node/tx-latency.js';
import { invalidParams } from './errors.js';
import { requiredPositiveInt, type Params } from './params.js';

export const DEFAULT_LATENCY_LIMIT = 100;

/** `limit`: absent means 100; anything but an integer in 1..1000 is invalid params. */
export function latencyLimit(params: Params): number {
  const raw = params.limit;
  if (raw === undefined || raw === null || raw === '' || raw === '""') return DEFAULT_LATENCY_LIMIT;
  const range = `limit must be an integer from 1 to ${TX_LATENCY_BLOCKS}`;
  let n: number;
  try {
    n = requiredPositiveInt(params, 'limit');
  } catch {
    throw invalidParams(range);
  }
  if (n > TX_LATENCY_BLOCKS) throw invalidParams(range);
  return n;
}

export interface BlockLatencyView {
  height: string;
  committed_at: string;
  txs: number;
  seen: number;
  via_rpc: number;
  /** via_rpc / seen; null when none was seen. */
  rpc_fraction: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  max_ms: number | null;
}

export function txLatencyView(blocks: readonly BlockLatency[]): { window: string; blocks: BlockLatencyView[] } {
  return {
    window: String(TX_LATENCY_BLOCKS),
    blocks: blocks.map((b) => ({
      height: String(b.height),
      committed_at: new Date(b.committedAt).toISOString(),
      txs: b.txs,
      seen: b.seen,
      via_rpc: b.viaRpc,
      rpc_fraction: b.seen === 0 ? null : b.viaRpc / b.seen,
      p50_ms: b.p50Ms,
      p90_ms: b.p90Ms,
      max_ms: b.maxMs,
    })),
  };
}

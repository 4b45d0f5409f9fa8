/**
 * The live plots' data: blocks seen (from history and from new-block events, in any order and
 * possibly twice) kept as one ascending, bounded window, and the series drawn from it. Pure, so
 * the rules (which gaps make no interval, how the window slides) are tested without a browser.
 */

/** At most this many points per series: older ones drop off the left. */
export const MAX_POINTS = 300;

export interface BlockPoint {
  height: number;
  /** Block time, ms since the epoch. */
  time: number;
  txs: number;
}

/** [x, y]: x a height or a time in ms. */
export type Point = [number, number];

/**
 * `current` with `incoming` merged in: one entry per height (a later copy replaces an earlier),
 * ascending, at most `max` (the newest). Returns `current` itself when nothing changed, so a
 * re-render can be skipped.
 */
export function mergeBlocks(current: readonly BlockPoint[], incoming: readonly BlockPoint[], max = MAX_POINTS): readonly BlockPoint[] {
  const valid = incoming.filter((b) => Number.isSafeInteger(b.height) && b.height > 0 && Number.isFinite(b.time) && Number.isFinite(b.txs) && b.txs >= 0);
  if (valid.length === 0) return current;
  const last = current[current.length - 1];
  // The common case, one new block on top: no sort.
  if (valid.length === 1 && last && (valid[0] as BlockPoint).height > last.height) {
    const next = current.length >= max ? current.slice(current.length - max + 1) : current.slice();
    next.push(valid[0] as BlockPoint);
    return next;
  }
  const byHeight = new Map<number, BlockPoint>();
  for (const b of current) byHeight.set(b.height, b);
  for (const b of valid) byHeight.set(b.height, b);
  const merged = [...byHeight.values()].sort((a, b) => a.height - b.height);
  return merged.length > max ? merged.slice(merged.length - max) : merged;
}

/** Seconds between each block and the one before it; a missing predecessor (a gap) gives no point. */
export function blockIntervals(blocks: readonly BlockPoint[]): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1] as BlockPoint;
    const b = blocks[i] as BlockPoint;
    if (b.height === prev.height + 1) out.push([b.height, (b.time - prev.time) / 1000]);
  }
  return out;
}

export function txsPerBlock(blocks: readonly BlockPoint[]): Point[] {
  return blocks.map((b) => [b.height, b.txs]);
}

/** Each block's transactions over the time since the block before it (none after a gap or a zero interval). */
export function tpsPerBlock(blocks: readonly BlockPoint[]): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < blocks.length; i++) {
    const prev = blocks[i - 1] as BlockPoint;
    const b = blocks[i] as BlockPoint;
    const seconds = (b.time - prev.time) / 1000;
    if (b.height === prev.height + 1 && seconds > 0) out.push([b.height, b.txs / seconds]);
  }
  return out;
}

/**
 * At each block, the transactions of the blocks in the last `windowMs` up to it (block times),
 * over the window: a steadier rate than per block. While the history is shorter than the
 * window, the rate is over the time the history spans (none for the first block).
 */
export function slidingTps(blocks: readonly BlockPoint[], windowMs = 10_000): Point[] {
  const out: Point[] = [];
  let start = 0;
  let sum = 0;
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i] as BlockPoint;
    sum += b.txs;
    // Blocks at or before time − window have left it; the one just outside marks where it began.
    while (start < i && (blocks[start] as BlockPoint).time <= b.time - windowMs) sum -= (blocks[start++] as BlockPoint).txs;
    const first = blocks[start] as BlockPoint;
    const outside = start > 0 ? (blocks[start - 1] as BlockPoint) : undefined;
    const span = outside ? windowMs : b.time - first.time;
    // Without a block before the window, the first block's transactions came at an unknown time: leave them out.
    const counted = outside ? sum : sum - first.txs;
    if (span > 0 && (outside || i > start)) out.push([b.height, counted / (span / 1000)]);
  }
  return out;
}

/** Appends to a bounded list (mempool samples): a new array, the oldest dropped past `max`. */
export function pushBounded<T>(list: readonly T[], item: T, max = MAX_POINTS): T[] {
  const next = list.length >= max ? list.slice(list.length - max + 1) : list.slice();
  next.push(item);
  return next;
}

export interface MempoolSample {
  /** When the sample was taken, ms since the epoch (the page's clock). */
  at: number;
  count: number;
  bytes: number;
}

/** One block of `tx_latency` (spec/rpc.md). */
export interface LatencyBlock {
  height: string;
  committed_at: string;
  txs: number;
  seen: number;
  via_rpc: number;
  rpc_fraction: number | null;
  p50_ms: number | null;
  p90_ms: number | null;
  max_ms: number | null;
}

/** tx_latency's blocks read into checked values: at most 1,000, junk entries skipped, never a throw. */
export function readLatencyBlocks(raw: unknown): LatencyBlock[] {
  const blocks = typeof raw === 'object' && raw !== null ? (raw as { blocks?: unknown }).blocks : undefined;
  if (!Array.isArray(blocks)) return [];
  const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
  const ms = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
  const out: LatencyBlock[] = [];
  for (const b of blocks.slice(0, 1000)) {
    if (typeof b !== 'object' || b === null) continue;
    const o = b as Record<string, unknown>;
    const txs = count(o.txs);
    const seen = count(o.seen);
    const viaRpc = count(o.via_rpc);
    if (typeof o.height !== 'string' || !/^\d{1,16}$/.test(o.height) || txs === undefined || seen === undefined || viaRpc === undefined) continue;
    out.push({
      height: o.height,
      committed_at: typeof o.committed_at === 'string' ? o.committed_at.slice(0, 40) : '',
      txs,
      seen,
      via_rpc: viaRpc,
      rpc_fraction: ms(o.rpc_fraction),
      p50_ms: ms(o.p50_ms),
      p90_ms: ms(o.p90_ms),
      max_ms: ms(o.max_ms),
    });
  }
  return out;
}

export interface LatencySeries {
  p50: Point[];
  p90: Point[];
  max: Point[];
  /** Transactions seen in this mempool, and how many of them came by this node's RPC, over the blocks shown. */
  seen: number;
  viaRpc: number;
  /** Transactions in the blocks shown. */
  txs: number;
}

/** The blocks this node saw transactions of, ascending by height, the newest `max`. */
export function latencySeries(blocks: readonly LatencyBlock[], max = MAX_POINTS): LatencySeries {
  const rows = blocks
    .map((b) => ({ ...b, h: Number(b.height) }))
    .filter((b) => Number.isSafeInteger(b.h))
    .sort((a, b) => a.h - b.h);
  const out: LatencySeries = { p50: [], p90: [], max: [], seen: 0, viaRpc: 0, txs: 0 };
  for (const b of rows) {
    out.txs += b.txs;
    out.seen += b.seen;
    out.viaRpc += b.via_rpc;
    if (b.seen > 0 && b.p50_ms !== null && b.p90_ms !== null && b.max_ms !== null) {
      out.p50.push([b.h, b.p50_ms]);
      out.p90.push([b.h, b.p90_ms]);
      out.max.push([b.h, b.max_ms]);
    }
  }
  if (out.p50.length > max) {
    out.p50 = out.p50.slice(-max);
    out.p90 = out.p90.slice(-max);
    out.max = out.max.slice(-max);
  }
  return out;
}

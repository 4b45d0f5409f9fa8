/**
 * The plots' live data from the node that served the page: the last ~100 blocks at once
 * (`blockchain`, 20 metas a call), then every new block from the WebSocket (polling
 * `blockchain` while the socket is down), the mempool each second, and `tx_latency`.
 */
import { useEffect, useState } from 'preact/hooks';
import { comet, watchNewBlocks } from '../rpc/comet';
import { rpcCall } from '../rpc/cmt';
import { mergeBlocks, pushBounded, readLatencyBlocks, type BlockPoint, type LatencyBlock, type MempoolSample } from './series';

const HISTORY_BLOCKS = 100;
const MEMPOOL_MS = 1000;
const LATENCY_MS = 2000;
const FALLBACK_MS = 2000;

export interface PlotData {
  blocks: readonly BlockPoint[];
  mempool: readonly MempoolSample[];
  latency: readonly LatencyBlock[] | undefined;
  /** The WebSocket carries new blocks (else the page polls). */
  live: boolean;
  error: Error | undefined;
}

interface Meta {
  header: { height: number; time: { getTime(): number } };
  numTxs: number;
}

const toPoint = (m: Meta): BlockPoint => ({ height: m.header.height, time: m.header.time.getTime(), txs: m.numTxs });

/** The newest blocks up to `count`, in calls of 20 (the node's cap), from the newest down. */
async function recentBlocks(base: string, count: number): Promise<BlockPoint[]> {
  const client = comet(base);
  const first = await client.blockchain();
  const out = first.blockMetas.map(toPoint);
  let below = Math.min(...out.map((b) => b.height), first.lastHeight + 1);
  const calls: Promise<BlockPoint[]>[] = [];
  while (out.length + calls.length * 20 < count && below > 1) {
    const max = below - 1;
    const min = Math.max(1, max - 19);
    calls.push(client.blockchain(min, max).then((r) => r.blockMetas.map(toPoint), () => []));
    below = min;
  }
  for (const part of await Promise.all(calls)) out.push(...part);
  return out;
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/**
 * Runs `tick` now and `ms` after each run ends (never two at once) until the returned stop;
 * a failure goes to `onError` while running. `alive()` says the caller still wants answers.
 */
function repeat(ms: number, tick: (alive: () => boolean) => Promise<void>, onError: (err: Error) => void): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const alive = (): boolean => !stopped;
  const run = async (): Promise<void> => {
    try {
      await tick(alive);
    } catch (err) {
      if (!stopped) onError(asError(err));
    }
    if (!stopped) timer = setTimeout(() => void run(), ms);
  };
  void run();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}

export function usePlotData(base: string): PlotData {
  const [blocks, setBlocks] = useState<readonly BlockPoint[]>([]);
  const [mempool, setMempool] = useState<readonly MempoolSample[]>([]);
  const [latency, setLatency] = useState<readonly LatencyBlock[] | undefined>(undefined);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<Error | undefined>(undefined);

  useEffect(() => {
    let stopped = false;
    let socketLive = false;
    const add = (points: BlockPoint[]): void => {
      if (!stopped) setBlocks((current) => mergeBlocks(current, points));
    };
    recentBlocks(base, HISTORY_BLOCKS).then(add, (err: unknown) => !stopped && setError(asError(err)));
    const stop = watchNewBlocks(
      base,
      (event) => add([{ height: event.header.height, time: event.header.time.getTime(), txs: event.txs.length }]),
      (up) => {
        socketLive = up;
        if (!stopped) setLive(up);
      },
    );
    // Without the socket, the newest 20 blocks every few seconds keep the plots moving.
    const fallback = setInterval(() => {
      if (!socketLive) comet(base).blockchain().then((r) => add(r.blockMetas.map(toPoint)), () => undefined);
    }, FALLBACK_MS);
    return () => {
      stopped = true;
      stop();
      clearInterval(fallback);
    };
  }, [base]);

  useEffect(
    () =>
      repeat(MEMPOOL_MS, async (alive) => {
        const r = await rpcCall<{ total: string; total_bytes: string }>(base, 'num_unconfirmed_txs');
        if (!alive()) return;
        setMempool((list) => pushBounded(list, { at: Date.now(), count: Number(r.total), bytes: Number(r.total_bytes) }));
        setError(undefined);
      }, setError),
    [base],
  );

  useEffect(
    () =>
      repeat(LATENCY_MS, async (alive) => {
        const r = await rpcCall<unknown>(base, 'tx_latency', { limit: 300 });
        if (alive()) setLatency(readLatencyBlocks(r));
      }, setError),
    [base],
  );

  return { blocks, mempool, latency, live, error };
}

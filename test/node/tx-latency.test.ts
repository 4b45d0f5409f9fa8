import { describe, expect, it } from 'vitest';
import type { CheckTxResponse } from '../../src/app/abci.js';
import { TxCode } from '../../src/app/errors.js';
import { txHash } from '../../src/codec/tx.js';
import { Mempool, type MempoolApp, type SeenTxs, type TxIdentity } from '../../src/mempool/mempool.js';
import { TxLatency, quantile } from '../../src/node/tx-latency.js';

/** A "transaction" is [sender, nonce]; a sender in `broken` fails every re-check. */
class PairApp implements MempoolApp {
  next = new Map<number, number>();
  broken = new Set<number>();
  checkTx(tx: Uint8Array, kind: 'new' | 'recheck'): CheckTxResponse {
    const sender = tx[0] ?? 0;
    const nonce = tx[1] ?? 0;
    const base = { codespace: 'cmt', gasWanted: 1, sender: Uint8Array.of(sender), nonce, gasPrice: 1n, log: '' };
    if (kind === 'recheck') return { ...base, code: this.broken.has(sender) ? TxCode.INSUFFICIENT_FUNDS : TxCode.OK };
    if (nonce !== (this.next.get(sender) ?? 0)) return { ...base, code: TxCode.NONCE_TOO_HIGH };
    this.next.set(sender, nonce + 1);
    return { ...base, code: TxCode.OK };
  }
  identify(tx: Uint8Array): TxIdentity | undefined {
    return { sender: tx.subarray(0, 1), nonce: tx[1] ?? 0, gasPrice: 1n, gasLimit: 1 };
  }
  pendingNonce(sender: Uint8Array): number {
    return this.next.get(sender[0] ?? 0) ?? 0;
  }
}

const limits = { maxTxs: 100, maxBytes: 1 << 20, maxTxBytes: 1 << 10, cacheSize: 100 };

function pool(clock: { t: number }, app = new PairApp()): Mempool {
  return new Mempool(app, limits, async () => {}, setImmediate, () => clock.t);
}

async function commit(mempool: Mempool, txs: Uint8Array[]): Promise<SeenTxs> {
  return mempool.lockForBlock(async (locked) => locked.update(txs.map((t) => txHash(t))).seen);
}

describe('submit-to-commit latency', () => {
  it('measures each committed transaction from its arrival in this mempool, and counts those that came by RPC', async () => {
    const clock = { t: 1_000 };
    const mempool = pool(clock);
    const a = Uint8Array.of(1, 0);
    const b = Uint8Array.of(2, 0);
    const elsewhere = Uint8Array.of(3, 0);
    await mempool.add(a, 'rpc');
    clock.t = 1_500;
    await mempool.add(b);
    clock.t = 4_000;
    const seen = await commit(mempool, [a, elsewhere, b]);
    expect(seen).toEqual({ at: 4_000, ages: [3_000, 2_500], viaRpc: 1 });
    expect(mempool.size).toBe(0);
  });

  it('forgets a transaction the re-check evicted: committed later, it was not seen', async () => {
    const clock = { t: 0 };
    const app = new PairApp();
    const mempool = pool(clock, app);
    const kept = Uint8Array.of(1, 0);
    const evicted = Uint8Array.of(2, 0);
    await mempool.add(kept, 'rpc');
    await mempool.add(evicted, 'rpc');
    app.broken.add(2);
    await commit(mempool, []);
    await mempool.recheckDone();
    expect(mempool.size).toBe(1);
    clock.t = 700;
    expect(await commit(mempool, [kept, evicted])).toEqual({ at: 700, ages: [700], viaRpc: 1 });
  });

  it('a refused transaction leaves no arrival behind', async () => {
    const clock = { t: 10 };
    const mempool = pool(clock);
    const gap = Uint8Array.of(5, 3);
    expect((await mempool.add(gap, 'rpc')).code).toBe(TxCode.NONCE_TOO_HIGH);
    expect(await commit(mempool, [gap])).toEqual({ at: 10, ages: [], viaRpc: 0 });
  });
});

describe('TxLatency', () => {
  it('takes nearest-rank quantiles that match a sort of the same waits', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed / 2 ** 31);
    const latency = new TxLatency(10);
    for (let height = 1; height <= 30; height++) {
      const ages = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 5000));
      latency.record(height, ages.length + 3, { at: height * 1000, ages, viaRpc: Math.floor(ages.length / 2) });
      const sorted = [...ages].sort((x, y) => x - y);
      const rank = (q: number): number => sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] as number;
      const [entry] = latency.recent(1);
      expect(entry).toEqual({ height, committedAt: height * 1000, txs: ages.length + 3, seen: ages.length, viaRpc: Math.floor(ages.length / 2), p50Ms: rank(0.5), p90Ms: rank(0.9), maxMs: sorted[sorted.length - 1] });
    }
  });

  it('keeps only the newest blocks, newest first, and answers none seen as nulls', () => {
    const latency = new TxLatency(1000);
    expect(latency.recent(100)).toEqual([]);
    for (let height = 1; height <= 2500; height++) latency.record(height, 0, { at: height, ages: [], viaRpc: 0 });
    const all = latency.recent(5000);
    expect(all).toHaveLength(1000);
    expect(all[0]?.height).toBe(2500);
    expect(all[999]?.height).toBe(1501);
    expect(all.every((b, i) => b.height === 2500 - i)).toBe(true);
    expect(all[0]).toMatchObject({ seen: 0, p50Ms: null, p90Ms: null, maxMs: null });
    expect(latency.recent(3).map((b) => b.height)).toEqual([2500, 2499, 2498]);
  });

  it('never reports a negative wait when the clock stepped back', () => {
    const latency = new TxLatency(4);
    latency.record(1, 2, { at: 0, ages: [-50, -10], viaRpc: 0 });
    expect(latency.recent(1)[0]).toMatchObject({ p50Ms: 0, p90Ms: 0, maxMs: 0 });
  });

  it('quantile of one value is that value', () => {
    expect(quantile(Float64Array.of(42), 0.5)).toBe(42);
    expect(quantile(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 0.9)).toBe(9);
  });
});

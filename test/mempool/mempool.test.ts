import { describe, expect, it } from 'vitest';
import { rlpDecode, rlpEncode } from '../../src/codec/rlp.js';
import { txHash } from '../../src/codec/tx.js';
import type { CheckTxResponse } from '../../src/app/abci.js';
import { TxCode } from '../../src/app/errors.js';
import { Mempool, type MempoolApp, type TxIdentity } from '../../src/mempool/mempool.js';
import { MempoolCode } from '../../src/mempool/errors.js';

/** A scripted app: a "transaction" is RLP [sender byte, nonce byte, gas price byte, filler]. */
class NonceApp implements MempoolApp {
  committed = new Map<number, number>();
  pending = new Map<number, number>();
  checks = 0;
  checkTx(tx: Uint8Array): CheckTxResponse {
    this.checks++;
    const [s, n, p] = rlpDecode(tx) as Uint8Array[];
    const sender = s?.[0] ?? 0;
    const nonce = n?.[0] ?? 0;
    const expected = this.pending.get(sender) ?? this.committed.get(sender) ?? 0;
    const base = { codespace: 'cmt', gasWanted: 10, sender: Uint8Array.of(sender), nonce, gasPrice: BigInt(p?.[0] ?? 0) };
    if (nonce !== expected) return { ...base, code: nonce < expected ? TxCode.NONCE_TOO_LOW : TxCode.NONCE_TOO_HIGH, log: `expected ${expected}` };
    this.pending.set(sender, expected + 1);
    return { ...base, code: TxCode.OK, log: '' };
  }
  identify(tx: Uint8Array): TxIdentity | undefined {
    const [s, n, p] = rlpDecode(tx) as Uint8Array[];
    return s && { sender: s, nonce: n?.[0] ?? 0, gasPrice: BigInt(p?.[0] ?? 0), gasLimit: 10 };
  }
  pendingNonce(sender: Uint8Array): number {
    const s = sender[0] ?? 0;
    return this.pending.get(s) ?? this.committed.get(s) ?? 0;
  }
  /** As the real app after Commit: the check state restarts from committed state. */
  persistUpTo(sender: number, nextNonce: number): void {
    this.committed.set(sender, nextNonce);
    this.pending.clear();
  }
}

const tx = (sender: number, nonce: number, price: number, filler = 0): Uint8Array =>
  rlpEncode([Uint8Array.of(sender), Uint8Array.of(nonce), Uint8Array.of(price), new Uint8Array(filler)]);

const limits = { maxTxs: 100, maxBytes: 1_000_000, maxTxBytes: 10_000, cacheSize: 100 };

describe('mempool', () => {
  it('accepts consecutive nonces sent back to back and rejects gaps and replays', async () => {
    const pool = new Mempool(new NonceApp(), limits);
    const results = await Promise.all([tx(1, 0, 5), tx(1, 1, 5), tx(1, 2, 5)].map((t) => pool.add(t)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0]);
    expect((await pool.add(tx(1, 4, 5))).code).toBe(TxCode.NONCE_TOO_HIGH);
    expect((await pool.add(tx(1, 1, 9))).code).toBe(TxCode.NONCE_TOO_LOW);
    expect((await pool.add(tx(1, 0, 5))).code).toBe(MempoolCode.TX_ALREADY_KNOWN);
    expect(pool.size).toBe(3);
  });

  it('reaps by gas price across senders while keeping each sender in nonce order', async () => {
    const pool = new Mempool(new NonceApp(), limits);
    for (const t of [tx(1, 0, 1), tx(1, 1, 9), tx(2, 0, 5), tx(3, 0, 5), tx(3, 1, 7)]) expect((await pool.add(t)).code).toBe(0);
    const order = pool.reap(1e9, 1e9).map((t) => (rlpDecode(t) as Uint8Array[]).slice(0, 2).map((b) => b[0] ?? 0));
    // Sender 1's price-9 tx cannot jump its own price-1 nonce 0; equal prices keep arrival order.
    expect(order).toEqual([[2, 0], [3, 0], [3, 1], [1, 0], [1, 1]]);
  });

  it('respects the byte and gas budgets of a block', async () => {
    const pool = new Mempool(new NonceApp(), limits);
    for (let n = 0; n < 5; n++) await pool.add(tx(1, n, 1));
    expect(pool.reap(1e9, 25)).toHaveLength(2);
    const one = tx(1, 0, 1).length;
    expect(pool.reap(one * 3, 1e9)).toHaveLength(3);
  });

  it('rejects with MEMPOOL_FULL at its count and byte limits and never grows past them', async () => {
    const byCount = new Mempool(new NonceApp(), { ...limits, maxTxs: 2 });
    const codes = [];
    for (let n = 0; n < 4; n++) codes.push((await byCount.add(tx(1, n, 1))).code);
    expect(codes).toEqual([0, 0, MempoolCode.MEMPOOL_FULL, MempoolCode.MEMPOOL_FULL]);
    expect(byCount.size).toBe(2);

    const size = tx(1, 0, 1, 100).length;
    const byBytes = new Mempool(new NonceApp(), { ...limits, maxBytes: size * 2 });
    for (let n = 0; n < 3; n++) await byBytes.add(tx(1, n, 1, 100));
    expect(byBytes.size).toBe(2);
    expect(byBytes.sizeBytes).toBeLessThanOrEqual(size * 2);
  });

  it('rejects oversized transactions before CheckTx', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, { ...limits, maxTxBytes: 50 });
    expect((await pool.add(tx(1, 0, 1, 100))).code).toBe(TxCode.TX_TOO_LARGE);
    expect(app.checks).toBe(0);
  });

  it('after a commit drops included transactions, rechecks the rest and remembers committed hashes', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, limits);
    const txs = [tx(1, 0, 1), tx(1, 1, 1), tx(1, 2, 1), tx(2, 0, 1)];
    for (const t of txs) await pool.add(t);
    const included = [txs[0] as Uint8Array];
    await pool.lockForBlock(async (locked) => {
      app.persistUpTo(1, 1);
      locked.update(included.map(txHash));
    });
    expect(pool.size).toBe(3);
    expect((await pool.add(txs[0] as Uint8Array)).code).toBe(MempoolCode.TX_ALREADY_KNOWN);
    // The rechecked queue still admits the next nonce.
    expect((await pool.add(tx(1, 3, 1))).code).toBe(0);
  });

  it('drops transactions whose nonces were used elsewhere but keeps the sender\'s later ones', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, limits);
    for (let n = 0; n < 3; n++) await pool.add(tx(1, n, 1));
    await pool.add(tx(2, 0, 1));
    // Another block consumed sender 1's nonces 0 and 1 with different transactions.
    await pool.lockForBlock(async (locked) => {
      app.persistUpTo(1, 2);
      locked.update([]);
    });
    await pool.recheckDone();
    expect(pool.evicted).toBe(2);
    expect(pool.size).toBe(2);
    expect((await pool.add(tx(1, 3, 1))).code).toBe(0);
  });

  it('evicts a sender\'s later transactions when an earlier one fails for another reason', async () => {
    class BrokeApp extends NonceApp {
      broke = false;
      override checkTx(t: Uint8Array): CheckTxResponse {
        const res = super.checkTx(t);
        const nonce = (rlpDecode(t) as Uint8Array[])[1]?.[0];
        return this.broke && nonce === 1 ? { ...res, code: TxCode.INSUFFICIENT_FUNDS } : res;
      }
    }
    const app = new BrokeApp();
    const pool = new Mempool(app, limits);
    for (let n = 0; n < 4; n++) await pool.add(tx(1, n, 1));
    app.broke = true;
    await pool.lockForBlock(async (locked) => {
      app.persistUpTo(1, 0);
      locked.update([]);
    });
    await pool.recheckDone();
    expect(pool.evicted).toBe(3);
    expect(pool.reap(1e9, 1e9)).toEqual([tx(1, 0, 1)]);
  });

  it('re-checks in the background after a commit, and first for any sender a proposal reaches', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, { ...limits, maxTxs: 10_000 });
    for (let sender = 1; sender <= 50; sender++) for (let n = 0; n < 3; n++) await pool.add(tx(sender, n, sender));
    const before = app.checks;
    const outcome = await pool.lockForBlock(async (locked) => locked.update([]));
    // Nothing was re-checked while the commit held the mempool.
    expect(outcome.stale).toBe(50);
    expect(app.checks).toBe(before);
    expect(pool.recheckPending).toBe(true);
    // A sender's nonces 0 and 1 were used by another block: the proposal must not carry them.
    app.persistUpTo(50, 2);
    const reaped = pool.reap(1e9, 1e9, 4);
    expect(reaped[0]).toEqual(tx(50, 2, 50));
    expect(reaped).toHaveLength(4);
    expect(app.checks - before).toBeLessThan(20);
    await pool.recheckDone();
    expect(pool.recheckPending).toBe(false);
    expect(pool.size).toBe(148);
    expect(pool.evicted).toBe(2);
  });

  it('admits batches in arrival order even when an earlier batch takes longer to pre-check', async () => {
    const app = new NonceApp();
    let release: () => void = () => {};
    const slow = new Promise<void>((resolve) => (release = resolve));
    const pool = new Mempool(app, limits, async (txs) => {
      // The batch holding nonce 0 verifies slowly (a worker queue); later ones verify at once.
      if ((rlpDecode(txs[0] as Uint8Array) as Uint8Array[])[1]?.[0] === 0) await slow;
    });
    const first = pool.add(tx(1, 0, 1));
    await new Promise((resolve) => setImmediate(resolve));
    const second = pool.add(tx(1, 1, 1));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    expect((await first).code).toBe(0);
    expect((await second).code).toBe(0);
    expect(pool.size).toBe(2);
  });

  it('batches concurrent arrivals into one pre-check', async () => {
    const batches: number[] = [];
    const pool = new Mempool(new NonceApp(), limits, async (txs) => {
      batches.push(txs.length);
    });
    await Promise.all(Array.from({ length: 50 }, (_, n) => pool.add(tx(1, n, 1))));
    expect(batches).toEqual([50]);
    expect(pool.size).toBe(50);
  });
});

describe('mempool held for a block (lockForBlock)', () => {
  const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

  it('holds admissions while the block is applied, then admits them against the new state', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, limits);
    const included = [tx(1, 0, 1), tx(1, 1, 1)];
    for (const t of included) await pool.add(t);
    const { late } = await pool.lockForBlock(async (locked) => {
      const checks = app.checks;
      const late = pool.add(tx(1, 2, 1));
      for (let i = 0; i < 5; i++) await turn();
      // Neither the arrival nor a proposal ran CheckTx while the app's check state was being replaced.
      expect(pool.reap(1e9, 1e9)).toEqual(included);
      expect(app.checks).toBe(checks);
      app.persistUpTo(1, 2);
      locked.update(included.map(txHash));
      return { late };
    });
    expect((await late).code).toBe(0);
    expect(pool.reap(1e9, 1e9)).toEqual([tx(1, 2, 1)]);
  });

  it('refuses a section that forgets update, or an update outside its section, and is released after either', async () => {
    const app = new NonceApp();
    const pool = new Mempool(app, limits);
    await expect(pool.lockForBlock(async () => 'applied')).rejects.toThrow(/without update/);
    let kept: { update(hashes: readonly Uint8Array[]): unknown } | undefined;
    await pool.lockForBlock(async (locked) => {
      kept = locked;
      locked.update([]);
      expect(() => locked.update([])).toThrow(/twice/);
    });
    expect(() => kept?.update([])).toThrow(/after lockForBlock/);
    await expect(pool.lockForBlock(async () => Promise.reject(new Error('finalize failed')))).rejects.toThrow('finalize failed');
    expect((await pool.add(tx(1, 0, 1))).code).toBe(0);
  });
});

/**
 * The mempool under more load than the node commits: its own clients are refused once what it
 * holds at their gas price or above fills a few blocks of the node's budget (a burst counted
 * before any signature is checked), paying more always gets in, peers' transactions are not
 * refused, signatures are checked only for transactions whose nonce can run, and a proposal
 * keeps to the budget while a transaction larger than it still gets a block.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckTxResponse } from '../../src/app/abci.js';
import { TxCode } from '../../src/app/errors.js';
import { Mempool, type MempoolApp, type TxIdentity } from '../../src/mempool/mempool.js';
import { MempoolCode } from '../../src/mempool/errors.js';

/** A "transaction" is [sender, nonce, gas limit / 1000, gas price, filler…]; CheckTx wants each sender's next nonce. */
class Chain implements MempoolApp {
  private readonly next = new Map<number, number>();
  checkTx(tx: Uint8Array): CheckTxResponse {
    if (tx.length < 4) return { code: TxCode.TX_DECODE, codespace: 'cmt', log: 'garbage', gasWanted: 0 };
    const sender = tx[0] ?? 0;
    const nonce = tx[1] ?? 0;
    const gasWanted = (tx[2] ?? 0) * 1000;
    const base = { codespace: 'cmt', log: '', gasWanted, sender: Uint8Array.of(sender), nonce, gasPrice: BigInt(tx[3] ?? 0) };
    const expected = this.next.get(sender) ?? 0;
    if (nonce !== expected) return { ...base, code: nonce < expected ? TxCode.NONCE_TOO_LOW : TxCode.NONCE_TOO_HIGH };
    this.next.set(sender, nonce + 1);
    return { ...base, code: TxCode.OK };
  }
  identify(tx: Uint8Array): TxIdentity | undefined {
    return tx.length >= 4 ? { sender: tx.subarray(0, 1), nonce: tx[1] ?? 0, gasLimit: (tx[2] ?? 0) * 1000, gasPrice: BigInt(tx[3] ?? 0) } : undefined;
  }
  pendingNonce(sender: Uint8Array): number {
    return this.next.get(sender[0] ?? 0) ?? 0;
  }
}

const tx = (sender: number, nonce: number, kgas = 10, filler = 0, price = 1): Uint8Array => Uint8Array.of(sender, nonce, kgas, price, ...new Array<number>(filler).fill(7));
const LIMITS = { maxTxs: 10_000, maxBytes: 1 << 24, maxTxBytes: 1 << 16, cacheSize: 100 };

/** A pool whose capacity is `gas` and `bytes`, counting what its signature pre-check is handed. */
function pool(capacity: { gas: number; bytes: number } | null): { pool: Mempool; prechecked: Uint8Array[] } {
  const prechecked: Uint8Array[] = [];
  const mempool = new Mempool(new Chain(), LIMITS, async (txs) => void prechecked.push(...txs));
  mempool.capacity = () => capacity;
  mempool.capacityFloor = 1;
  return { pool: mempool, prechecked };
}

describe('mempool under overload', () => {
  it("refuses its own clients' transactions once it holds its capacity at their price, and takes peers' still", async () => {
    const { pool: p } = pool({ gas: 30_000, bytes: 1 << 20 });
    const codes: number[] = [];
    for (let n = 0; n < 5; n++) codes.push((await p.add(tx(1, n), 'rpc')).code);
    expect(codes).toEqual([0, 0, 0, MempoolCode.MEMPOOL_FULL, MempoolCode.MEMPOOL_FULL]);
    const refused = await p.add(tx(2, 0), 'rpc');
    expect(refused.log).toMatch(/mempool is full at gas price 1: .*\(30000 gas, 12 bytes\).*offer a higher gas price/);
    // A peer's transaction was already taken by the network: only the fixed limits bound it.
    expect((await p.add(tx(2, 0), 'peer')).code).toBe(0);
    expect(p.size).toBe(4);
  });

  it('lets a client that pays more than what is pending in, so filling the pool at one price locks nobody out', async () => {
    const { pool: p } = pool({ gas: 30_000, bytes: 1 << 20 });
    // A sender stuffs the pool at price 1 with gas limits far above what its transfers use, through RPC and through a peer.
    expect((await p.add(tx(1, 0, 250), 'rpc')).code).toBe(0);
    for (let s = 10; s < 60; s++) expect((await p.add(tx(s, 0, 250), 'peer')).code).toBe(0);
    expect((await p.add(tx(2, 0, 10, 0, 1), 'rpc')).code).toBe(MempoolCode.MEMPOOL_FULL);
    // Price 2 has nothing at or above it: in, and so are the next two at that price, up to the capacity.
    const codes: number[] = [];
    for (let n = 0; n < 4; n++) codes.push((await p.add(tx(3, n, 10, 0, 2), 'rpc')).code);
    expect(codes).toEqual([0, 0, 0, MempoolCode.MEMPOOL_FULL]);
    // And a proposal takes the higher price first.
    expect(p.reap(1e9, 1e9, 3).map((t) => t[3])).toEqual([2, 2, 2]);
  });

  it('refuses nothing below its floor of transactions, whatever its capacity', async () => {
    const { pool: p } = pool({ gas: 1, bytes: 1 });
    p.capacityFloor = 5;
    const codes: number[] = [];
    for (let n = 0; n < 7; n++) codes.push((await p.add(tx(1, n, 200), 'rpc')).code);
    expect(codes).toEqual([0, 0, 0, 0, 0, MempoolCode.MEMPOOL_FULL, MempoolCode.MEMPOOL_FULL]);
  });

  it('takes a first transaction larger than its whole capacity', async () => {
    const { pool: p } = pool({ gas: 5_000, bytes: 10 });
    expect((await p.add(tx(1, 0, 200, 100), 'rpc')).code).toBe(0);
    expect((await p.add(tx(1, 1), 'rpc')).code).toBe(MempoolCode.MEMPOOL_FULL);
  });

  it('admits a burst up to its capacity and refuses the rest', async () => {
    const { pool: p } = pool({ gas: 1e12, bytes: 40 });
    // Thirty transactions of 4 bytes from thirty senders, in one turn: 10 fit 40 bytes.
    const answers = await Promise.all(Array.from({ length: 30 }, (_, s) => p.add(tx(s, 0), 'rpc')));
    expect(answers.filter((a) => a.code === 0)).toHaveLength(10);
    expect(answers.filter((a) => a.code === MempoolCode.MEMPOOL_FULL)).toHaveLength(20);
  });

  it("is not refused because of what a transaction not yet checked claims to pay", async () => {
    const { pool: p } = pool({ gas: 30_000, bytes: 1 << 20 });
    expect((await p.add(tx(1, 0), 'rpc')).code).toBe(0);
    // In one turn: a claim of the highest price and a huge gas limit that CheckTx refuses (a used
    // nonce), then an honest transaction at price 1 that fits beside what the pool holds.
    const [junk, honest] = await Promise.all([p.add(tx(1, 0, 255, 0, 255), 'rpc'), p.add(tx(2, 0), 'rpc')]);
    expect(junk.code).toBe(TxCode.NONCE_TOO_LOW);
    expect(honest.code).toBe(0);
  });

  it("hands the signature checks only transactions whose nonce is their sender's next", async () => {
    const { pool: p, prechecked } = pool(null);
    expect((await p.add(tx(1, 0))).code).toBe(0);
    prechecked.length = 0;
    // In one batch: the next nonce, a gap, the one after the next, a used nonce, garbage.
    const answers = await Promise.all([tx(1, 1), tx(1, 5), tx(1, 2), tx(1, 0, 11), Uint8Array.of(9)].map((t) => p.add(t)));
    expect(answers.map((a) => a.code)).toEqual([0, TxCode.NONCE_TOO_HIGH, 0, TxCode.NONCE_TOO_LOW, TxCode.TX_DECODE]);
    expect(prechecked.map((t) => t[1])).toEqual([1, 2]);
  });

  it('never hands the signature checks a transaction CheckTx then refuses by its nonce (generated batches)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 4 }), async (sends, batches) => {
        const { pool: p, prechecked } = pool(null);
        const answers = new Map<Uint8Array, number>();
        // The sends in a few turns: each turn is one batch.
        const size = Math.ceil(sends.length / batches);
        for (let i = 0; i < sends.length; i += size) {
          const turn = sends.slice(i, i + size).map(([s, n]) => tx(s, n));
          const codes = await Promise.all(turn.map((t) => p.add(t)));
          turn.forEach((t, j) => answers.set(t, codes[j]?.code ?? -1));
        }
        for (const t of prechecked) expect(answers.get(t)).toBe(0);
      }),
    );
  });

  it("checks every signature of well-behaved clients before admission (each sender's nonces in order, interleaved)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 5 }), async (picks, batches) => {
        const { pool: p, prechecked } = pool(null);
        const sent = new Map<number, number>();
        const sends = picks.map((s) => {
          const n = sent.get(s) ?? 0;
          sent.set(s, n + 1);
          return tx(s, n);
        });
        const size = Math.ceil(sends.length / batches);
        for (let i = 0; i < sends.length; i += size) {
          const codes = await Promise.all(sends.slice(i, i + size).map((t) => p.add(t)));
          expect(codes.map((c) => c.code)).toEqual(codes.map(() => 0));
        }
        expect(prechecked).toEqual(sends);
      }),
    );
  });

  it('keeps a proposal within the budget, except for the first transaction', async () => {
    const { pool: p } = pool(null);
    for (let n = 0; n < 6; n++) expect((await p.add(tx(1, n, 10))).code).toBe(0);
    expect(p.reap(1e9, 1e9, undefined, { gas: 35_000, bytes: 1e9 })).toHaveLength(3);
    expect(p.reap(1e9, 1e9, undefined, { gas: 1_000, bytes: 1e9 })).toHaveLength(1);
    expect(p.reap(1e9, 1e9, undefined, { gas: 1e9, bytes: 9 })).toHaveLength(2);
    // The consensus limits stay hard, first transaction included.
    expect(p.reap(1e9, 5_000, undefined, { gas: 1e9, bytes: 1e9 })).toHaveLength(0);
  });
});

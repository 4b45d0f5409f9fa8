import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockIntervals, latencySeries, mergeBlocks, pushBounded, readLatencyBlocks, slidingTps, tpsPerBlock, txsPerBlock, type BlockPoint, type LatencyBlock } from '../../ui/src/plots/series.js';
import { txLatencyView } from '../../src/rpc/tx-latency-view.js';

const block = (height: number, time: number, txs = 0): BlockPoint => ({ height, time, txs });

describe('mergeBlocks', () => {
  it('keeps one ascending entry per height, the newest `max`, whatever order and repeats blocks arrive in', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 80 }), { maxLength: 30 }), { maxLength: 10 }), fc.integer({ min: 1, max: 50 }), (batches, max) => {
        let window: readonly BlockPoint[] = [];
        const all = new Set<number>();
        for (const batch of batches) {
          window = mergeBlocks(window, batch.map((h) => block(h, h * 1000, h % 7)), max);
          for (const h of batch) all.add(h);
        }
        const expected = [...all].sort((a, b) => a - b).slice(-max);
        expect(window.map((b) => b.height)).toEqual(expected);
      }),
    );
  });

  it('appends one new block on top without losing the bound, and answers the same array when nothing is new', () => {
    let window: readonly BlockPoint[] = [];
    for (let h = 1; h <= 400; h++) window = mergeBlocks(window, [block(h, h * 500)]);
    expect(window).toHaveLength(300);
    expect(window[0]?.height).toBe(101);
    expect(window[299]?.height).toBe(400);
    expect(mergeBlocks(window, [])).toBe(window);
    expect(mergeBlocks(window, [block(Number.NaN, 0), block(5, Number.NaN), block(-1, 0)])).toBe(window);
  });
});

describe('block series', () => {
  const blocks = [block(10, 10_000, 2), block(11, 10_500, 5), block(12, 12_500, 0), block(14, 13_000, 8), block(15, 13_000, 3), block(16, 14_000, 4)];

  it('intervals only between consecutive heights, in seconds', () => {
    expect(blockIntervals(blocks)).toEqual([
      [11, 0.5],
      [12, 2],
      [15, 0],
      [16, 1],
    ]);
  });

  it('txs per block for every block; tx/s per block skips gaps and zero intervals', () => {
    expect(txsPerBlock(blocks).map((p) => p[1])).toEqual([2, 5, 0, 8, 3, 4]);
    expect(tpsPerBlock(blocks)).toEqual([
      [11, 10],
      [12, 0],
      [16, 4],
    ]);
  });

  it('the sliding rate counts the blocks inside the window over the window', () => {
    // One block a second with 10 txs each: 10 tx/s once the window is full, and before it.
    const steady = Array.from({ length: 30 }, (_, i) => block(i + 1, (i + 1) * 1000, 10));
    const rates = slidingTps(steady, 10_000);
    expect(rates).toHaveLength(29);
    for (const [, r] of rates) expect(r).toBeCloseTo(10, 9);
    // A burst of 100 txs leaves the window 10 s later.
    const burst = steady.map((b) => (b.height === 5 ? { ...b, txs: 110 } : b));
    const byHeight = new Map(slidingTps(burst, 10_000));
    expect(byHeight.get(14)).toBeCloseTo(20, 9);
    expect(byHeight.get(15)).toBeCloseTo(10, 9);
  });

  it('the sliding rate matches a brute-force count', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 0, max: 50 })), { minLength: 1, maxLength: 60 }), (steps) => {
        let t = 1_000_000;
        const bs = steps.map(([dt, txs], i) => block(i + 1, (t += dt), txs));
        const W = 10_000;
        const rates = new Map(slidingTps(bs, W));
        bs.forEach((b, i) => {
          const covered = bs.slice(0, i).some((x) => x.time <= b.time - W);
          if (covered) {
            const inWindow = bs.filter((x, j) => j <= i && x.time > b.time - W).reduce((s, x) => s + x.txs, 0);
            expect(rates.get(b.height)).toBeCloseTo(inWindow / (W / 1000), 6);
          }
        });
      }),
    );
  });
});

describe('pushBounded', () => {
  it('drops the oldest past the bound', () => {
    let list: number[] = [];
    for (let i = 0; i < 305; i++) list = pushBounded(list, i);
    expect(list).toHaveLength(300);
    expect(list[0]).toBe(5);
    expect(pushBounded([1, 2, 3], 4, 2)).toEqual([3, 4]);
  });
});

describe('latencySeries', () => {
  const lb = (height: number, seen: number, via: number, p50: number | null): LatencyBlock => ({
    height: String(height),
    committed_at: '2026-01-01T00:00:00.000Z',
    txs: seen + 1,
    seen,
    via_rpc: via,
    rpc_fraction: seen ? via / seen : null,
    p50_ms: p50,
    p90_ms: p50 === null ? null : p50 * 2,
    max_ms: p50 === null ? null : p50 * 3,
  });

  it('draws only the blocks whose transactions the node saw, ascending, with totals over all blocks', () => {
    const s = latencySeries([lb(9, 2, 1, 100), lb(8, 0, 0, null), lb(7, 3, 3, 40)]);
    expect(s.p50).toEqual([
      [7, 40],
      [9, 100],
    ]);
    expect(s.p90).toEqual([
      [7, 80],
      [9, 200],
    ]);
    expect(s.max.map((p) => p[1])).toEqual([120, 300]);
    expect({ seen: s.seen, viaRpc: s.viaRpc, txs: s.txs }).toEqual({ seen: 5, viaRpc: 4, txs: 8 });
  });

  it('is empty when the node saw none, and bounded', () => {
    expect(latencySeries([lb(3, 0, 0, null)]).p50).toEqual([]);
    const many = Array.from({ length: 500 }, (_, i) => lb(i + 1, 1, 0, i));
    const s = latencySeries(many, 300);
    expect(s.p50).toHaveLength(300);
    expect(s.p50[0]).toEqual([201, 200]);
  });
});

describe('readLatencyBlocks', () => {
  it("reads the node's own tx_latency answer unchanged (the RPC view against the page's reader)", () => {
    const block = fc.record({
      height: fc.integer({ min: 1, max: 1e9 }),
      committedAt: fc.integer({ min: 0, max: 4e12 }),
      txs: fc.nat(10_000),
      seen: fc.nat(10_000),
      viaRpc: fc.nat(10_000),
      p50Ms: fc.option(fc.nat(1e6), { nil: null }),
      p90Ms: fc.option(fc.nat(1e6), { nil: null }),
      maxMs: fc.option(fc.nat(1e6), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(block, { maxLength: 50 }), (blocks) => {
        const view = JSON.parse(JSON.stringify(txLatencyView(blocks))) as unknown;
        expect(readLatencyBlocks(view)).toEqual((view as { blocks: LatencyBlock[] }).blocks);
      }),
    );
  });

  it('skips junk and never throws, so a hostile answer cannot stop the plots', () => {
    fc.assert(
      fc.property(fc.anything(), fc.array(fc.anything(), { maxLength: 5 }), (junk, list) => {
        expect(() => readLatencyBlocks(junk)).not.toThrow();
        for (const b of readLatencyBlocks({ blocks: list })) expect(b.height).toMatch(/^\d+$/);
      }),
    );
    expect(readLatencyBlocks({ blocks: Array.from({ length: 5000 }, () => ({ height: '1', txs: 1, seen: 1, via_rpc: 0 })) })).toHaveLength(1000);
  });
});

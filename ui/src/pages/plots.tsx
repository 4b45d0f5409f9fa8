/** Live plots of the node that served the page: block interval, txs per block, tx/s, mempool, submit-to-commit latency. */
import type { ComponentChildren, JSX } from 'preact';
import { useMemo } from 'preact/hooks';
import { Chart, type ChartOption } from '../components/chart';
import { Badge, ErrorNote, Section } from '../components/ui';
import { selfBase } from '../rpc/cmt';
import { blockIntervals, latencySeries, slidingTps, tpsPerBlock, txsPerBlock, type Point } from '../plots/series';
import { usePlotData } from '../plots/use-plot-data';

const PLOT_HEIGHT = 230;
const SLIDING_WINDOW_MS = 10_000;

interface Line {
  name: string;
  data: Point[];
  bar?: boolean;
  color?: string;
  /** The right-hand axis. */
  right?: boolean;
}

/** One option for every plot: numbers on both axes, no animation (live data would make it jitter). */
function option(lines: Line[], xName: string, yName: string, yRight?: string, xTime = false): ChartOption {
  return {
    animation: false,
    grid: { left: 56, right: yRight ? 64 : 20, top: 34, bottom: 42 },
    legend: lines.length > 1 ? { top: 0, data: lines.map((l) => l.name) } : undefined,
    tooltip: { trigger: 'axis' },
    xAxis: {
      type: xTime ? 'time' : 'value',
      name: xName,
      nameLocation: 'middle',
      nameGap: 26,
      min: 'dataMin',
      max: 'dataMax',
      minInterval: xTime ? undefined : 1,
      axisLabel: xTime ? { hideOverlap: true } : { formatter: (v: number) => String(Math.round(v)) },
    },
    yAxis: [
      { type: 'value', name: yName, nameTextStyle: { align: 'left' }, min: 0, splitLine: { lineStyle: { opacity: 0.4 } } },
      ...(yRight ? [{ type: 'value', name: yRight, nameTextStyle: { align: 'right' }, min: 0, splitLine: { show: false } }] : []),
    ],
    series: lines.map((l) => ({
      name: l.name,
      type: l.bar ? 'bar' : 'line',
      data: l.data,
      yAxisIndex: l.right ? 1 : 0,
      showSymbol: l.data.length < 40,
      symbolSize: 5,
      barMaxWidth: 12,
      ...(l.color ? { itemStyle: { color: l.color }, lineStyle: { color: l.color } } : {}),
    })),
  };
}

function Plot({ id, title, points, summary, children }: { id: string; title: string; points: number; summary?: ComponentChildren; children: ComponentChildren }): JSX.Element {
  return (
    <article data-testid="plot" data-plot={id} data-points={points} style={{ padding: '0.6rem 0.8rem', margin: 0, minWidth: 0 }}>
      <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'baseline', gap: '0.5rem', flexWrap: 'wrap' }}>
        <b>{title}</b>
        <small style={{ color: 'var(--pico-muted-color)' }}>{summary}</small>
      </div>
      {children}
    </article>
  );
}

const fmt = (n: number | undefined, digits = 1): string => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));
const last = (points: Point[]): number | undefined => points[points.length - 1]?.[1];
const mean = (points: Point[]): number | undefined => (points.length === 0 ? undefined : points.reduce((s, p) => s + p[1], 0) / points.length);

function kib(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(2)} MiB`;
}

export function PlotsPage(_props: { arg: string; query: URLSearchParams }): JSX.Element {
  const base = selfBase();
  const { blocks, mempool, latency, live, error } = usePlotData(base);

  const intervals = useMemo(() => blockIntervals(blocks), [blocks]);
  const perBlock = useMemo(() => txsPerBlock(blocks), [blocks]);
  const tps = useMemo(() => tpsPerBlock(blocks), [blocks]);
  const sliding = useMemo(() => slidingTps(blocks, SLIDING_WINDOW_MS), [blocks]);
  const lat = useMemo(() => latencySeries(latency ?? []), [latency]);
  const pool = useMemo(
    () => ({ count: mempool.map((s): Point => [s.at, s.count]), bytes: mempool.map((s): Point => [s.at, s.bytes / 1024]) }),
    [mempool],
  );

  const intervalOpt = useMemo(() => option([{ name: 'interval', data: intervals, color: '#3f7dd1' }], 'height', 's'), [intervals]);
  const perBlockOpt = useMemo(() => option([{ name: 'txs', data: perBlock, bar: true, color: '#1f9d55' }], 'height', 'txs'), [perBlock]);
  const tpsOpt = useMemo(
    () =>
      option(
        [
          { name: 'per block', data: tps, color: '#9aa5b1' },
          { name: `${SLIDING_WINDOW_MS / 1000} s window`, data: sliding, color: '#e67e22' },
        ],
        'height',
        'tx/s',
      ),
    [tps, sliding],
  );
  const poolOpt = useMemo(
    () =>
      option(
        [
          { name: 'transactions', data: pool.count, color: '#8e44ad' },
          { name: 'KiB', data: pool.bytes, color: '#16a085', right: true },
        ],
        'time',
        'txs',
        'KiB',
        true,
      ),
    [pool],
  );
  const latOpt = useMemo(
    () =>
      option(
        [
          { name: 'p50', data: lat.p50, color: '#1f9d55' },
          { name: 'p90', data: lat.p90, color: '#e6a100' },
          { name: 'max', data: lat.max, color: '#d32f2f' },
        ],
        'height',
        'ms',
      ),
    [lat],
  );

  const nowPool = mempool[mempool.length - 1];
  const rpcShare = lat.seen > 0 ? `${Math.round((lat.viaRpc / lat.seen) * 100)}% via this node's RPC` : '';
  return (
    <Section
      title="Plots"
      testid="plots"
      actions={
        <small>
          {live ? <Badge tone="ok">live</Badge> : <Badge tone="warn">polling</Badge>} {blocks.length} blocks, up to #{blocks[blocks.length - 1]?.height ?? '–'}
        </small>
      }
    >
      {error ? <ErrorNote error={error} /> : null}
      <div style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 460px), 1fr))', gap: '1rem' }}>
        <Plot id="block-interval" title="Block interval" points={intervals.length} summary={`last ${fmt(last(intervals), 2)} s · mean ${fmt(mean(intervals), 2)} s`}>
          <Chart option={intervalOpt} height={PLOT_HEIGHT} />
        </Plot>
        <Plot id="txs-per-block" title="Transactions per block" points={perBlock.length} summary={`last ${fmt(last(perBlock), 0)} · mean ${fmt(mean(perBlock), 1)}`}>
          <Chart option={perBlockOpt} height={PLOT_HEIGHT} />
        </Plot>
        <Plot id="tps" title="Transactions per second" points={tps.length} summary={`${fmt(last(sliding), 1)} tx/s over the last ${SLIDING_WINDOW_MS / 1000} s`}>
          <Chart option={tpsOpt} height={PLOT_HEIGHT} />
        </Plot>
        <Plot id="mempool" title="Mempool" points={mempool.length} summary={nowPool ? `${nowPool.count} txs · ${kib(nowPool.bytes)} now` : 'asking…'}>
          <Chart option={poolOpt} height={PLOT_HEIGHT} />
        </Plot>
        <Plot
          id="latency"
          title="Submit-to-commit latency"
          points={lat.p50.length}
          summary={lat.seen > 0 ? `${lat.seen} of ${lat.txs} txs seen in this mempool · ${rpcShare}` : latency ? '' : 'asking…'}
        >
          {latency && lat.p50.length === 0 ? (
            <p data-testid="latency-empty" style={{ height: `${PLOT_HEIGHT}px`, display: 'flex', alignItems: 'center', justifyContent: 'center', color: 'var(--pico-muted-color)', margin: 0, textAlign: 'center' }}>
              Latency: the node saw none of these txs{latency.length > 0 ? ` (${lat.txs} in its last ${latency.length} blocks)` : ''} in its own mempool.
            </p>
          ) : (
            <Chart option={latOpt} height={PLOT_HEIGHT} />
          )}
        </Plot>
      </div>
      <small style={{ color: 'var(--pico-muted-color)' }}>
        Blocks from this node ({base}): the last {blocks.length} (at most 300), new ones from its WebSocket. The mempool is asked every second. Latency is this node's own measure (the{' '}
        <code>tx_latency</code> method): from a transaction's arrival in its mempool to the commit of its block, per block; other nodes see other times.
      </small>
    </Section>
  );
}

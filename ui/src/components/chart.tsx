/**
 * An Apache ECharts chart (SVG renderer, so a test or a reader can inspect it) that follows
 * its `option`: live plots pass a new option on every update.
 */
import type { JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import * as echarts from 'echarts/core';
import { BarChart, LineChart, ScatterChart } from 'echarts/charts';
import { DataZoomComponent, GridComponent, LegendComponent, MarkAreaComponent, MarkLineComponent, MarkPointComponent, TitleComponent, TooltipComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
import type { EChartsCoreOption } from 'echarts/core';

echarts.use([LineChart, BarChart, ScatterChart, GridComponent, TooltipComponent, LegendComponent, TitleComponent, MarkAreaComponent, MarkLineComponent, MarkPointComponent, DataZoomComponent, SVGRenderer]);

export type ChartOption = EChartsCoreOption;

export interface ChartProps {
  option: ChartOption;
  height?: number;
  testid?: string;
  /** Extra attributes for tests and readers, e.g. { 'data-points': 12 }. */
  attrs?: Record<string, string | number>;
  /** Called with the chart instance once it exists (for click handlers). */
  onReady?: (chart: echarts.ECharts) => void;
}

export function Chart({ option, height = 260, testid, attrs, onReady }: ChartProps): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | undefined>(undefined);
  useEffect(() => {
    if (!box.current) return;
    const c = echarts.init(box.current, undefined, { renderer: 'svg' });
    chart.current = c;
    onReady?.(c);
    const resize = new ResizeObserver(() => c.resize());
    resize.observe(box.current);
    return () => {
      resize.disconnect();
      c.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true, lazyUpdate: true });
  }, [option]);
  return <div ref={box} class="chart" style={{ height: `${height}px`, width: '100%' }} data-testid={testid} {...(attrs ?? {})} />;
}

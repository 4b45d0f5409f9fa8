/**
 * The fault run as an ECharts option: one step line of decided height over virtual time per
 * validator (Byzantine ones dashed), the faults as shaded bands where the run applied them,
 * the violations in red, and a cursor at the message the step-through is on.
 */
import type { Trace, TraceFaultSpan } from './types.js';
import { violationsOf } from './steps.js';

export const BAND_COLOURS = ['rgba(230, 161, 0, 0.18)', 'rgba(90, 120, 220, 0.15)', 'rgba(160, 80, 200, 0.15)', 'rgba(40, 160, 150, 0.15)'];
export const VIOLATION_COLOUR = '#d32f2f';
const CURSOR_COLOUR = '#1565c0';

export function bandColour(i: number): string {
  return BAND_COLOURS[i % BAND_COLOURS.length] as string;
}

export function spanEnd(span: TraceFaultSpan, endMs: number): number {
  return span.end ?? endMs;
}

/** The decided height of each validator as a step line: [ms, height] points from 0 to the end of the run. */
export function heightLines(trace: Trace): { name: string; byzantine: boolean; points: [number, number][] }[] {
  const t = trace.timeline;
  if (!t) return [];
  return t.validators.map((v, i) => {
    const points: [number, number][] = [[0, 0]];
    for (const d of t.decisions[i] ?? []) points.push([d.at, d.height]);
    points.push([t.endMs, points[points.length - 1]?.[1] ?? 0]);
    return { name: v.name, byzantine: v.byzantine !== null, points };
  });
}

export function traceChartOption(trace: Trace, cursor: number | null): Record<string, unknown> {
  const t = trace.timeline;
  const endMs = t?.endMs ?? trace.endMs;
  const lines = heightLines(trace);
  // A loop, not Math.max(...points): a spread of many thousand arguments overflows the stack.
  let top = 1;
  for (const l of lines) for (const p of l.points) if (p[1] > top) top = p[1];
  const violations = violationsOf(trace).filter((v) => v.at !== null);
  // Violations of one instant (a fork and its accountability) share one line and one label.
  const instants = new Map<number, Set<string>>();
  for (const v of violations) {
    const at = v.at as number;
    const properties = instants.get(at) ?? new Set<string>();
    properties.add(v.property);
    instants.set(at, properties);
  }
  const hidden = { type: 'line', data: [[0, 0]], symbol: 'none', lineStyle: { opacity: 0 }, tooltip: { show: false } };
  return {
    animation: false,
    grid: { left: 56, right: 32, top: 64, bottom: 70 },
    legend: { top: 4, type: 'scroll' },
    tooltip: { trigger: 'item' },
    xAxis: { type: 'value', name: 'virtual ms', nameLocation: 'middle', nameGap: 26, min: 0, max: endMs },
    yAxis: { type: 'value', name: 'height decided', minInterval: 1, min: 0, max: top + 1 },
    dataZoom: [
      { type: 'inside', xAxisIndex: 0, filterMode: 'none' },
      { type: 'slider', xAxisIndex: 0, height: 18, bottom: 8, filterMode: 'none' },
    ],
    series: [
      ...lines.map((l) => ({
        name: l.name,
        type: 'line',
        step: 'end',
        showSymbol: false,
        data: l.points,
        lineStyle: { width: 2, type: l.byzantine ? 'dashed' : 'solid' },
      })),
      {
        ...hidden,
        name: 'faults',
        itemStyle: { color: BAND_COLOURS[0] },
        markArea: {
          silent: false,
          label: { show: true, position: 'insideTopLeft', fontSize: 10, color: '#6b5a00' },
          data: (t?.faultSpans ?? []).map((s, i) => [
            { name: s.description, xAxis: s.start, itemStyle: { color: bandColour(i) } },
            { xAxis: spanEnd(s, endMs) },
          ]),
        },
      },
      {
        name: 'violations',
        type: 'scatter',
        symbol: 'pin',
        symbolSize: 28,
        itemStyle: { color: VIOLATION_COLOUR },
        data: violations.map((v) => ({ value: [v.at, v.height ?? top], name: `${v.property}: ${v.message}` })),
        // ECharts puts a formatter's text in as HTML: the trace's words are escaped first.
        tooltip: { formatter: (p: { name: string }) => escapeHtml(p.name) },
        markLine: {
          symbol: 'none',
          silent: true,
          lineStyle: { color: VIOLATION_COLOUR, type: 'solid', width: 1.5 },
          label: { formatter: '{b}', color: VIOLATION_COLOUR, position: 'end', fontWeight: 'bold' },
          data: [...instants].map(([at, properties]) => ({ name: [...properties].join(', '), xAxis: at })),
        },
      },
      {
        ...hidden,
        name: 'cursor',
        itemStyle: { color: CURSOR_COLOUR },
        markLine: {
          symbol: 'none',
          silent: true,
          animation: false,
          lineStyle: { color: CURSOR_COLOUR, type: 'dashed', width: 1.5 },
          label: { show: false },
          data: cursor === null ? [] : [{ name: `${cursor} ms`, xAxis: cursor }],
        },
      },
    ],
  };
}

/** Text as HTML that shows it literally. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

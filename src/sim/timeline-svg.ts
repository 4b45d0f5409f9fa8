/**
 * A picture of one run: the height each validator decided over virtual time (a step line per
 * validator, Byzantine ones dashed) with every fault's span shaded and labelled. Plain SVG
 * text, so it opens in any browser and diffs in review.
 */
import type { FaultEvent } from './scenario-types.js';
import type { SimRun } from './run-types.js';

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { left: 56, right: 120, top: 24, bottom: 64 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function faultSpan(f: FaultEvent, endMs: number): [number, number] {
  switch (f.type) {
    case 'crash':
      return [f.at, f.restartAt ?? endMs];
    case 'clockSkew':
    case 'clockDrift':
      return [f.at, endMs];
    default:
      return [f.at, f.until ?? endMs];
  }
}

function faultLabel(f: FaultEvent): string {
  switch (f.type) {
    case 'partition':
      return `partition ${f.groups.map((g) => g.join(',')).join(' | ')}`;
    case 'link':
      return `link ${f.from}${f.oneWay ? '→' : '↔'}${f.to}`;
    case 'crash':
      return `crash ${f.node}`;
    case 'pause':
      return `pause ${f.node}`;
    case 'clockSkew':
      return `clock ${f.node} ${f.skewMs > 0 ? '+' : ''}${f.skewMs} ms`;
    case 'network':
      return 'network';
    case 'clockDrift':
      return `clock drift ${f.node} ${f.ppm} ppm`;
    case 'messages':
      return 'messages';
    case 'slowDisk':
      return `slow disk ${f.node}`;
    case 'slowCpu':
      return `slow cpu ${f.node}`;
  }
}

export function timelineSvg(run: SimRun, faults: readonly FaultEvent[], title: string): string {
  const endMs = Math.max(run.endMs, 1);
  const maxHeight = Math.max(1, ...run.decisions.map((d) => d.at(-1)?.height ?? 0));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (ms: number): number => MARGIN.left + (ms / endMs) * plotW;
  const y = (h: number): number => MARGIN.top + plotH - (h / maxHeight) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="13">${escape(title)}</text>`,
  ];
  faults.forEach((f, i) => {
    const [from, to] = faultSpan(f, endMs);
    const x0 = x(Math.min(from, endMs));
    const x1 = x(Math.min(to, endMs));
    out.push(`<rect x="${x0.toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${plotH}" fill="#f4a582" fill-opacity="0.25"/>`);
    out.push(`<text x="${(x0 + 2).toFixed(1)}" y="${MARGIN.top + plotH + 28 + (i % 3) * 12}" fill="#b2182b">${escape(faultLabel(f))}</text>`);
  });
  // Axes and ticks.
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="black"/>`);
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="black"/>`);
  for (let i = 0; i <= 5; i++) {
    const ms = (endMs * i) / 5;
    out.push(`<text x="${x(ms).toFixed(1)}" y="${MARGIN.top + plotH + 14}" text-anchor="middle">${(ms / 1000).toFixed(1)} s</text>`);
    const h = Math.round((maxHeight * i) / 5);
    out.push(`<text x="${MARGIN.left - 6}" y="${(y(h) + 4).toFixed(1)}" text-anchor="end">${h}</text>`);
  }
  out.push(`<text x="12" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 12 ${MARGIN.top + plotH / 2})" text-anchor="middle">height decided</text>`);
  run.decisions.forEach((decisions, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const v = run.validators[i];
    let path = `M ${x(0).toFixed(1)} ${y(0).toFixed(1)}`;
    for (const d of decisions) path += ` H ${x(d.at).toFixed(1)} V ${y(d.height).toFixed(1)}`;
    path += ` H ${x(endMs).toFixed(1)}`;
    out.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="1.5"${v?.byzantine ? ' stroke-dasharray="4 3"' : ''}/>`);
    out.push(`<text x="${MARGIN.left + plotW + 8}" y="${MARGIN.top + 12 + i * 14}" fill="${colour}">${escape(`${v?.name ?? i}${v?.byzantine ? ` (${v.byzantine})` : ''}`)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

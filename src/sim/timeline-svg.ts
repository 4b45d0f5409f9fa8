/**
 * A picture of one run. Above: the height each validator decided over virtual time (a step
 * line per validator, Byzantine ones dashed) with every fault's span shaded and labelled.
 * Below, one lane per validator on the same time axis: its lock as a band (labelled with the
 * locked round where there is room), the proposals it made (filled triangle) and accepted
 * (hollow), its prevotes (circles) and precommits (squares), filled for a block, hollow for
 * nil. Plain SVG text, so it opens in any browser and diffs in review; at most MAX_MARKERS
 * markers are drawn (thinned evenly per lane, and the picture says so).
 */
import type { FaultEvent } from './scenario-types.js';
import type { SimRun } from './run-types.js';
import { perValidator, type ValidatorTimeline } from './run-timeline.js';

const WIDTH = 960;
const CHART_HEIGHT = 300;
const LANE = 44;
const MARGIN = { left: 56, right: 120, top: 24, bottom: 64 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22'];
/** Vote, proposal and lock markers in one picture, over all lanes. */
export const MAX_MARKERS = 4000;
/** Lanes drawn; a run with more nodes shows the first ones and says so. */
export const MAX_LANES = 32;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function faultSpan(f: FaultEvent, endMs: number): [number, number] {
  switch (f.type) {
    case 'crash':
      return [f.at, f.restartAt ?? (f.forMs !== undefined ? f.at + f.forMs : endMs)];
    case 'clockSkew':
    case 'clockDrift':
      return [f.at, endMs];
    default:
      return [f.at, f.until ?? (f.forMs !== undefined ? f.at + f.forMs : endMs)];
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

/** Every `stride`-th item, so a crowded lane keeps its shape over the whole run. */
function thinned<T>(items: readonly T[], stride: number): T[] {
  return stride <= 1 ? [...items] : items.filter((_, i) => i % stride === 0);
}

/**
 * Where faults were really applied (triggered faults start at run time): the run's record
 * when it has one, else the scenario's times.
 */
function appliedSpans(run: SimRun, faults: readonly FaultEvent[], endMs: number): { fault: FaultEvent; from: number; to: number }[] {
  if (!run.appliedFaults) return faults.map((fault) => ({ fault, ...spanOf(faultSpan(fault, endMs)) }));
  const out: { fault: FaultEvent; from: number; to: number }[] = [];
  for (const a of run.appliedFaults) {
    const fault = faults[a.index];
    if (!fault || a.phase !== 'start') continue;
    const end = run.appliedFaults.find((b) => b.index === a.index && b.phase === 'end' && b.at >= a.at);
    out.push({ fault, from: a.at, to: end?.at ?? endMs });
  }
  return out;
}

const spanOf = ([from, to]: [number, number]): { from: number; to: number } => ({ from, to });

export function timelineSvg(run: SimRun, faults: readonly FaultEvent[], title: string): string {
  const endMs = Math.max(run.endMs, 1);
  const lanes = perValidator(run).slice(0, MAX_LANES);
  const maxHeight = Math.max(1, ...run.decisions.map((d) => d.at(-1)?.height ?? 0));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const lanesTop = CHART_HEIGHT + 8;
  const legendTop = lanesTop + lanes.length * LANE + 8;
  const height = legendTop + 40;
  const x = (ms: number): number => MARGIN.left + (Math.min(ms, endMs) / endMs) * plotW;
  const y = (h: number): number => MARGIN.top + plotH - (h / maxHeight) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="16" font-size="13">${escape(title)}</text>`,
  ];
  appliedSpans(run, faults, endMs).forEach(({ fault, from, to }, i) => {
    const x0 = x(from);
    const x1 = x(to);
    out.push(`<rect x="${x0.toFixed(1)}" y="${MARGIN.top}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${legendTop - MARGIN.top - 4}" fill="#f4a582" fill-opacity="0.2"/>`);
    out.push(`<text x="${(x0 + 2).toFixed(1)}" y="${MARGIN.top + plotH + 28 + (i % 3) * 12}" fill="#b2182b">${escape(faultLabel(fault))}</text>`);
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

  const total = lanes.reduce((s, l) => s + l.votes.length + l.proposals.length + l.locks.length, 0);
  const stride = Math.ceil(total / MAX_MARKERS);
  lanes.forEach((lane, i) => out.push(...laneSvg(lane, i, lanesTop + i * LANE, x, endMs, stride)));
  out.push(...legend(legendTop, total, stride, run.validators.length - lanes.length));
  out.push('</svg>');
  return out.join('\n') + '\n';
}

function laneSvg(lane: ValidatorTimeline, i: number, top: number, x: (ms: number) => number, endMs: number, stride: number): string[] {
  const colour = COLOURS[i % COLOURS.length] as string;
  const out: string[] = [
    `<text x="${MARGIN.left - 6}" y="${top + 24}" text-anchor="end" fill="${colour}">${escape(lane.name)}</text>`,
    `<line x1="${MARGIN.left}" y1="${top + LANE - 2}" x2="${MARGIN.left + (WIDTH - MARGIN.left - MARGIN.right)}" y2="${top + LANE - 2}" stroke="#ddd"/>`,
  ];
  // The lock band: from each change to the next, where the validator is locked.
  const locks = thinned(lane.locks, stride);
  locks.forEach((l, j) => {
    if (l.lockedRound < 0) return;
    const to = locks[j + 1]?.at ?? endMs;
    const x0 = x(l.at);
    const w = Math.max(1, x(to) - x0);
    out.push(`<rect x="${x0.toFixed(1)}" y="${top + 2}" width="${w.toFixed(1)}" height="9" fill="${colour}" fill-opacity="0.35"><title>${escape(`locked at ${l.height}/${l.lockedRound} on ${l.lockedValue.slice(0, 12)}, valid round ${l.validRound}`)}</title></rect>`);
    if (w > 24) out.push(`<text x="${(x0 + 2).toFixed(1)}" y="${top + 10}" font-size="8">L${l.lockedRound}</text>`);
  });
  for (const p of thinned(lane.proposals, stride)) {
    const cx = x(p.at);
    const cy = top + 18;
    const fill = p.made ? colour : 'none';
    out.push(`<polygon points="${(cx - 3).toFixed(1)},${cy + 3} ${(cx + 3).toFixed(1)},${cy + 3} ${cx.toFixed(1)},${cy - 3}" fill="${fill}" stroke="${colour}"><title>${escape(`${p.made ? 'proposed' : 'accepted'} ${p.height}/${p.round} from ${p.proposer}${p.polRound >= 0 ? `, POL round ${p.polRound}` : ''}`)}</title></polygon>`);
  }
  for (const v of thinned(lane.votes, stride)) {
    const cx = x(v.at);
    const fill = v.block === 'nil' ? 'white' : colour;
    const what = escape(`${v.type} ${v.height}/${v.round} ${v.block === 'nil' ? 'nil' : v.block.slice(0, 12)}`);
    if (v.type === 'prevote') out.push(`<circle cx="${cx.toFixed(1)}" cy="${top + 27}" r="2.5" fill="${fill}" stroke="${colour}"><title>${what}</title></circle>`);
    else out.push(`<rect x="${(cx - 2.5).toFixed(1)}" y="${top + 33}" width="5" height="5" fill="${fill}" stroke="${colour}"><title>${what}</title></rect>`);
  }
  return out;
}

function legend(top: number, total: number, stride: number, hiddenLanes: number): string[] {
  const y = top + 12;
  const out = [
    `<polygon points="${MARGIN.left},${y + 3} ${MARGIN.left + 6},${y + 3} ${MARGIN.left + 3},${y - 3}" fill="#555"/>`,
    `<text x="${MARGIN.left + 10}" y="${y + 4}">proposal made (hollow: accepted)</text>`,
    `<circle cx="${MARGIN.left + 220}" cy="${y}" r="2.5" fill="#555" stroke="#555"/>`,
    `<text x="${MARGIN.left + 228}" y="${y + 4}">prevote</text>`,
    `<rect x="${MARGIN.left + 280}" y="${y - 2.5}" width="5" height="5" fill="#555" stroke="#555"/>`,
    `<text x="${MARGIN.left + 290}" y="${y + 4}">precommit (hollow: nil)</text>`,
    `<rect x="${MARGIN.left + 430}" y="${y - 4}" width="20" height="8" fill="#555" fill-opacity="0.35"/>`,
    `<text x="${MARGIN.left + 454}" y="${y + 4}">locked (L: its round)</text>`,
  ];
  const notes: string[] = [];
  if (stride > 1) notes.push(`${total} markers: every ${stride}th drawn (cap ${MAX_MARKERS}); the timeline JSON has them all`);
  if (hiddenLanes > 0) notes.push(`${hiddenLanes} more nodes not drawn (cap ${MAX_LANES} lanes)`);
  if (notes.length > 0) out.push(`<text x="${MARGIN.left}" y="${y + 20}" fill="#b2182b">${escape(notes.join('; '))}</text>`);
  return out;
}

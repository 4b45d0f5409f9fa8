/**
 * A definition drawn as SVG (`cmt process render`): nodes in the shapes BPMN made common (a
 * circle for a start, a thick circle for an end, a rounded box for a wait state, a box for a
 * task, a diamond for a decision, a bar for a fork or join), transitions as arrows labelled
 * with their names and guards. A BPMN file's own positions (diagram interchange) are used when
 * every node has one; otherwise dagre lays the graph out left to right.
 */
import dagre from '@dagrejs/dagre';
import { transitionKey, type NodeKind, type ProcessDefinition, type ProcessNode, type TimerDue } from './model.js';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const SIZE: Readonly<Record<NodeKind, { width: number; height: number }>> = {
  start: { width: 36, height: 36 },
  end: { width: 36, height: 36 },
  wait: { width: 140, height: 60 },
  task: { width: 140, height: 60 },
  decision: { width: 56, height: 56 },
  fork: { width: 12, height: 70 },
  join: { width: 12, height: 70 },
};

const MARGIN = 30;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const short = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function dueText(due: TimerDue): string {
  if (due.kind === 'blocks') return `${due.count} blocks`;
  if (due.kind === 'at') return new Date(due.ms).toISOString();
  return `${due.ms / 1000} s`;
}

/** Centre boxes (x, y at the middle) of every node, and each edge's points. */
function layout(def: ProcessDefinition): { boxes: Map<string, Box>; edges: { from: string; to: string; label: string; points: { x: number; y: number }[] }[] } {
  const nodes = [...def.nodes.values()];
  const edgeList = nodes.flatMap((n) => n.transitions.map((t) => ({ from: n.id, to: t.to, label: edgeLabel(n, t.name, t.guard, transitionKey(t)), points: t.points })));
  if (nodes.every((n) => n.bounds !== null)) {
    const boxes = new Map(nodes.map((n) => [n.id, { x: (n.bounds?.x ?? 0) + (n.bounds?.width ?? 0) / 2, y: (n.bounds?.y ?? 0) + (n.bounds?.height ?? 0) / 2, width: n.bounds?.width ?? 0, height: n.bounds?.height ?? 0 }]));
    return { boxes, edges: edgeList.map((e) => ({ ...e, points: e.points && e.points.length >= 2 ? e.points : between(boxes.get(e.from) as Box, boxes.get(e.to) as Box) })) };
  }
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 70, marginx: MARGIN, marginy: MARGIN });
  g.setDefaultEdgeLabel(() => ({}));
  // dagre keys its nodes in plain objects: a node named "constructor" would meet Object's own; numbered keys cannot.
  const key = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const k = (id: string): string => key.get(id) as string;
  // A start's or end's name is written under it: its column is as wide as the name.
  for (const n of nodes) g.setNode(k(n.id), n.kind === 'start' || n.kind === 'end' ? { width: Math.max(SIZE[n.kind].width, Math.min(n.name.length, 24) * 7), height: SIZE[n.kind].height } : { ...SIZE[n.kind] });
  edgeList.forEach((e, i) => g.setEdge(k(e.from), k(e.to), { label: e.label, width: Math.min(e.label.length, 30) * 6, height: e.label ? 14 : 0 }, `e${i}`));
  dagre.layout(g);
  const boxes = new Map(nodes.map((n) => {
    const placed = g.node(k(n.id)) as { x: number; y: number; width: number; height: number };
    return [n.id, { x: placed.x, y: placed.y, width: placed.width, height: placed.height }];
  }));
  return { boxes, edges: edgeList.map((e, i) => ({ ...e, points: ((g.edge({ v: k(e.from), w: k(e.to), name: `e${i}` }) as { points?: { x: number; y: number }[] }).points ?? []) })) };
}

/** A straight line from one box's edge to the other's, toward their centres. */
function between(a: Box, b: Box): { x: number; y: number }[] {
  const exit = (from: Box, to: Box): { x: number; y: number } => {
    const dx = to.x - from.x;
    const dy = to.y - from.y;
    if (dx === 0 && dy === 0) return { x: from.x, y: from.y };
    const scale = Math.min(dx === 0 ? Infinity : from.width / 2 / Math.abs(dx), dy === 0 ? Infinity : from.height / 2 / Math.abs(dy));
    return { x: from.x + dx * scale, y: from.y + dy * scale };
  };
  return [exit(a, b), exit(b, a)];
}

function edgeLabel(node: ProcessNode, name: string, guard: string | null, key: string): string {
  const parts = [name, guard === null ? '' : `[${guard}]`, node.defaultTransition === key ? '(default)' : '', node.timer?.transition === key ? `⏱ ${dueText(node.timer.due)}` : ''];
  return short(parts.filter((p) => p !== '').join(' '), 60);
}

function shape(n: ProcessNode, b: Box): string {
  const left = b.x - b.width / 2;
  const top = b.y - b.height / 2;
  const title = `<title>${escape(`${n.name} (${n.kind})`)}</title>`;
  const label = (y: number): string => `<text x="${b.x}" y="${y}" text-anchor="middle" font-size="12">${escape(short(n.name, 24))}</text>`;
  switch (n.kind) {
    case 'start':
    case 'end':
      return `<g class="${n.kind}">${title}<circle cx="${b.x}" cy="${b.y}" r="${Math.min(b.width, b.height) / 2}" fill="#fff" stroke="#222" stroke-width="${n.kind === 'end' ? 4 : 1.5}"/>${label(b.y + b.height / 2 + 14)}</g>`;
    case 'decision':
      return `<g class="decision">${title}<polygon points="${b.x},${top} ${left + b.width},${b.y} ${b.x},${top + b.height} ${left},${b.y}" fill="#fff" stroke="#222" stroke-width="1.5"/>${n.rules ? `<text x="${b.x}" y="${b.y + 4}" text-anchor="middle" font-size="10">rules</text>` : ''}${label(top + b.height + 14)}</g>`;
    case 'fork':
    case 'join':
      // A bar as jPDL draws it; where a modeler gave it a gateway's square, BPMN's diamond with a plus.
      if (b.width >= 20) {
        const plus = `<path d="M${b.x - b.width / 5},${b.y} H${b.x + b.width / 5} M${b.x},${b.y - b.height / 5} V${b.y + b.height / 5}" stroke="#222" stroke-width="3"/>`;
        return `<g class="${n.kind}">${title}<polygon points="${b.x},${top} ${left + b.width},${b.y} ${b.x},${top + b.height} ${left},${b.y}" fill="#fff" stroke="#222" stroke-width="1.5"/>${plus}${label(top - 6)}</g>`;
      }
      return `<g class="${n.kind}">${title}<rect x="${left}" y="${top}" width="${b.width}" height="${b.height}" fill="#222"/>${label(top - 6)}</g>`;
    default: {
      const extra = [n.timer ? `⏱ ${dueText(n.timer.due)}` : '', n.message ? `✉ ${n.message}` : ''].filter((x) => x !== '').join(' ');
      return `<g class="${n.kind}">${title}<rect x="${left}" y="${top}" width="${b.width}" height="${b.height}" rx="${n.kind === 'wait' ? 10 : 0}" fill="${n.kind === 'wait' ? '#eef4ff' : '#fff'}" stroke="#222" stroke-width="1.5"/>${label(b.y + (extra ? 0 : 4))}${extra ? `<text x="${b.x}" y="${b.y + 16}" text-anchor="middle" font-size="10">${escape(short(extra, 28))}</text>` : ''}</g>`;
    }
  }
}

export function renderSvg(def: ProcessDefinition): string {
  const { boxes, edges } = layout(def);
  const all = [...boxes.values()];
  const width = Math.ceil(Math.max(...all.map((b) => b.x + b.width / 2)) + MARGIN);
  const height = Math.ceil(Math.max(...all.map((b) => b.y + b.height / 2)) + MARGIN + 16);
  const lines = edges.map((e) => {
    const points = e.points.map((p) => `${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const middle = e.points[Math.floor(e.points.length / 2)] ?? { x: 0, y: 0 };
    return `<g class="transition"><polyline points="${points}" fill="none" stroke="#444" stroke-width="1.2" marker-end="url(#arrow)"/>${e.label ? `<text x="${middle.x.toFixed(1)}" y="${(middle.y - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#333">${escape(e.label)}</text>` : ''}</g>`;
  });
  const shapes = [...def.nodes.values()].map((n) => shape(n, boxes.get(n.id) as Box));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<title>${escape(def.name)}</title>`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#444"/></marker></defs>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...lines,
    ...shapes,
    '</svg>',
  ].join('\n');
}

/**
 * A process file of a bundle into checked definitions (spec/processes.md, "Validation"): the
 * notation by the file's name (`*.jpdl.xml` jPDL, `*.bpmn` BPMN), read into the model, then
 * checked as a whole. Every refusal names the element. Compiled once per distinct text.
 */
import { ContentCache } from '../runtime/content-cache.js';
import type { Network } from '../rules/network.js';
import { readBpmn } from './bpmn.js';
import { compileGuards } from './guards.js';
import { readJpdl, type RawDefinition } from './jpdl.js';
import { PROCESS_LIMITS, ProcessDefinitionError, transitionKey, type ProcessDefinition, type ProcessNode } from './model.js';

/** Whether a bundle file holds process definitions. */
export function isProcessFile(name: string): boolean {
  return name.endsWith('.jpdl.xml') || name.endsWith('.bpmn');
}

/** Compiled files kept for reuse, with what their guards were paid: the least recently used leaves past 64. */
const cache = new ContentCache<{ definitions: ProcessDefinition[]; guardBytes: number }>(64);

/**
 * The work of compiling a file, told to `pay` before it is done: its bytes (`xml`), then the
 * bytes of its guards (`guards`, compiled by the rules engine, the dearer part). A file found
 * compiled is paid the same, so what a caller is charged never depends on the cache.
 */
export type CompilePay = (work: 'xml' | 'guards', bytes: number) => void;

/** The definitions of `source` (the file `file` of a bundle); a ProcessDefinitionError naming the element when one is wrong. */
export function compileProcessFile(file: string, source: string, pay: CompilePay = () => undefined): ProcessDefinition[] {
  pay('xml', Buffer.byteLength(source));
  return cache.get(file, source, () => compile(file, source, pay), (hit) => pay('guards', hit.guardBytes)).definitions;
}

function compile(file: string, source: string, pay: CompilePay): { definitions: ProcessDefinition[]; guardBytes: number } {
  if (!isProcessFile(file)) throw new ProcessDefinitionError(file, null, 'not a process file: *.jpdl.xml (jPDL) or *.bpmn (BPMN 2.0)');
  // A file is the deployer's input: whatever a reader or the compiler trips on in it is a
  // refusal of the file, never an error that would fail the block. What `pay` throws (out of
  // gas) is the caller's and passes untouched: it is called outside these.
  const raw = refusing(file, () => (file.endsWith('.bpmn') ? readBpmn(file, source) : [readJpdl(file, source)]));
  const guardBytes = raw.reduce((n, r) => n + r.nodes.reduce((m, node) => m + node.transitions.reduce((k, t) => k + (t.guard === null ? 0 : Buffer.byteLength(t.guard)), 0), 0), 0);
  pay('guards', guardBytes);
  const definitions = refusing(file, () => {
    const names = new Set<string>();
    return raw.map((r) => {
      if (names.has(r.name)) throw new ProcessDefinitionError(file, r.name, 'a second process of this name in the file');
      names.add(r.name);
      return check(r);
    });
  });
  return { definitions, guardBytes };
}

function refusing<T>(file: string, run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof ProcessDefinitionError) throw err;
    throw new ProcessDefinitionError(file, null, `cannot be read: ${err instanceof Error ? err.message.slice(0, 200) : 'an unknown failure'}`);
  }
}

function check(raw: RawDefinition): ProcessDefinition {
  const { file } = raw;
  const fail = (element: string | null, message: string): never => {
    throw new ProcessDefinitionError(file, element, message);
  };
  if (raw.nodes.length > PROCESS_LIMITS.nodes) fail(raw.name, `more than ${PROCESS_LIMITS.nodes} nodes`);
  const nodes = new Map<string, ProcessNode>();
  for (const n of raw.nodes) {
    if (nodes.has(n.id)) fail(n.name, 'a second node of this name');
    nodes.set(n.id, n);
  }
  const starts = raw.nodes.filter((n) => n.kind === 'start');
  if (starts.length !== 1) fail(raw.name, starts.length === 0 ? 'no start' : `${starts.length} starts (${starts.map((s) => `"${s.name}"`).join(', ')}); a process has one`);
  const incoming = new Map<string, number>();
  for (const n of raw.nodes) {
    if (n.transitions.length > PROCESS_LIMITS.transitionsPerNode) fail(n.name, `more than ${PROCESS_LIMITS.transitionsPerNode} transitions`);
    const keys = new Set<string>();
    for (const t of n.transitions) {
      if (!nodes.has(t.to)) fail(n.name, `a transition to "${t.to}", which is not in the process`);
      const key = transitionKey(t);
      if (keys.has(key)) fail(n.name, `two transitions named "${key}": a signal could not tell them apart`);
      keys.add(key);
      incoming.set(t.to, (incoming.get(t.to) ?? 0) + 1);
    }
    checkKind(n, fail);
    if (n.timer && !keys.has(n.timer.transition)) fail(n.name, `its timer takes "${n.timer.transition}", which is not one of its transitions`);
    if (n.defaultTransition !== null && !keys.has(n.defaultTransition)) fail(n.name, `its default "${n.defaultTransition}" is not one of its transitions`);
  }
  for (const n of raw.nodes) if (n.kind === 'join' && (incoming.get(n.id) ?? 0) < 2) fail(n.name, 'a join with fewer than two ways in');
  const start = starts[0] as ProcessNode;
  const reached = reach(nodes, start.id, () => true);
  for (const n of raw.nodes) if (!reached.has(n.id)) fail(n.name, `unreachable: no path from "${start.name}" leads here`);
  // A join closes the nearest fork that every path to it passes (its nearest dominating fork);
  // a join that no fork dominates has none to close.
  const dominators = dominatorsOf(nodes, start.id);
  const joins = new Map<string, string>();
  for (const n of raw.nodes) {
    if (n.kind !== 'join') continue;
    let fork: string | undefined;
    for (let d = dominators.get(n.id); d !== undefined && d !== n.id; d = dominators.get(d)) {
      if (nodes.get(d)?.kind === 'fork') {
        fork = d;
        break;
      }
      if (d === start.id) break;
    }
    if (fork === undefined) fail(n.name, `a join without a matching fork: a path from "${start.name}" reaches it through no fork`);
    joins.set(n.id, fork as string);
  }
  const guards = new Map<string, Network>();
  for (const n of raw.nodes) {
    if (n.kind !== 'decision' || n.rules !== null) continue;
    const network = compileGuards(file, n);
    if (network) guards.set(n.id, network);
  }
  return { name: raw.name, file, notation: raw.notation, start: start.id, nodes, guards, joins };
}

function checkKind(n: ProcessNode, fail: (element: string, message: string) => never): void {
  const out = n.transitions.length;
  switch (n.kind) {
    case 'start':
    case 'task':
      if (out !== 1) fail(n.name, `a ${n.kind === 'start' ? 'start' : 'task'} with ${out} ways out; it has one`);
      return;
    case 'wait':
      if (out === 0) fail(n.name, 'a wait state with no way out');
      return;
    case 'fork':
      if (out < 2) fail(n.name, `a fork with ${out} way${out === 1 ? '' : 's'} out; it has two or more`);
      return;
    case 'join':
      if (out !== 1) fail(n.name, `a join with ${out} ways out; it has one`);
      return;
    case 'end':
      if (out !== 0) fail(n.name, 'an end with a way out');
      return;
    case 'decision': {
      if (out === 0) fail(n.name, 'a decision with no way out');
      if (n.rules !== null) return;
      const unguarded = n.transitions.filter((t) => t.guard === null && transitionKey(t) !== n.defaultTransition);
      if (unguarded.length > 0) fail(n.name, `the transition to "${(unguarded[0] as { to: string }).to}" has no condition and is not the default: give it a condition, or make it the default`);
      if (n.defaultTransition === null) fail(n.name, 'a decision without a default path: when no condition holds the token would have nowhere to go; leave one transition without a condition (jPDL) or mark one flow default= (BPMN)');
      return;
    }
  }
}

/**
 * Each node's immediate dominator (the start's is itself): the iterative algorithm of Cooper,
 * Harvey and Kennedy over a reverse post-order; every node is reachable (checked before).
 */
function dominatorsOf(nodes: ReadonlyMap<string, ProcessNode>, start: string): Map<string, string> {
  const order: string[] = [];
  const seen = new Set<string>([start]);
  // An iterative depth-first post-order: a definition may be a long chain.
  const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as { id: string; next: number };
    const out = nodes.get(top.id)?.transitions ?? [];
    if (top.next < out.length) {
      const to = (out[top.next++] as { to: string }).to;
      if (!seen.has(to)) {
        seen.add(to);
        stack.push({ id: to, next: 0 });
      }
    } else {
      order.push(top.id);
      stack.pop();
    }
  }
  order.reverse();
  const rank = new Map(order.map((id, i) => [id, i]));
  const preds = new Map<string, string[]>(order.map((id) => [id, []]));
  for (const id of order) for (const t of nodes.get(id)?.transitions ?? []) preds.get(t.to)?.push(id);
  const idom = new Map<string, string>([[start, start]]);
  const intersect = (a: string, b: string): string => {
    let x = a;
    let y = b;
    while (x !== y) {
      while ((rank.get(x) as number) > (rank.get(y) as number)) x = idom.get(x) as string;
      while ((rank.get(y) as number) > (rank.get(x) as number)) y = idom.get(y) as string;
    }
    return x;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of order) {
      if (id === start) continue;
      let best: string | undefined;
      for (const p of preds.get(id) ?? []) if (idom.has(p)) best = best === undefined ? p : intersect(p, best);
      if (best !== undefined && idom.get(id) !== best) {
        idom.set(id, best);
        changed = true;
      }
    }
  }
  return idom;
}

/** The nodes reachable from `from`, entering only nodes `through` accepts (besides `from`). */
function reach(nodes: ReadonlyMap<string, ProcessNode>, from: string, through: (n: ProcessNode) => boolean): Set<string> {
  const seen = new Set<string>([from]);
  const pending = [from];
  for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
    for (const t of nodes.get(id)?.transitions ?? []) {
      if (seen.has(t.to)) continue;
      seen.add(t.to);
      const next = nodes.get(t.to);
      if (next && through(next)) pending.push(t.to);
    }
  }
  return seen;
}

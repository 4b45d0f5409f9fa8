/**
 * A process file of a bundle into checked definitions (spec/processes.md, "Validation"): the
 * notation by the file's name (`*.jpdl.xml` jPDL, `*.bpmn` BPMN), read into the model, then
 * checked as a whole. Every refusal names the element. Compiled once per distinct text.
 */
import { createHash } from 'node:crypto';
import type { Network } from '../rules/network.js';
import { readBpmn } from './bpmn.js';
import { compileGuards } from './guards.js';
import { readJpdl, type RawDefinition } from './jpdl.js';
import { PROCESS_LIMITS, ProcessDefinitionError, transitionKey, type ProcessDefinition, type ProcessNode } from './model.js';

/** Whether a bundle file holds process definitions. */
export function isProcessFile(name: string): boolean {
  return name.endsWith('.jpdl.xml') || name.endsWith('.bpmn');
}

const CACHED = 64;
const cache = new Map<string, ProcessDefinition[]>();

/** The definitions of `source` (the file `file` of a bundle); a ProcessDefinitionError naming the element when one is wrong. */
export function compileProcessFile(file: string, source: string): ProcessDefinition[] {
  const key = createHash('sha256').update(file).update('\0').update(source).digest('hex');
  const cached = cache.get(key);
  if (cached) {
    cache.delete(key);
    cache.set(key, cached);
    return cached;
  }
  if (!isProcessFile(file)) throw new ProcessDefinitionError(file, null, 'not a process file: *.jpdl.xml (jPDL) or *.bpmn (BPMN 2.0)');
  const raw = file.endsWith('.bpmn') ? readBpmn(file, source) : [readJpdl(file, source)];
  const names = new Set<string>();
  const definitions = raw.map((r) => {
    if (names.has(r.name)) throw new ProcessDefinitionError(file, r.name, 'a second process of this name in the file');
    names.add(r.name);
    return check(r);
  });
  cache.set(key, definitions);
  if (cache.size > CACHED) cache.delete(cache.keys().next().value as string);
  return definitions;
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
  // A join closes a fork: reaching it from the start without passing a fork means it has none.
  const unforked = reach(nodes, start.id, (n) => n.kind !== 'fork');
  for (const n of raw.nodes) if (n.kind === 'join' && unforked.has(n.id)) fail(n.name, `a join without a matching fork: a path from "${start.name}" reaches it through no fork`);
  const guards = new Map<string, Network>();
  for (const n of raw.nodes) {
    if (n.kind !== 'decision' || n.rules !== null) continue;
    const network = compileGuards(file, n);
    if (network) guards.set(n.id, network);
  }
  return { name: raw.name, file, notation: raw.notation, start: start.id, nodes, guards };
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

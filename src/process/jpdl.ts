/**
 * jPDL (jBPM 3's process definition language) into the model: `process-definition` holding
 * `start-state`, `state` and `task-node` (wait states, with `timer`s), `node` (passes), `decision`
 * (conditions on its transitions, or `rules="file.drl"`), `fork`, `join`, `end-state`, each with
 * `transition`s. What runs Java (`action`, `event`, `script`, handlers) is refused by name: a
 * contract cannot load classes, and a silently dropped action would change what the process does.
 */
import { guardText } from './guards.js';
import { PROCESS_LIMITS, ProcessDefinitionError, transitionKey, type NodeKind, type ProcessNode, type Timer, type Transition } from './model.js';
import { parseDuration } from './timers.js';
import { readXml, type XmlElement } from './xml-tree.js';

const KINDS: ReadonlyMap<string, NodeKind> = new Map(Object.entries({
  'start-state': 'start',
  state: 'wait',
  'task-node': 'wait',
  node: 'task',
  decision: 'decision',
  fork: 'fork',
  join: 'join',
  'end-state': 'end',
} satisfies Record<string, NodeKind>));

/** Elements that carry documentation or a human task's description only. */
const INERT = new Set(['description', 'task', 'swimlane']);

/** What jPDL runs as Java or as another process, which a contract cannot. */
const REFUSED = new Set(['action', 'event', 'script', 'exception-handler', 'handler', 'super-state', 'process-state', 'mail-node', 'create-timer', 'cancel-timer']);

export interface RawDefinition {
  name: string;
  file: string;
  notation: 'jpdl' | 'bpmn';
  nodes: ProcessNode[];
}

export function readJpdl(file: string, source: string): RawDefinition {
  const root = readXml(file, source);
  if (root.name !== 'process-definition') throw new ProcessDefinitionError(file, null, `the root element is <${root.name}>, not <process-definition>`);
  const name = attr(file, root, 'name', 'the process');
  const nodes: ProcessNode[] = [];
  for (const child of root.children) {
    if (INERT.has(child.name)) continue;
    const kind = KINDS.get(child.name);
    if (kind === undefined) throw refusal(file, child, `<process-definition>`);
    nodes.push(readNode(file, child, kind));
  }
  return { name, file, notation: 'jpdl', nodes };
}

function readNode(file: string, element: XmlElement, kind: NodeKind): ProcessNode {
  const name = attr(file, element, 'name', `a <${element.name}>`);
  const transitions: Transition[] = [];
  let timer: Timer | null = null;
  for (const child of element.children) {
    if (INERT.has(child.name)) continue;
    if (child.name === 'transition') transitions.push(readTransition(file, name, child));
    else if (child.name === 'timer' && kind === 'wait') {
      if (timer) throw new ProcessDefinitionError(file, name, `line ${child.line}: a second <timer>; a state has at most one`);
      timer = readTimer(file, name, child);
    } else throw refusal(file, child, `<${element.name} name="${name}">`);
  }
  const rules = element.attrs.rules ?? null;
  if (rules !== null && kind !== 'decision') throw new ProcessDefinitionError(file, name, `line ${element.line}: only a decision takes rules=`);
  if (rules !== null && !rules.endsWith('.drl')) throw new ProcessDefinitionError(file, name, `line ${element.line}: rules="${rules.slice(0, 80)}" is not a rule file (*.drl)`);
  if (element.attrs.expression !== undefined) throw new ProcessDefinitionError(file, name, `line ${element.line}: a decision's expression= is not supported; put conditions on its transitions, or rules="file.drl"`);
  const unguarded = transitions.filter((t) => t.guard === null);
  return {
    id: name,
    name,
    kind,
    transitions,
    // A decision's one transition without a condition is the way when no condition holds.
    defaultTransition: kind === 'decision' && unguarded.length === 1 ? transitionKey(unguarded[0] as Transition) : null,
    rules,
    timer,
    message: null,
    completes: kind === 'end' && element.attrs['end-complete-process'] === 'true',
    line: element.line,
    bounds: null,
  };
}

function readTransition(file: string, node: string, element: XmlElement): Transition {
  const to = attr(file, element, 'to', `a transition of "${node}"`);
  const conditions = element.children.filter((c) => c.name === 'condition');
  const other = element.children.find((c) => c.name !== 'condition' && !INERT.has(c.name));
  if (other) throw refusal(file, other, `a transition of "${node}"`);
  if (conditions.length > 1) throw new ProcessDefinitionError(file, node, `line ${element.line}: a transition with ${conditions.length} conditions; at most one`);
  const condition = conditions[0];
  const text = condition ? (condition.attrs.expression ?? condition.text) : (element.attrs.condition ?? null);
  if (text !== null && text.length > PROCESS_LIMITS.guardLength) throw new ProcessDefinitionError(file, node, `line ${element.line}: a condition of more than ${PROCESS_LIMITS.guardLength} characters`);
  const guard = text === null ? null : guardText(text);
  if (guard === '') throw new ProcessDefinitionError(file, node, `line ${element.line}: an empty condition`);
  return { name: element.attrs.name ?? '', id: '', to, guard };
}

function readTimer(file: string, node: string, element: XmlElement): Timer {
  const text = attr(file, element, 'duedate', `the timer of "${node}"`);
  const due = parseDuration(text);
  if (!due) throw new ProcessDefinitionError(file, node, `line ${element.line}: duedate="${text.slice(0, 60)}" is not "N blocks" or "N seconds|minutes|hours|days|weeks"`);
  const transition = attr(file, element, 'transition', `the timer of "${node}"`);
  return { due, transition, source: node };
}

function attr(file: string, element: XmlElement, name: string, what: string): string {
  const value = element.attrs[name];
  if (value === undefined || value.trim() === '') throw new ProcessDefinitionError(file, null, `line ${element.line}: ${what} has no ${name}=`);
  if (value.length > PROCESS_LIMITS.nameLength) throw new ProcessDefinitionError(file, null, `line ${element.line}: ${what}'s ${name}= is longer than ${PROCESS_LIMITS.nameLength} characters`);
  return value;
}

function refusal(file: string, element: XmlElement, inside: string): ProcessDefinitionError {
  const why = REFUSED.has(element.name) ? 'runs Java or another process, which a contract cannot' : 'is not part of the jPDL this node runs (spec/processes.md)';
  return new ProcessDefinitionError(file, null, `line ${element.line}: <${element.name}> in ${inside} ${why}`);
}

/**
 * BPMN 2.0 into the model, read by bpmn-moddle (the bpmn.io parser the common modelers save
 * with). The subset (spec/processes.md, "BPMN"): start and end events (terminate ends the
 * instance), tasks (pass), user, receive and manual tasks (wait; a receive task's message names
 * it too), exclusive gateways (conditions on their flows, `default=`, or `cmt:rules="f.drl"`),
 * parallel gateways (split, join, or both), intermediate catch events with a timer or a message
 * (wait), interrupting timer boundary events on a wait task, and sequence flows. Anything else
 * that changes the flow is refused by its id; diagram-only elements are skipped. A modeler's
 * positions (BPMN DI) are kept for `cmt process render`.
 *
 * moddle-xml's reader returns a promise, but it parses inside the promise's executor, which
 * runs at once: the tree is complete when `fromXML` returns. A deploy is synchronous, so this
 * reads it there (pinned versions; a test checks it).
 */
import { BpmnModdle } from 'bpmn-moddle';
import { Reader, type ModdleElement, type RootHandler } from 'moddle-xml';
import { guardText } from './guards.js';
import type { RawDefinition } from './jpdl.js';
import { PROCESS_LIMITS, ProcessDefinitionError, transitionKey, type NodeKind, type ProcessNode, type Timer, type Transition } from './model.js';
import { parseDate, parseDuration } from './timers.js';
import { readXml } from './xml-tree.js';

const TASKS: ReadonlyMap<string, NodeKind> = new Map(Object.entries({
  'bpmn:Task': 'task',
  'bpmn:ServiceTask': 'task',
  'bpmn:ScriptTask': 'task',
  'bpmn:SendTask': 'task',
  'bpmn:BusinessRuleTask': 'task',
  'bpmn:IntermediateThrowEvent': 'task',
  'bpmn:UserTask': 'wait',
  'bpmn:ReceiveTask': 'wait',
  'bpmn:ManualTask': 'wait',
} satisfies Record<string, NodeKind>));

/** In a process but not in its flow: documentation and data. */
const INERT = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference', 'bpmn:TextAnnotation', 'bpmn:Association', 'bpmn:Group']);

/** The attribute an exclusive gateway names its rule file with. */
export const RULES_ATTRIBUTE = 'cmt:rules';

type Bounds = NonNullable<ProcessNode['bounds']>;

const str = (e: ModdleElement, key: string): string | undefined => (typeof e[key] === 'string' ? (e[key] as string) : undefined);

/** Ids and names are kept in every instance and step: as long as jPDL's names at most. */
function checkNames(file: string, e: ModdleElement): void {
  for (const key of ['id', 'name']) {
    const v = str(e, key);
    if (v !== undefined && v.length > PROCESS_LIMITS.nameLength) throw new ProcessDefinitionError(file, `${v.slice(0, 40)}…`, `a ${key} longer than ${PROCESS_LIMITS.nameLength} characters`);
  }
}
const list = (e: ModdleElement, key: string): ModdleElement[] => (Array.isArray(e[key]) ? (e[key] as ModdleElement[]) : []);
const ref = (e: ModdleElement, key: string): ModdleElement | undefined => (typeof e[key] === 'object' && e[key] !== null ? (e[key] as ModdleElement) : undefined);
const idOf = (e: ModdleElement): string => str(e, 'id') ?? '(an element without id)';

export function readBpmn(file: string, source: string): RawDefinition[] {
  if (Buffer.byteLength(source) > PROCESS_LIMITS.fileBytes) throw new ProcessDefinitionError(file, null, `more than ${PROCESS_LIMITS.fileBytes} bytes`);
  // First the bounds every XML file of a bundle keeps (size, depth, elements, no DOCTYPE,
  // well-formed), read in one linear pass.
  readXml(file, source);
  const reader = new Reader({ model: new BpmnModdle(), lax: true });
  const handler = reader.handler('bpmn:Definitions');
  const warning = stopAtFirstWarning(handler);
  // moddle-xml asks saxen where each problem is, and saxen counts the lines from the start every
  // time: with the line breaks made spaces (whitespace either way, in XML's attribute values
  // too) the one ask is cheap.
  reader.fromXML(source.replace(/\r\n|\r|\n/g, ' '), handler).catch(() => undefined); // what failed is in the warning, read below
  if (warning.first !== undefined) throw new ProcessDefinitionError(file, null, `not BPMN 2.0 this node reads: ${warning.first.replace(/\s+/g, ' ').replace(/ line: \d+ column: \d+/, '').slice(0, 300)}`);
  const definitions = handler.element;
  if (!definitions) throw new ProcessDefinitionError(file, null, 'no <bpmn:definitions>');
  const { bounds, lines } = diagram(definitions);
  const processes = list(definitions, 'rootElements').filter((e) => e.$type === 'bpmn:Process');
  if (processes.length === 0) throw new ProcessDefinitionError(file, null, 'no <bpmn:process>');
  return processes.map((p) => readProcess(file, p, bounds, lines));
}

/**
 * The reader's first warning, and the parse stopped there: a file with a problem is refused
 * anyway, and moddle-xml in its lax mode would otherwise go on (at some cost per problem: an
 * error object and a position each) through every other one. The reader sets its context on
 * the handler before it parses; its warnings go through the context's addWarning.
 */
function stopAtFirstWarning(handler: RootHandler): { first?: string } {
  const found: { first?: string } = {};
  let context: RootHandler['context'] | undefined;
  Object.defineProperty(handler, 'context', {
    configurable: true,
    enumerable: true,
    get: () => context,
    set: (c: RootHandler['context'] & { addWarning(w: { message: string }): void }) => {
      context = c;
      c.addWarning = (w: { message: string }) => {
        found.first ??= w.message;
        c.warnings.push(w);
        throw new Error('stopped at the first problem');
      };
    },
  });
  return found;
}

function readProcess(file: string, process: ModdleElement, bounds: ReadonlyMap<string, Bounds>, lines: ReadonlyMap<string, { x: number; y: number }[]>): RawDefinition {
  checkNames(file, process);
  const name = str(process, 'name') ?? idOf(process);
  const elements = list(process, 'flowElements');
  for (const e of elements) checkNames(file, e);
  if (elements.length > PROCESS_LIMITS.nodes * 2) throw new ProcessDefinitionError(file, name, `more than ${PROCESS_LIMITS.nodes * 2} elements`);
  const flows = elements.filter((e) => e.$type === 'bpmn:SequenceFlow');
  const outgoing = new Map<string, ModdleElement[]>();
  const incoming = new Map<string, number>();
  for (const f of flows) {
    const from = ref(f, 'sourceRef');
    const to = ref(f, 'targetRef');
    if (!from || !to) throw new ProcessDefinitionError(file, idOf(f), 'a sequence flow without both a source and a target');
    outgoing.set(idOf(from), [...(outgoing.get(idOf(from)) ?? []), f]);
    incoming.set(idOf(to), (incoming.get(idOf(to)) ?? 0) + 1);
  }
  const nodes: ProcessNode[] = [];
  const boundaries = elements.filter((e) => e.$type === 'bpmn:BoundaryEvent');
  for (const e of elements) {
    if (e.$type === 'bpmn:SequenceFlow' || e.$type === 'bpmn:BoundaryEvent' || INERT.has(e.$type)) continue;
    nodes.push(...readNode(file, e, outgoing.get(idOf(e)) ?? [], incoming.get(idOf(e)) ?? 0, bounds));
  }
  for (const b of boundaries) attachBoundary(file, b, outgoing.get(idOf(b)) ?? [], nodes);
  for (const n of nodes) for (const t of n.transitions) if (lines.has(t.id)) t.points = lines.get(t.id);
  return { name, file, notation: 'bpmn', nodes };
}

function readNode(file: string, e: ModdleElement, out: ModdleElement[], incoming: number, bounds: ReadonlyMap<string, Bounds>): ProcessNode[] {
  const id = idOf(e);
  const base = (kind: NodeKind, transitions: Transition[]): ProcessNode => ({
    id,
    name: str(e, 'name') ?? id,
    kind,
    transitions,
    defaultTransition: null,
    rules: null,
    timer: null,
    message: null,
    completes: false,
    line: 0,
    bounds: bounds.get(id) ?? null,
  });
  const flowsOut = (): Transition[] => out.map((f) => transition(file, f));
  const definitions = list(e, 'eventDefinitions');
  if (definitions.length > 1) throw new ProcessDefinitionError(file, id, 'an event with more than one event definition');
  const definition = definitions[0];
  switch (e.$type) {
    case 'bpmn:StartEvent':
      if (definition) throw new ProcessDefinitionError(file, id, `a start event with a ${definition.$type.slice(5)}: start instances with process.start`);
      return split(base('start', unconditional(file, id, flowsOut())));
    case 'bpmn:EndEvent': {
      if (definition && definition.$type !== 'bpmn:TerminateEventDefinition') throw new ProcessDefinitionError(file, id, `an end event with a ${definition.$type.slice(5)} is not supported`);
      return [{ ...base('end', []), completes: definition !== undefined }];
    }
    case 'bpmn:ExclusiveGateway': {
      const node = base('decision', flowsOut());
      const fallback = ref(e, 'default');
      if (fallback && !out.includes(fallback)) throw new ProcessDefinitionError(file, id, `default="${idOf(fallback).slice(0, 80)}" is not one of the gateway's own sequence flows out`);
      const rules = e.$attrs?.[RULES_ATTRIBUTE] ?? null;
      if (rules !== null && !rules.endsWith('.drl')) throw new ProcessDefinitionError(file, id, `${RULES_ATTRIBUTE}="${rules.slice(0, 80)}" is not a rule file (*.drl)`);
      // A gateway that only merges (one way out) passes the token on.
      if (out.length === 1 && rules === null && node.transitions[0]?.guard === null) return [{ ...node, kind: 'task' }];
      return [{ ...node, rules, defaultTransition: fallback ? transitionKey(transition(file, fallback)) : null, transitions: node.transitions.map((t, i) => (out[i] === fallback ? { ...t, guard: null } : t)) }];
    }
    case 'bpmn:ParallelGateway': {
      const transitions = unconditional(file, id, flowsOut());
      if (incoming > 1 && transitions.length > 1) {
        // Both a join and a split: the join, then a fork after it.
        const fork = `${id}#split`;
        return [base('join', [{ name: '', id: '', to: fork, guard: null }]), { ...base('fork', transitions), id: fork, bounds: null }];
      }
      return [base(incoming > 1 ? 'join' : 'fork', transitions)];
    }
    case 'bpmn:IntermediateCatchEvent': {
      const transitions = unconditional(file, id, flowsOut());
      if (definition?.$type === 'bpmn:TimerEventDefinition') {
        if (transitions.length !== 1) throw new ProcessDefinitionError(file, id, 'a timer event with other than one way out');
        const t = transitions[0] as Transition;
        return [{ ...base('wait', transitions), timer: timerOf(file, id, definition, transitionKey(t)) }];
      }
      if (definition?.$type === 'bpmn:MessageEventDefinition') return split({ ...base('wait', transitions), message: messageName(definition) });
      throw new ProcessDefinitionError(file, id, 'an intermediate catch event with neither a timer nor a message');
    }
    default: {
      const kind = TASKS.get(e.$type);
      if (kind === undefined) throw new ProcessDefinitionError(file, id, `<${e.$type}> is not part of the BPMN this node runs (spec/processes.md)`);
      if (definition) throw new ProcessDefinitionError(file, id, `an event with a ${definition.$type.slice(5)} is not supported here`);
      const node = base(kind, unconditional(file, id, flowsOut()));
      const message = e.$type === 'bpmn:ReceiveTask' ? ref(e, 'messageRef') : undefined;
      return split(message ? { ...node, message: (str(message, 'name') ?? idOf(message)).slice(0, PROCESS_LIMITS.nameLength) } : node);
    }
  }
}

/**
 * A node with several ways out and no gateway: BPMN splits the token (an implicit parallel
 * gateway), after the task is done for a wait task. A BPMN choice is an exclusive gateway.
 */
function split(node: ProcessNode): ProcessNode[] {
  if (node.transitions.length <= 1) return [node];
  const fork = `${node.id}#split`;
  return [
    { ...node, transitions: [{ name: '', id: '', to: fork, guard: null }] },
    { ...node, id: fork, name: `${node.name} (split)`, kind: 'fork', message: null, bounds: null },
  ];
}

function unconditional(file: string, id: string, transitions: Transition[]): Transition[] {
  if (transitions.some((t) => t.guard !== null)) throw new ProcessDefinitionError(file, id, 'a condition on a flow that does not leave an exclusive gateway: put an exclusive gateway there');
  return transitions;
}

function transition(file: string, flow: ModdleElement): Transition {
  const to = ref(flow, 'targetRef') as ModdleElement;
  const condition = ref(flow, 'conditionExpression');
  const body = condition ? (str(condition, 'body') ?? '') : null;
  if (body !== null && body.length > PROCESS_LIMITS.guardLength) throw new ProcessDefinitionError(file, idOf(flow), `a condition of more than ${PROCESS_LIMITS.guardLength} characters`);
  const guard = body === null ? null : guardText(body);
  if (guard === '') throw new ProcessDefinitionError(file, idOf(flow), 'an empty condition');
  return { name: str(flow, 'name') ?? '', id: idOf(flow), to: idOf(to), guard };
}

function timerOf(file: string, id: string, definition: ModdleElement, transitionName: string): Timer {
  const duration = ref(definition, 'timeDuration');
  const date = ref(definition, 'timeDate');
  if (ref(definition, 'timeCycle')) throw new ProcessDefinitionError(file, id, 'a repeating timer (timeCycle) is not supported');
  const text = str(duration ?? date ?? definition, 'body') ?? '';
  const due = duration ? parseDuration(text) : date ? parseDate(text) : null;
  if (!due) throw new ProcessDefinitionError(file, id, `the timer "${text.slice(0, 60)}" is not an ISO 8601 duration (PT30S), "N blocks", or a date-time with a zone`);
  return { due, transition: transitionName, source: id };
}

function messageName(definition: ModdleElement): string {
  const message = ref(definition, 'messageRef');
  const name = message ? (str(message, 'name') ?? idOf(message)) : idOf(definition);
  return name.slice(0, PROCESS_LIMITS.nameLength);
}

/** An interrupting timer on a wait task: the task gets the boundary's way out as a transition its timer takes. */
function attachBoundary(file: string, boundary: ModdleElement, out: ModdleElement[], nodes: ProcessNode[]): void {
  const id = idOf(boundary);
  const host = ref(boundary, 'attachedToRef');
  const node = nodes.find((n) => n.id === (host ? idOf(host) : ''));
  const definition = list(boundary, 'eventDefinitions')[0];
  if (!node || node.kind !== 'wait') throw new ProcessDefinitionError(file, id, 'a boundary event on something other than a user, receive or manual task');
  if (definition?.$type !== 'bpmn:TimerEventDefinition') throw new ProcessDefinitionError(file, id, 'a boundary event other than a timer');
  if (boundary.cancelActivity === false) throw new ProcessDefinitionError(file, id, 'a non-interrupting boundary timer is not supported');
  if (node.timer) throw new ProcessDefinitionError(file, id, `a second timer on "${node.name}"`);
  if (out.length !== 1) throw new ProcessDefinitionError(file, id, 'a boundary timer with other than one way out');
  const flow = transition(file, out[0] as ModdleElement);
  const name = flow.name || (str(boundary, 'name') ?? id);
  node.transitions.push({ ...flow, name });
  node.timer = timerOf(file, id, definition, name);
}

/** What a modeler drew: each shape's bounds and each flow's line, by element id. */
function diagram(definitions: ModdleElement): { bounds: Map<string, Bounds>; lines: Map<string, { x: number; y: number }[]> } {
  const bounds = new Map<string, Bounds>();
  const lines = new Map<string, { x: number; y: number }[]>();
  const n = (e: ModdleElement, k: string): number => (typeof e[k] === 'number' && Number.isFinite(e[k]) ? (e[k] as number) : 0);
  for (const d of list(definitions, 'diagrams')) {
    const plane = ref(d, 'plane');
    for (const shape of plane ? list(plane, 'planeElement') : []) {
      const element = ref(shape, 'bpmnElement');
      if (!element) continue;
      const b = ref(shape, 'bounds');
      if (shape.$type === 'bpmndi:BPMNShape' && b) bounds.set(idOf(element), { x: n(b, 'x'), y: n(b, 'y'), width: n(b, 'width'), height: n(b, 'height') });
      if (shape.$type === 'bpmndi:BPMNEdge') lines.set(idOf(element), list(shape, 'waypoint').slice(0, 64).map((p) => ({ x: n(p, 'x'), y: n(p, 'y') })));
    }
  }
  return { bounds, lines };
}

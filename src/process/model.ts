/**
 * The one internal model both notations compile to (spec/processes.md, "Model"): a process is
 * a graph of nodes joined by transitions, each node of one kind. jPDL's start-state, state,
 * decision, fork, join and end-state, and BPMN's events, tasks and gateways, all map onto
 * these kinds; what a node does when a token reaches it is the kind's alone.
 */
import type { Network } from '../rules/network.js';

export type NodeKind =
  /** Where an instance begins: its token leaves at once. */
  | 'start'
  /** A wait state: the token stays until a signal takes one of its transitions, or its timer fires. */
  | 'wait'
  /** Work with nothing to wait for (a BPMN task, script or service task): the token passes. */
  | 'task'
  /** Chooses one transition: the first whose guard holds, else the default; or what a rule file says. */
  | 'decision'
  /** One token for each outgoing transition. */
  | 'fork'
  /** Waits until every live token of the fork it closes has arrived, then one token leaves. */
  | 'join'
  /** A token that arrives ends; the instance ends when no token is left (or at once, if `completes`). */
  | 'end';

/**
 * When a timer fires: a number of blocks, or of milliseconds of block time, after the token
 * arrived; or at a block time (ms since the Unix epoch, as block headers carry it).
 */
export type TimerDue = { kind: 'blocks'; count: number } | { kind: 'after'; ms: number } | { kind: 'at'; ms: number };

export interface Timer {
  due: TimerDue;
  /** The transition the token takes when the timer fires. */
  transition: string;
  /** Where the timer is written in the definition (a BPMN element id, or the jPDL state's name). */
  source: string;
}

export interface Transition {
  /** The transition's name, a signal names it; '' when the definition gives none. */
  name: string;
  /** A BPMN sequence flow's id; '' in jPDL, where a transition has none. */
  id: string;
  /** The target node's id. */
  to: string;
  /** The guard's text in the rules' expression language, or null (always true). */
  guard: string | null;
  /** The line a modeler drew for it (BPMN diagram interchange), if any: for drawing only. */
  points?: { x: number; y: number }[];
}

/** What a signal, a timer and a default name a transition by: its name, else its flow's id (BPMN), else its target. */
export function transitionKey(t: Transition): string {
  return t.name !== '' ? t.name : t.id !== '' ? t.id : t.to;
}

export interface ProcessNode {
  /** Unique in the definition: a jPDL node's name, a BPMN element's id. */
  id: string;
  /** What people call it (the jPDL name; the BPMN name, else its id). */
  name: string;
  kind: NodeKind;
  transitions: Transition[];
  /** A decision's default: the transition taken when no guard holds. */
  defaultTransition: string | null;
  /** A decision that asks a rule file: its name in the bundle. */
  rules: string | null;
  /** A wait state's timer. */
  timer: Timer | null;
  /** A wait state that waits for a message: its name (a signal may name it instead of a transition). */
  message: string | null;
  /** An end that ends the whole instance, not just the token (jPDL `end-complete-process`, BPMN terminate). */
  completes: boolean;
  /** Where it is written: the source line, for errors and for `cmt process render`. */
  line: number;
  /** The position a modeler saved for it (BPMN diagram interchange), if any. */
  bounds: { x: number; y: number; width: number; height: number } | null;
}

export interface ProcessDefinition {
  /** The process's name, `process.start` names it. */
  name: string;
  /** The bundle file it came from. */
  file: string;
  notation: 'jpdl' | 'bpmn';
  start: string;
  nodes: ReadonlyMap<string, ProcessNode>;
  /** Per decision with guards: its guards compiled as one rule file, a rule a guard. */
  guards: ReadonlyMap<string, Network>;
  /** Per join, the fork it closes: the nearest fork every path from the start to the join passes. */
  joins: ReadonlyMap<string, string>;
}

/** A definition that cannot be used: the message names the file and the element. */
export class ProcessDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly element: string | null,
    message: string,
  ) {
    super(`${file}: ${element === null ? '' : `${element}: `}${message}`);
    this.name = 'ProcessDefinitionError';
  }
}

/** Bounds a definition must keep (spec/processes.md, "Limits"): a deploy cannot make the node do unbounded work. */
export const PROCESS_LIMITS = {
  fileBytes: 256 * 1024,
  nodes: 1_000,
  transitionsPerNode: 64,
  nameLength: 128,
  guardLength: 1_024,
} as const;

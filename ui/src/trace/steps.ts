/**
 * The step-through of a fault run: everything the timeline recorded (proposals, votes,
 * decisions, faults starting and ending, step changes, the violations themselves) as one list
 * by virtual time, and a window of it around a moment — the first violation, or where a person
 * clicked — with one message current.
 */
import type { Trace, TraceViolation } from './types.js';

export type MessageKind = 'violation' | 'fault-start' | 'fault-end' | 'decision' | 'proposal' | 'vote' | 'step';

export interface StepMessage {
  at: number;
  kind: MessageKind;
  /** The validator it is about (by name), null for a fault or a violation. */
  node: string | null;
  text: string;
}

/** Messages on each side of the moment a window is centred on. */
export const WINDOW_SIDE = 150;

const short = (hash: string): string => (hash === 'nil' || hash === '' ? 'nil' : hash.slice(0, 8));

// At one instant a fault comes before what it causes, and a violation after what caused it.
const ORDER: Record<MessageKind, number> = { 'fault-start': 0, 'fault-end': 1, step: 2, proposal: 3, vote: 4, decision: 5, violation: 6 };

/** The violations to show: the timeline's (they carry times) when the trace has one. */
export function violationsOf(trace: Trace): TraceViolation[] {
  return trace.timeline?.violations ?? trace.violations;
}

export function allMessages(trace: Trace): StepMessage[] {
  const t = trace.timeline;
  if (!t) return [];
  const out: StepMessage[] = [];
  const name = (i: number): string => t.validators[i]?.name ?? `node ${i}`;
  for (const f of t.faultSpans) {
    out.push({ at: f.start, kind: 'fault-start', node: null, text: `fault starts: ${f.description}` });
    if (f.end !== null) out.push({ at: f.end, kind: 'fault-end', node: null, text: `fault ends: ${f.description}` });
  }
  for (const p of t.points) out.push({ at: p.at, kind: 'step', node: name(p.node), text: `${name(p.node)} enters ${p.height}/${p.round} ${p.step}` });
  t.decisions.forEach((list, i) => {
    for (const d of list) out.push({ at: d.at, kind: 'decision', node: name(i), text: `${name(i)} decides ${short(d.blockHash)} at height ${d.height} (round ${d.round})` });
  });
  t.perValidator.forEach((pv, i) => {
    const who = name(i);
    for (const p of pv.proposals) {
      const pol = p.polRound >= 0 ? `, POL round ${p.polRound}` : '';
      out.push({ at: p.at, kind: 'proposal', node: who, text: p.made ? `${who} proposes ${short(p.blockHash)} for ${p.height}/${p.round}${pol}` : `${who} accepts ${p.proposer}'s proposal ${short(p.blockHash)} for ${p.height}/${p.round}${pol}` });
    }
    for (const v of pv.votes) out.push({ at: v.at, kind: 'vote', node: who, text: `${who} ${v.type}s ${short(v.block)} at ${v.height}/${v.round}` });
  });
  for (const v of violationsOf(trace)) {
    if (v.at !== null) out.push({ at: v.at, kind: 'violation', node: null, text: `VIOLATION ${v.property}: ${v.message}` });
  }
  return out.sort((a, b) => a.at - b.at || ORDER[a.kind] - ORDER[b.kind]);
}

export interface StepWindow {
  messages: StepMessage[];
  /** The current message: the last at or before the moment (the violation itself, when centred on one). */
  index: number;
}

/** Up to WINDOW_SIDE messages before the moment and WINDOW_SIDE from it on. */
export function windowAround(messages: readonly StepMessage[], moment: number, side = WINDOW_SIDE): StepWindow {
  if (messages.length === 0) return { messages: [], index: 0 };
  // The first message after the moment (binary search: the list is sorted by time).
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((messages[mid] as StepMessage).at <= moment) lo = mid + 1;
    else hi = mid;
  }
  let current = Math.max(0, lo - 1);
  // Centred on violations of one instant, the first of them is current.
  while (current > 0 && (messages[current] as StepMessage).kind === 'violation' && (messages[current - 1] as StepMessage).kind === 'violation' && (messages[current - 1] as StepMessage).at === (messages[current] as StepMessage).at) current--;
  const from = Math.max(0, current - side);
  const to = Math.min(messages.length, current + side + 1);
  return { messages: messages.slice(from, to), index: current - from };
}

/** Where the step-through starts: the first violation with a time, else the end of the run. */
export function focusOf(trace: Trace): number {
  const timed = violationsOf(trace).filter((v) => v.at !== null);
  return timed.length > 0 ? Math.min(...timed.map((v) => v.at as number)) : (trace.timeline?.endMs ?? trace.endMs);
}

/** The next current index after a step of `delta`, kept inside the window. */
export function step(window: StepWindow, delta: number): number {
  if (window.messages.length === 0) return 0;
  return Math.min(window.messages.length - 1, Math.max(0, window.index + delta));
}

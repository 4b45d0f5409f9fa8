/**
 * The run as a timeline a person (or a script) reads (`cmt sim run --timeline FILE.json`): the
 * run's own records — decisions, every height/round/step change, the faults applied — and, per
 * validator by name, the proposals it made and accepted, the votes it signed and its lock as it
 * changed. Hex addresses become names here, once, so the file reads without a lookup table.
 */
import type { RunCheck } from './checkers.js';
import { describeFault } from './fault-timeline.js';
import type { SimRun } from './run-types.js';
import type { FaultEvent, Scenario } from './scenario-types.js';

export interface TimelineVote {
  at: number;
  height: number;
  round: number;
  type: 'prevote' | 'precommit';
  /** The block's hash, or 'nil'. */
  block: string;
}

export interface TimelineProposal {
  at: number;
  height: number;
  round: number;
  polRound: number;
  /** The proposer's name ('?' when the node had not computed it). */
  proposer: string;
  blockHash: string;
  made: boolean;
}

export interface TimelineLock {
  at: number;
  height: number;
  lockedRound: number;
  lockedValue: string;
  validRound: number;
}

export interface ValidatorTimeline {
  name: string;
  byzantine: string | null;
  proposals: TimelineProposal[];
  votes: TimelineVote[];
  locks: TimelineLock[];
}

export interface RunTimeline {
  scenario: string;
  seed: number;
  mutation: string | null;
  traceHash: string;
  endMs: number;
  gstMs: number | null;
  validators: SimRun['validators'];
  decisions: SimRun['decisions'];
  timeline: SimRun['timeline'];
  faults: SimRun['faults'];
  perValidator: ValidatorTimeline[];
  check: RunCheck;
}

/**
 * Node i's proposals, votes and locks. Votes are the signer's (run.votes names the key, so a
 * validator and its twin share theirs).
 */
export function perValidator(run: SimRun): ValidatorTimeline[] {
  const nameOf = new Map(run.validators.map((v) => [v.address, v.name]));
  return run.validators.map((v, i) => ({
    name: v.name,
    byzantine: v.byzantine,
    proposals: (run.proposals ?? [])
      .filter((p) => p.node === i)
      .map((p) => ({ at: p.at, height: p.height, round: p.round, polRound: p.polRound, proposer: nameOf.get(p.proposer) ?? '?', blockHash: p.blockHash, made: p.made })),
    votes: (run.votes ?? [])
      .filter((r) => r.validator === v.address)
      .map((r) => ({ at: r.at, height: r.height, round: r.round, type: r.type === 1 ? ('prevote' as const) : ('precommit' as const), block: r.blockHash === '' ? 'nil' : r.blockHash })),
    locks: (run.locks ?? []).filter((l) => l.node === i).map((l) => ({ at: l.at, height: l.height, lockedRound: l.lockedRound, lockedValue: l.lockedValue, validRound: l.validRound })),
  }));
}

export function runTimeline(run: SimRun, check: RunCheck, scenario: string, mutation: string | null): RunTimeline {
  const { seed, traceHash, endMs, gstMs, validators, decisions, timeline, faults } = run;
  return { scenario, seed, mutation, traceHash, endMs, gstMs, validators, decisions, timeline, faults, perValidator: perValidator(run), check };
}

/** A fault as the run applied it: a triggered one starts where its trigger fired; `end` null: still in force at the end. */
export interface AppliedFaultSpan {
  index: number;
  description: string;
  start: number;
  end: number | null;
}

/** Records of each kind a trace keeps (spec/faults.md, "Trace files"); the rest are counted in `omitted`. */
export const TRACE_TIMELINE_LIMITS = { timeline: 20_000, decisions: 20_000, votes: 20_000, proposals: 10_000, locks: 10_000, faults: 2_000 } as const;

/** What a trace file carries for the viewer: the run's timeline, bounded, with each fault's span. */
export interface TraceTimeline extends RunTimeline {
  appliedFaults: AppliedFaultSpan[];
  /** Records left out past TRACE_TIMELINE_LIMITS, per kind (those farthest in time from the first violation go first). */
  omitted: Record<keyof typeof TRACE_TIMELINE_LIMITS, number>;
}

export function appliedFaultSpans(run: SimRun, faults: readonly FaultEvent[]): AppliedFaultSpan[] {
  const applied = run.appliedFaults ?? [];
  const spans: AppliedFaultSpan[] = [];
  for (const a of applied) {
    const fault = faults[a.index];
    if (!fault || a.phase !== 'start') continue;
    const end = applied.find((b) => b.index === a.index && b.phase === 'end' && b.at >= a.at);
    spans.push({ index: a.index, description: describeFault(fault), start: a.at, end: end?.at ?? null });
  }
  return spans;
}

/**
 * The `limit` records nearest in time to `focus`, in their order: a long run's trace keeps
 * what happened around its violation, which is what a person steps through.
 */
function nearest<T extends { at: number }>(items: readonly T[], limit: number, focus: number): { kept: T[]; omitted: number } {
  if (items.length <= limit) return { kept: [...items], omitted: 0 };
  const chosen = items
    .map((item, i) => ({ i, d: Math.abs(item.at - focus) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, limit)
    .map((c) => c.i)
    .sort((a, b) => a - b);
  return { kept: chosen.map((i) => items[i] as T), omitted: items.length - limit };
}

/** Spreads one budget over the validators' lists by their share of the records. */
function nearestPer<T extends { at: number }>(lists: readonly T[][], limit: number, focus: number): { kept: T[][]; omitted: number } {
  const total = lists.reduce((s, l) => s + l.length, 0);
  if (total <= limit) return { kept: lists.map((l) => [...l]), omitted: 0 };
  const kept = lists.map((l) => nearest(l, Math.floor((limit * l.length) / total), focus).kept);
  return { kept, omitted: total - kept.reduce((s, l) => s + l.length, 0) };
}

export function traceTimeline(run: SimRun, check: RunCheck, scenario: Pick<Scenario, 'name' | 'faults'>, mutation: string | null): TraceTimeline {
  const full = runTimeline(run, check, scenario.name, mutation);
  const focus = check.violations.find((v) => v.at !== undefined)?.at ?? run.endMs;
  const timeline = nearest(full.timeline, TRACE_TIMELINE_LIMITS.timeline, focus);
  const faults = nearest(full.faults, TRACE_TIMELINE_LIMITS.faults, focus);
  const spans = appliedFaultSpans(run, scenario.faults);
  const appliedFaults = spans.slice(0, TRACE_TIMELINE_LIMITS.faults);
  const decisions = nearestPer(full.decisions, TRACE_TIMELINE_LIMITS.decisions, focus);
  const votes = nearestPer(full.perValidator.map((v) => v.votes), TRACE_TIMELINE_LIMITS.votes, focus);
  const proposals = nearestPer(full.perValidator.map((v) => v.proposals), TRACE_TIMELINE_LIMITS.proposals, focus);
  const locks = nearestPer(full.perValidator.map((v) => v.locks), TRACE_TIMELINE_LIMITS.locks, focus);
  return {
    ...full,
    timeline: timeline.kept,
    decisions: decisions.kept,
    faults: faults.kept,
    perValidator: full.perValidator.map((v, i) => ({ ...v, votes: votes.kept[i] ?? [], proposals: proposals.kept[i] ?? [], locks: locks.kept[i] ?? [] })),
    appliedFaults,
    omitted: { timeline: timeline.omitted, decisions: decisions.omitted, votes: votes.omitted, proposals: proposals.omitted, locks: locks.omitted, faults: faults.omitted + spans.length - appliedFaults.length },
  };
}

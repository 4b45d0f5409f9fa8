/**
 * A `cmt sim` trace as the viewer holds it once checked (validate.ts): only the fields it
 * shows, each of a known type. The page defines these itself; it never imports the node's code.
 */

export interface TraceViolation {
  property: string;
  message: string;
  /** Virtual ms, when the checker knows it. */
  at: number | null;
  height: number | null;
}

export interface TraceValidator {
  name: string;
  /** The Byzantine strategy ('twin' for a twin), null for a correct validator. */
  byzantine: string | null;
}

export interface TraceDecision {
  at: number;
  height: number;
  round: number;
  blockHash: string;
}

export interface TracePoint {
  at: number;
  node: number;
  height: number;
  round: number;
  step: string;
}

export interface TraceProposal {
  at: number;
  height: number;
  round: number;
  polRound: number;
  proposer: string;
  blockHash: string;
  made: boolean;
}

export interface TraceVote {
  at: number;
  height: number;
  round: number;
  type: 'prevote' | 'precommit';
  /** A block hash or 'nil'. */
  block: string;
}

export interface TraceLock {
  at: number;
  height: number;
  lockedRound: number;
  lockedValue: string;
  validRound: number;
}

/** A fault as the run applied it; `end` null: in force to the end of the run. */
export interface TraceFaultSpan {
  index: number;
  description: string;
  start: number;
  end: number | null;
}

export interface TraceTimeline {
  endMs: number;
  gstMs: number | null;
  validators: TraceValidator[];
  /** Per validator (same order), the heights it decided. */
  decisions: TraceDecision[][];
  points: TracePoint[];
  faultSpans: TraceFaultSpan[];
  /** Per validator (same order). */
  perValidator: { proposals: TraceProposal[]; votes: TraceVote[]; locks: TraceLock[] }[];
  /** The checker's verdict as the timeline carries it (with times), when it does. */
  violations: TraceViolation[] | null;
  /** Records the writer left out to bound the file. */
  omitted: number;
}

export interface Trace {
  scenarioName: string;
  scenarioSource: string;
  seed: number;
  mutation: string | null;
  traceHash: string;
  heights: number;
  endMs: number;
  violations: TraceViolation[];
  livenessReason: string | null;
  /** Null for a trace written before traces carried one. */
  timeline: TraceTimeline | null;
}

/**
 * Checks a trace file in the browser before anything draws it: a person may open any file, so
 * the answer is a checked Trace or a refusal that says what is wrong and where — never an
 * exception, never a list so long it stalls the tab. Only the fields the viewer shows are read
 * (copied into fresh objects: a hostile key such as __proto__ goes nowhere).
 */
import type { Trace, TraceDecision, TraceFaultSpan, TraceLock, TracePoint, TraceProposal, TraceTimeline, TraceValidator, TraceViolation, TraceVote } from './types.js';

export const TRACE_FORMAT = 'cmt-sim-trace/1';
/** Larger files are refused unread (the node serves at most this much too). */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
export const MAX_VALIDATORS = 1000;
/** Entries of any one list: the writer keeps at most 20,000 of a kind (TRACE_TIMELINE_LIMITS, spec/faults.md). */
export const MAX_LIST = 20_000;
/** Records of every list of a timeline together (the writer's limits add up to 82,000). */
export const MAX_RECORDS = 100_000;
/** Fault spans: the writer keeps at most 2,000. */
export const MAX_FAULT_SPANS = 2_000;
const MAX_TEXT = 4 * 1024 * 1024;
const MAX_SHORT_TEXT = 16 * 1024;

export type TraceResult = { ok: true; trace: Trace } | { ok: false; error: string };

class Refusal extends Error {}

function refuse(path: string, what: string): never {
  throw new Refusal(`${path}: ${what}`);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) refuse(path, 'expected an object');
  return v as Obj;
}

function own(o: Obj, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) refuse(path, 'expected a number');
  return v;
}

function int(v: unknown, path: string, min = 0): number {
  const n = num(v, path);
  if (!Number.isSafeInteger(n) || n < min) refuse(path, `expected a whole number ≥ ${min}`);
  return n;
}

function str(v: unknown, path: string, max = MAX_SHORT_TEXT): string {
  if (typeof v !== 'string') refuse(path, 'expected a string');
  if (v.length > max) refuse(path, `longer than ${max} characters`);
  return v;
}

function optional<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === undefined || v === null ? null : read(v);
}

class Budget {
  used = 0;
  take(n: number, path: string): void {
    this.used += n;
    if (this.used > MAX_RECORDS) refuse(path, `more than ${MAX_RECORDS} records in all`);
  }
}

function list<T>(v: unknown, path: string, each: (item: unknown, path: string) => T, budget: Budget, max = MAX_LIST): T[] {
  if (!Array.isArray(v)) refuse(path, 'expected a list');
  if (v.length > max) refuse(path, `${v.length} entries, more than ${max}`);
  budget.take(v.length, path);
  return v.map((item, i) => each(item, `${path}[${i}]`));
}

function violation(v: unknown, path: string): TraceViolation {
  const o = obj(v, path);
  return {
    property: str(own(o, 'property'), `${path}.property`, 64),
    message: str(own(o, 'message'), `${path}.message`),
    at: optional(own(o, 'at'), (x) => num(x, `${path}.at`)),
    height: optional(own(o, 'height'), (x) => int(x, `${path}.height`)),
  };
}

function validator(v: unknown, path: string): TraceValidator {
  const o = obj(v, path);
  return { name: str(own(o, 'name'), `${path}.name`, 256), byzantine: optional(own(o, 'byzantine'), (x) => str(x, `${path}.byzantine`, 64)) };
}

function decision(v: unknown, path: string): TraceDecision {
  const o = obj(v, path);
  return { at: num(own(o, 'at'), `${path}.at`), height: int(own(o, 'height'), `${path}.height`), round: int(own(o, 'round'), `${path}.round`), blockHash: str(own(o, 'blockHash'), `${path}.blockHash`, 256) };
}

function point(validators: number): (v: unknown, path: string) => TracePoint {
  return (v, path) => {
    const o = obj(v, path);
    const node = int(own(o, 'node'), `${path}.node`);
    if (node >= validators) refuse(`${path}.node`, `no validator ${node} (the trace lists ${validators})`);
    return { at: num(own(o, 'at'), `${path}.at`), node, height: int(own(o, 'height'), `${path}.height`), round: int(own(o, 'round'), `${path}.round`), step: str(own(o, 'step'), `${path}.step`, 64) };
  };
}

function proposal(v: unknown, path: string): TraceProposal {
  const o = obj(v, path);
  return {
    at: num(own(o, 'at'), `${path}.at`),
    height: int(own(o, 'height'), `${path}.height`),
    round: int(own(o, 'round'), `${path}.round`),
    polRound: int(own(o, 'polRound'), `${path}.polRound`, -1),
    proposer: str(own(o, 'proposer'), `${path}.proposer`, 256),
    blockHash: str(own(o, 'blockHash'), `${path}.blockHash`, 256),
    made: own(o, 'made') === true,
  };
}

function vote(v: unknown, path: string): TraceVote {
  const o = obj(v, path);
  const type = own(o, 'type');
  if (type !== 'prevote' && type !== 'precommit') refuse(`${path}.type`, "expected 'prevote' or 'precommit'");
  return { at: num(own(o, 'at'), `${path}.at`), height: int(own(o, 'height'), `${path}.height`), round: int(own(o, 'round'), `${path}.round`), type, block: str(own(o, 'block'), `${path}.block`, 256) };
}

function lock(v: unknown, path: string): TraceLock {
  const o = obj(v, path);
  return {
    at: num(own(o, 'at'), `${path}.at`),
    height: int(own(o, 'height'), `${path}.height`),
    lockedRound: int(own(o, 'lockedRound'), `${path}.lockedRound`, -1),
    lockedValue: str(own(o, 'lockedValue'), `${path}.lockedValue`, 256),
    validRound: int(own(o, 'validRound'), `${path}.validRound`, -1),
  };
}

function faultSpan(v: unknown, path: string): TraceFaultSpan {
  const o = obj(v, path);
  const start = num(own(o, 'start'), `${path}.start`);
  const end = optional(own(o, 'end'), (x) => num(x, `${path}.end`));
  if (end !== null && end < start) refuse(`${path}.end`, 'ends before it starts');
  return { index: int(own(o, 'index'), `${path}.index`), description: str(own(o, 'description'), `${path}.description`, 1024), start, end };
}

function omittedCount(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const o = obj(v, path);
  let n = 0;
  for (const key of Object.keys(o).slice(0, 32)) n += int(o[key], `${path}.${key}`);
  return n;
}

function timeline(v: unknown, path: string, traceHash: string): TraceTimeline {
  const o = obj(v, path);
  if (own(o, 'traceHash') !== traceHash) refuse(`${path}.traceHash`, "differs from the summary's: the timeline is of another run");
  const budget = new Budget();
  const validators = list(own(o, 'validators'), `${path}.validators`, validator, budget, MAX_VALIDATORS);
  const decisions = list(own(o, 'decisions'), `${path}.decisions`, (d, p) => list(d, p, decision, budget), budget, validators.length);
  const per = list(
    own(o, 'perValidator'),
    `${path}.perValidator`,
    (pv, p) => {
      const x = obj(pv, p);
      return { proposals: list(own(x, 'proposals'), `${p}.proposals`, proposal, budget), votes: list(own(x, 'votes'), `${p}.votes`, vote, budget), locks: list(own(x, 'locks'), `${p}.locks`, lock, budget) };
    },
    budget,
    validators.length,
  );
  const check = own(o, 'check');
  return {
    endMs: num(own(o, 'endMs'), `${path}.endMs`),
    gstMs: optional(own(o, 'gstMs'), (x) => num(x, `${path}.gstMs`)),
    validators,
    decisions,
    points: list(own(o, 'timeline'), `${path}.timeline`, point(validators.length), budget),
    faultSpans: own(o, 'appliedFaults') === undefined ? [] : list(own(o, 'appliedFaults'), `${path}.appliedFaults`, faultSpan, budget, MAX_FAULT_SPANS),
    perValidator: per,
    violations: check === undefined ? null : list(own(obj(check, `${path}.check`), 'violations'), `${path}.check.violations`, violation, budget, 10_000),
    omitted: omittedCount(own(o, 'omitted'), `${path}.omitted`),
  };
}

/** The scenario's name: the timeline says it; an older trace only in its text's `name:` line. */
function scenarioName(text: string, source: string): string {
  const line = /^name:\s*([^\n#]{1,200})/m.exec(text);
  return line?.[1]?.trim().replace(/^['"]|['"]$/g, '') || source.split(/[\\/]/).pop() || 'scenario';
}

export function checkTrace(value: unknown): TraceResult {
  try {
    const o = obj(value, 'trace');
    if (own(o, 'format') !== TRACE_FORMAT) refuse('trace.format', `not a ${TRACE_FORMAT} file (a trace written by cmt sim)`);
    const summary = obj(own(o, 'summary'), 'trace.summary');
    const traceHash = str(own(summary, 'traceHash'), 'trace.summary.traceHash', 128);
    const scenarioText = str(own(o, 'scenarioText'), 'trace.scenarioText', MAX_TEXT);
    const scenarioSource = str(own(o, 'scenarioSource'), 'trace.scenarioSource', 4096);
    const tl = own(o, 'timeline') === undefined ? null : timeline(own(o, 'timeline'), 'trace.timeline', traceHash);
    const tlName = own(obj(own(o, 'timeline') ?? {}, 'trace.timeline'), 'scenario');
    return {
      ok: true,
      trace: {
        scenarioName: typeof tlName === 'string' && tlName.length <= 256 ? tlName : scenarioName(scenarioText, scenarioSource),
        scenarioSource,
        seed: int(own(o, 'seed'), 'trace.seed'),
        mutation: optional(own(o, 'mutation'), (x) => str(x, 'trace.mutation', 64)) ?? (own(o, 'brokenLocking') === true ? 'ignore-lock' : null),
        traceHash,
        heights: int(own(summary, 'heights'), 'trace.summary.heights'),
        endMs: num(own(summary, 'endMs'), 'trace.summary.endMs'),
        violations: list(own(summary, 'violations'), 'trace.summary.violations', violation, new Budget(), 10_000),
        livenessReason: optional(own(summary, 'livenessReason'), (x) => str(x, 'trace.summary.livenessReason')),
        timeline: tl,
      },
    };
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, error: `Not a trace this viewer can show: ${err.message}` };
    return { ok: false, error: `Not a trace this viewer can show: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Refuses a file by its size before reading it. */
export function checkTraceSize(bytes: number): string | null {
  return bytes > MAX_TRACE_BYTES ? `The file is ${bytes} bytes; a trace this viewer opens is at most ${MAX_TRACE_BYTES}.` : null;
}

export function parseTrace(text: string): TraceResult {
  const tooBig = checkTraceSize(text.length);
  if (tooBig) return { ok: false, error: tooBig };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `Not a trace this viewer can show: the file is not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  return checkTrace(value);
}

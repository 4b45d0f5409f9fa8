/**
 * A trace file: everything needed to run a simulation again exactly (the scenario file's
 * text, parsed and checked again on replay, the seed, the test-only switch) and what it
 * found, with the trace hash replay must match.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CmtError } from '../codec/errors.js';
import type { Violation } from './checkers.js';
import type { RunSummary } from './run-summary.js';
import type { TraceTimeline } from './run-timeline.js';
import { isMutation, MUTATION_NAMES, type MutationName } from '../consensus/mutations.js';

export const TRACE_FORMAT = 'cmt-sim-trace/1';

export interface TraceFile {
  format: typeof TRACE_FORMAT;
  /** Where the scenario came from, and its text. */
  scenarioSource: string;
  scenarioText: string;
  seed: number;
  /** The deliberate bug correct validators ran with (src/consensus/mutations.ts); absent: none. */
  mutation?: MutationName;
  summary: RunSummary;
  /**
   * The run for a person to look at (the dashboard's fault-run viewer): heights, steps,
   * proposals, votes, locks, faults as applied, the verdict with each violation's time. Not
   * read back by replay or shrink; older traces have none (`cmt sim replay` adds it).
   */
  timeline?: TraceTimeline;
}

export class InvalidTraceError extends CmtError {
  constructor(path: string, message: string) {
    super('INVALID_TRACE', `${path}: ${message}`);
  }
}

export async function writeTrace(dir: string, name: string, trace: Omit<TraceFile, 'format'>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}-seed${trace.seed}.trace.json`);
  await writeTraceAt(path, trace);
  return path;
}

/**
 * Writes a trace to `path` through a temporary file (replay rewrites one in place). The
 * fields a person reads come first, indented; the timeline last on one line, a tenth the size.
 */
export async function writeTraceAt(path: string, trace: Omit<TraceFile, 'format'>): Promise<void> {
  const { timeline, ...head } = trace;
  let text = JSON.stringify({ format: TRACE_FORMAT, ...head }, null, 2);
  if (timeline) text = `${text.slice(0, -2)},\n  "timeline": ${JSON.stringify(timeline)}\n}`;
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, text + '\n');
  await rename(temp, path);
}

export async function readTrace(path: string): Promise<TraceFile> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new InvalidTraceError(path, `cannot read a trace: ${(err as Error).message}`);
  }
  const t = parsed as Partial<TraceFile>;
  if (t?.format !== TRACE_FORMAT) throw new InvalidTraceError(path, `not a ${TRACE_FORMAT} file`);
  if (typeof t.seed !== 'number' || !Number.isSafeInteger(t.seed) || t.seed < 0 || typeof t.scenarioText !== 'string' || typeof t.scenarioSource !== 'string' || typeof t.summary?.traceHash !== 'string') {
    throw new InvalidTraceError(path, 'missing or malformed seed, scenario or summary');
  }
  // Shrink picks its target from these: a hand-edited file must fail here, not deep inside.
  const violations: unknown = t.summary.violations;
  if (!Array.isArray(violations) || !violations.every((v: unknown) => typeof v === 'object' && v !== null && typeof (v as Violation).property === 'string' && typeof (v as Violation).message === 'string')) {
    throw new InvalidTraceError(path, 'summary.violations must be a list of { property, message }');
  }
  // Trace files written before mutations had names said `brokenLocking: true`.
  const old = (parsed as { brokenLocking?: unknown }).brokenLocking;
  const mutation = t.mutation ?? (old === true ? 'ignore-lock' : undefined);
  if (mutation !== undefined && (typeof mutation !== 'string' || !isMutation(mutation))) {
    throw new InvalidTraceError(path, `unknown mutation ${JSON.stringify(mutation)} (known: ${MUTATION_NAMES.join(', ')})`);
  }
  // The viewer's part: replay and shrink ignore it, but a hand-edited one must not pass for a run's.
  const timeline: unknown = (parsed as { timeline?: unknown }).timeline;
  if (timeline !== undefined && (typeof timeline !== 'object' || timeline === null || (timeline as Partial<TraceTimeline>).traceHash !== t.summary.traceHash)) {
    throw new InvalidTraceError(path, 'the timeline is not an object of the same run (its traceHash differs from the summary\'s)');
  }
  const { brokenLocking: _old, mutation: _m, ...rest } = parsed as TraceFile & { brokenLocking?: unknown };
  return { ...rest, ...(mutation ? { mutation } : {}) };
}

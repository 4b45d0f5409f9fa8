/**
 * A trace file: everything needed to run a simulation again exactly (the scenario file's
 * text, parsed and checked again on replay, the seed, the test-only switch) and what it
 * found, with the trace hash replay must match.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CmtError } from '../codec/errors.js';
import type { Violation } from './checkers.js';
import type { RunSummary } from './run-summary.js';
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
}

export class InvalidTraceError extends CmtError {
  constructor(path: string, message: string) {
    super('INVALID_TRACE', `${path}: ${message}`);
  }
}

export async function writeTrace(dir: string, name: string, trace: Omit<TraceFile, 'format'>): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}-seed${trace.seed}.trace.json`);
  await writeFile(path, JSON.stringify({ format: TRACE_FORMAT, ...trace }, null, 2) + '\n');
  return path;
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
  const { brokenLocking: _old, mutation: _m, ...rest } = parsed as TraceFile & { brokenLocking?: unknown };
  return { ...rest, ...(mutation ? { mutation } : {}) };
}

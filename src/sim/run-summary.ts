/** What one run says in a few fields: what explore collects and a trace file keeps. */
import { PROPERTIES, type Accountability, type Property, type Violation } from './checkers.js';
import { runScenario, type ScenarioRun } from './run-scenario.js';
import type { Scenario } from './scenario-types.js';
import type { MutationName } from '../consensus/mutations.js';

export interface RunTask {
  scenario: Scenario;
  seed: number;
  /** Correct validators run with this deliberate bug (src/consensus/mutations.ts). */
  mutation?: MutationName;
  stopAtHeight?: number;
}

export interface RunSummary {
  seed: number;
  traceHash: string;
  /** Heights the first correct validator decided. */
  heights: number;
  endMs: number;
  violations: Violation[];
  livenessChecked: boolean;
  /** Why liveness was judged or not (checkers.ts, LivenessJudgement). */
  livenessReason: string;
  accountability: Accountability | null;
  /** The properties this run could judge. */
  judged: Property[];
}

export async function summarize(task: RunTask): Promise<RunSummary> {
  return summaryOf(await runScenario(task.scenario, task.seed, { ...(task.mutation ? { mutation: task.mutation } : {}), ...(task.stopAtHeight ? { stopAtHeight: task.stopAtHeight } : {}) }));
}

export function summaryOf({ run, check }: ScenarioRun): RunSummary {
  const firstCorrect = run.validators.findIndex((v) => v.byzantine === null);
  return {
    seed: run.seed,
    traceHash: run.traceHash,
    heights: run.decisions[firstCorrect]?.length ?? 0,
    endMs: run.endMs,
    violations: check.violations,
    livenessChecked: check.livenessChecked,
    livenessReason: check.liveness.reason,
    accountability: check.accountability,
    judged: check.judged,
  };
}

/** Which properties a run violated (each counted once per run). */
export function violatedProperties(summary: RunSummary): Property[] {
  return PROPERTIES.filter((p) => summary.violations.some((v) => v.property === p));
}

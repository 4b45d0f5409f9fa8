/** Piscina task: one simulation run, summarised (the scenario crosses the thread boundary as plain data). */
import { summarize, type RunSummary, type RunTask } from './run-summary.js';

export default function runTask(task: RunTask): Promise<RunSummary> {
  return summarize(task);
}

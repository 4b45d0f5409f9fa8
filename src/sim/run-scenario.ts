/** One run of a scenario with one seed: simulate, then check. */
import { checkRun, type RunCheck } from './checkers.js';
import type { Scenario } from './scenario-types.js';
import { Simulator, type SimConfig, type SimRun } from './simulator.js';

export interface ScenarioRun {
  run: SimRun;
  check: RunCheck;
}

export async function runScenario(scenario: Scenario, seed: number, options: Omit<SimConfig, 'scenario' | 'seed'> = {}): Promise<ScenarioRun> {
  const run = await new Simulator({ scenario, seed, ...options }).execute();
  return { run, check: checkRun(run, scenario.livenessBoundMs, scenario) };
}

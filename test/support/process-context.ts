/**
 * A process engine's surroundings for tests: the block (height, time, transaction), a meter
 * that counts the work reported, and the bundle's rule files compiled by name.
 */
import { compileRules } from '../../src/rules/engine.js';
import type { StepContext } from '../../src/process/instance.js';

export interface CountingContext extends StepContext {
  work: Map<string, number>;
}

export function stepContext(height = 10, ruleFiles: Record<string, string> = {}, time = 1_700_000_000_000 + height * 1_000): CountingContext {
  const work = new Map<string, number>();
  return {
    height,
    time,
    tx: `tx${height}`,
    work,
    charge: (what, units) => void work.set(what, (work.get(what) ?? 0) + units),
    rules: (file) => (ruleFiles[file] === undefined ? undefined : compileRules(file, ruleFiles[file] as string)),
  };
}

/**
 * When the simulator's faults start and end (spec/faults.md, "The engine"): by time, or armed at
 * `at` and fired by a protocol position (`when`), with `forMs` measured from the start. The GST
 * of a run is `gstOf(faults, appliedFaults)` (fault-timeline.ts) on what these applied.
 */
import type { FaultEvent, ProtocolTrigger } from './scenario-types.js';

export interface Position {
  height: number;
  round: number;
  step: string;
}

/**
 * Whether node `node` at `pos` matches `trigger`. `proposerOf(round)` names the proposer of
 * the node's current height in `round` (by its validator set); called only when the trigger asks.
 */
export function triggerMatches(trigger: ProtocolTrigger, node: string, pos: Position, proposerOf: (round: number) => string | undefined): boolean {
  if (trigger.node !== undefined && trigger.node !== node) return false;
  if (pos.height !== trigger.height) return false;
  if (trigger.round !== undefined && pos.round !== trigger.round) return false;
  if (trigger.step !== undefined && pos.step !== trigger.step) return false;
  return trigger.proposer === undefined || proposerOf(pos.round) === trigger.proposer;
}

/**
 * When a fault that starts at `start` ends: `forMs` after it, else its `until` / `restart_at`
 * (an absolute time; for a triggered fault that fired at or after it, it ends at once),
 * undefined when it never ends.
 */
export function plannedEnd(f: FaultEvent, start: number): number | undefined {
  if (f.forMs !== undefined) return start + f.forMs;
  const end = f.type === 'crash' ? f.restartAt : f.type === 'clockSkew' || f.type === 'clockDrift' ? undefined : f.until;
  return end === undefined ? undefined : Math.max(end, start);
}

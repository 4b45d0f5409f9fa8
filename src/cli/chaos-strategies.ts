/**
 * The strategy each validator of a scenario runs, drawn as the simulator draws it, so that one
 * seed names the same strategies in `cmt sim` and `cmt testnet chaos`: the simulator's generator
 * is `new Rng(seed)`, which first forks the network's stream (one draw), then picks a strategy
 * for each `byzantine: random` validator in the order they are listed (src/sim/simulator.ts).
 * A test holds the two to the same answer for many seeds.
 */
import { Rng } from '../sim/rng.js';
import { BYZANTINE_STRATEGIES, type ByzantineStrategyName, type Scenario } from '../sim/scenario-types.js';

export function strategiesOf(scenario: Scenario, seed: number): (ByzantineStrategyName | null)[] {
  const rng = new Rng(seed);
  rng.fork(1); // the simulator's network stream, taken before the validators' strategies
  return scenario.validators.map((v) => (v.byzantine === 'random' ? rng.pick(BYZANTINE_STRATEGIES) : (v.byzantine ?? null)));
}

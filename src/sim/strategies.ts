/**
 * The strategy each validator of a scenario runs: named, or for `byzantine: random` drawn from
 * the seed (after the network's stream is forked off, one draw, then one pick per random
 * validator in the order they are listed). The simulator and `cmt testnet chaos` both call
 * this, so one seed names the same strategies on both hosts.
 */
import { Rng } from './rng.js';
import { BYZANTINE_STRATEGIES, type ByzantineStrategyName, type Scenario } from './scenario-types.js';

export function strategiesOf(scenario: Scenario, seed: number): (ByzantineStrategyName | null)[] {
  const rng = new Rng(seed);
  rng.fork(1); // the network's stream, taken before the validators' strategies
  return scenario.validators.map((v) => (v.byzantine === 'random' ? rng.pick(BYZANTINE_STRATEGIES) : (v.byzantine ?? null)));
}

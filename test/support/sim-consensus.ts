/**
 * Consensus tests on the simulator: the real node (driver, WAL, priv-validator, executor, app,
 * reactors) on virtual time over the gossiping simulated network. This file only builds
 * scenarios and reads what a run left behind; it performs no effect itself, so the tests
 * exercise the one driver the node runs.
 */
import { expect } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import type { Commit } from '../../src/codec/vote.js';
import { verifyCommit } from '../../src/consensus/commit.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { SIM_CHAIN_ID, validatorKey } from '../../src/sim/sim-genesis.js';
import { Simulator, type SimConfig, type SimRun } from '../../src/sim/simulator.js';
import type { FaultEvent, Scenario, ScenarioValidator } from '../../src/sim/scenario-types.js';

export { SIM_CHAIN_ID };

/** The network of exact tests: every message takes 10 ms, none is lost or duplicated. */
export const FIXED_NETWORK: Scenario['network'] = { delay: { kind: 'fixed', ms: 10 }, drop: 0, duplicate: 0 };

/** Short timeouts: a round that fails costs well under a second of virtual time. */
export const FAST_TIMEOUTS: Scenario['timeouts'] = { propose: 400, proposeDelta: 200, prevote: 100, prevoteDelta: 50, precommit: 100, precommitDelta: 50, nextBlockDelay: 50 };

export interface ScenarioOptions {
  powers: number[];
  faults?: FaultEvent[];
  byzantine?: Record<number, NonNullable<ScenarioValidator['byzantine']>>;
  network?: Scenario['network'];
  timeouts?: Scenario['timeouts'];
  durationMs?: number;
}

/** Validators v0, v1, ... with the given powers; node i of a run is validator `v${i}`. */
export function scenario(options: ScenarioOptions): Scenario {
  return {
    name: 'consensus-test',
    seed: 1,
    durationMs: options.durationMs ?? 30_000,
    validators: options.powers.map((power, i) => {
      const byzantine = options.byzantine?.[i];
      return { name: `v${i}`, power, ...(byzantine ? { byzantine } : {}) };
    }),
    network: options.network ?? FIXED_NETWORK,
    faults: options.faults ?? [],
    livenessBoundMs: 20_000,
    timeouts: options.timeouts ?? FAST_TIMEOUTS,
  };
}

export interface Finished {
  sim: Simulator;
  run: SimRun;
}

/** Runs a simulation with every effect recorded; the scenario's seed unless one is given. */
export async function simulate(config: Omit<SimConfig, 'seed' | 'recordEffects'> & { seed?: number }): Promise<Finished> {
  const sim = new Simulator({ ...config, seed: config.seed ?? config.scenario.seed, recordEffects: true });
  const run = await sim.execute();
  return { sim, run };
}

export const addressOf = (node: number): Uint8Array => addressFromPublicKey(validatorKey(`v${node}`).publicKey);

/**
 * The validator set of height `height`, derived from genesis as the node does while the set
 * does not change (no staking transactions run in these tests: the load only transfers).
 */
export function setAt(s: Scenario, height: number): ValidatorSet {
  const genesis = ValidatorSet.fromGenesis(s.validators.map((v) => ({ publicKey: validatorKey(v.name).publicKey, power: v.power })));
  return height === 1 ? genesis : genesis.copyIncrementProposerPriority(height - 1);
}

/** The node that is validator `index` of `set`. */
export function nodeOfIndex(s: Scenario, set: ValidatorSet, index: number): number {
  return s.validators.findIndex((_, node) => set.indexOf(addressOf(node)) === index);
}

/** The node that proposes round `round` of `height`. */
export function proposerNode(s: Scenario, height: number, round: number): number {
  const set = setAt(s, height);
  return nodeOfIndex(s, set, set.indexOf(set.proposerForRound(round).address));
}

export interface Decided {
  height: number;
  round: number;
  blockHash: string;
  valid: boolean;
  at: number;
  commit: Commit;
}

/** What node `node` decided, with the commit it decided on, in height order. */
export function decisionsOf(sim: Simulator, node: number): Decided[] {
  return (sim.nodes[node]?.decisions ?? []).map((d) => ({ height: d.height, round: d.round, blockHash: d.blockHash, valid: d.valid, at: d.at, commit: d.commit }));
}

export interface ProposalSent {
  at: number;
  node: number;
  height: number;
  round: number;
  polRound: number;
  blockHash: string;
}

/** Proposals the nodes' drivers signed, read from the effect log ("<ms> <node> propose h/r pol=p <hash>"). */
export function proposalsSent(sim: Simulator): ProposalSent[] {
  const out: ProposalSent[] = [];
  for (const line of sim.effectLog) {
    const [at, node, kind, hr, pol, hash] = line.split(' ');
    if (kind !== 'propose' || !hr || !pol || !hash) continue;
    const [height, round] = hr.split('/').map(Number);
    out.push({ at: Number(at), node: Number(node), height: height as number, round: round as number, polRound: Number(pol.slice('pol='.length)), blockHash: hash });
  }
  return out;
}

/** Nodes whose effect log holds `effect` (e.g. "vote 2 1/0 <hash>"), in log order, each once per line. */
export function nodesWith(sim: Simulator, effect: string): number[] {
  return sim.effectLog.filter((l) => l.split(' ').slice(2).join(' ') === effect).map((l) => Number(l.split(' ')[1]));
}

/**
 * Agreement and validity of commits over the first `heights` heights among `nodes`: each height
 * was decided by at least one of them, all decided the same block, and every commit verifies
 * against that height's validator set.
 */
export function expectAgreement(s: Scenario, sim: Simulator, heights: number, nodes: readonly number[]): void {
  for (let h = 1; h <= heights; h++) {
    const decided = nodes.map((n) => decisionsOf(sim, n)[h - 1]).filter((d): d is Decided => d !== undefined);
    expect(decided.length, `deciders of height ${h}`).toBeGreaterThan(0);
    expect(new Set(decided.map((d) => d.blockHash)).size, `blocks at height ${h}`).toBe(1);
    for (const d of decided) {
      expect(d.height).toBe(h);
      expect(toHex(d.commit.blockHash)).toBe(d.blockHash);
      expect(() => verifyCommit(SIM_CHAIN_ID, setAt(s, h), h, d.commit.blockHash, d.commit)).not.toThrow();
    }
  }
}

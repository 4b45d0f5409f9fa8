/**
 * `npm run bench -- sim-stuck [--from-ms A] [--to-ms B]`
 *
 * What a stuck height costs the simulator per virtual second, beside a live one over the same
 * virtual span (issue 15: a stuck height must cost no more than a live one). Counted, not
 * timed, so the figures are a function of the scenario and seed: link crossings, bytes,
 * catch-up and claim requests and their answers' bytes, from the simulated network's own
 * counters; wall time per virtual second (of a whole run) is printed beside them. The span is measured as the
 * difference of two runs to A and to B: a run is a pure function of (scenario, seed), so the
 * run to B starts with exactly the run to A.
 */
import { Simulator } from '../src/sim/simulator.js';
import type { Scenario } from '../src/sim/scenario-types.js';
import { parseNumericOptions } from './support-options.js';

const NAMES = ['v0', 'v1', 'v2', 'v3'];

/** Short round timeouts that do not grow, so a slow network makes round after round without a decision. */
const FAST_ROUNDS = { propose: 100, proposeDelta: 0, prevote: 100, prevoteDelta: 0, precommit: 100, precommitDelta: 0, nextBlockDelay: 1000 };

function base(name: string, faults: Scenario['faults']): Scenario {
  return {
    name,
    seed: 1,
    durationMs: 1,
    validators: NAMES.map((n) => ({ name: n, power: 10 })),
    network: { delay: { kind: 'uniform', minMs: 5, maxMs: 20 }, drop: 0, duplicate: 0 },
    faults,
    livenessBoundMs: 60_000,
    timeouts: FAST_ROUNDS,
  };
}

/** When the many-rounds scenario's slow network ends and two validators crash. */
const ROUNDS_UNTIL_MS = 25_000;
/** A span in which every stuck scenario is stuck. */
export const STUCK_SPAN = { fromMs: 30_000, toMs: 45_000 };

/** The live height and the ways a height gets stuck for good. */
export const STUCK_SCENARIOS: { name: string; scenario: Scenario }[] = [
  { name: 'live', scenario: base('live', []) },
  {
    name: 'two of four crashed',
    scenario: base('crashed', [
      { type: 'crash', at: 5_000, node: 'v2' },
      { type: 'crash', at: 5_000, node: 'v3' },
    ]),
  },
  { name: 'partition 2|2', scenario: base('partition', [{ type: 'partition', at: 5_000, groups: [['v0', 'v1'], ['v2', 'v3']] }]) },
  {
    // Every message takes longer than a round's timeouts: rounds go by without a decision, and
    // the height has some thirty rounds of votes when two validators crash.
    name: 'many rounds, then two crashed',
    scenario: base('rounds', [
      { type: 'network', at: 2_000, until: ROUNDS_UNTIL_MS, behaviour: { delay: { kind: 'fixed', ms: 300 } } },
      { type: 'crash', at: ROUNDS_UNTIL_MS, node: 'v2' },
      { type: 'crash', at: ROUNDS_UNTIL_MS, node: 'v3' },
    ]),
  },
];

export interface SpanCost {
  /** Link crossings per virtual second. */
  crossings: number;
  bytes: number;
  /** Catch-up requests, and their answers' bytes, per virtual second. */
  catchUps: number;
  catchUpAnswerBytes: number;
  /** +2/3 claims sent per virtual second. */
  claims: number;
  /** Heights the first validator decided in the span. */
  heights: number;
  /** Wall-clock ms per virtual second of the whole run to the span's end (not deterministic: for the bench only). */
  wallMsPerS: number;
}

interface Totals {
  sent: number;
  bytes: number;
  catchUps: number;
  catchUpAnswerBytes: number;
  claims: number;
  heights: number;
  wallMs: number;
}

async function totalsTo(scenario: Scenario, ms: number, seed: number): Promise<Totals> {
  const started = performance.now();
  const sim = new Simulator({ scenario: { ...scenario, durationMs: ms }, seed });
  const run = await sim.execute();
  const { stats } = sim.hub;
  const of = (suffix: string) => Object.entries(stats.requests).find(([name]) => name.startsWith(suffix))?.[1];
  return {
    sent: stats.sent,
    bytes: stats.bytes,
    catchUps: of('catch-up/')?.count ?? 0,
    catchUpAnswerBytes: of('catch-up/')?.answerBytes ?? 0,
    claims: of('maj23/')?.count ?? 0,
    heights: run.decisions[0]?.length ?? 0,
    wallMs: performance.now() - started,
  };
}

/** The cost per virtual second of `scenario` from `fromMs` to `toMs`. */
export async function spanCost(scenario: Scenario, fromMs: number, toMs: number, seed = 1): Promise<SpanCost> {
  const a = await totalsTo(scenario, fromMs, seed);
  const b = await totalsTo(scenario, toMs, seed);
  const s = (toMs - fromMs) / 1000;
  return {
    crossings: (b.sent - a.sent) / s,
    bytes: (b.bytes - a.bytes) / s,
    catchUps: (b.catchUps - a.catchUps) / s,
    catchUpAnswerBytes: (b.catchUpAnswerBytes - a.catchUpAnswerBytes) / s,
    claims: (b.claims - a.claims) / s,
    heights: b.heights - a.heights,
    wallMsPerS: b.wallMs / (toMs / 1000),
  };
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { ...STUCK_SPAN }, 'sim-stuck.ts');
  console.log(`4 validators, per virtual second from ${o.fromMs} to ${o.toMs} ms (counts are deterministic; wall time is not):`);
  for (const { name, scenario } of STUCK_SCENARIOS) {
    const c = await spanCost(scenario, o.fromMs, o.toMs);
    console.log(
      `${name.padEnd(30)} ${c.crossings.toFixed(1).padStart(7)} crossings/s ${c.bytes.toFixed(0).padStart(8)} B/s  catch-up ${c.catchUps.toFixed(2)}/s ` +
        `(answers ${c.catchUpAnswerBytes.toFixed(0)} B/s)  claims ${c.claims.toFixed(2)}/s  heights ${c.heights}  wall ${c.wallMsPerS.toFixed(1)} ms/s`,
    );
  }
}

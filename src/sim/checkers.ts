/**
 * The properties every run is checked against (spec/faults.md, "Properties"). They look only
 * at correct validators: a Byzantine one may decide or sign anything. Agreement covers state
 * too: one block must leave every correct validator's application with the same root.
 */
import { amnesiaAt, equivocatorsAt } from './accountability.js';
import { components, cutLinks, downNodes, faultStateAtEnd, lateStarts, type ScenarioShape } from './connectivity.js';
import type { SimRun, VoteRecord } from './run-types.js';

/**
 * Most serious first: a broken fork beats a missing culprit, which beats a broken signing or
 * locking rule (the bugs behind a fork, seen before one happens), which beats a stalled chain.
 */
export const PROPERTIES = ['agreement', 'validity', 'accountability', 'doubleSign', 'locking', 'liveness'] as const;
export type Property = (typeof PROPERTIES)[number];

export interface Violation {
  property: Property;
  message: string;
  /** When the run showed it (virtual ms), where the checker knows: for a person reading a trace, never judged. */
  at?: number;
  /** The height it is about, where there is one. */
  height?: number;
}

/** The most serious property among these violations (PROPERTIES' order), or null for none. */
export function mostSerious(violations: readonly (Violation | Property)[]): Property | null {
  const violated = new Set(violations.map((v) => (typeof v === 'string' ? v : v.property)));
  return PROPERTIES.find((p) => violated.has(p)) ?? null;
}

export interface Accountability {
  /** Validators the forensics names, by scenario name. */
  named: string[];
  namedPower: number;
  totalPower: number;
  /** Agreement can only break when more than 1/3 of the power misbehaved: the evidence must show it. */
  exceedsOneThird: boolean;
  /** Correct validators among `named` (must be none: a correct validator is never guilty). */
  namedCorrect: string[];
  /** The first height decided two ways, and the rounds its decisions were committed in. */
  height: number;
  rounds: number[];
  /** Validators named by the amnesia rule (accountability.ts), by name. */
  amnesia: string[];
  /** False when the run carries no vote record: only the equivocation evidence was judged. */
  votesSeen: boolean;
}

export interface LivenessJudgement {
  /** 'healed': after GST; 'connected-quorum': faults never heal, but a connected correct quorum must decide. */
  basis: 'healed' | 'connected-quorum' | 'not-judged';
  reason: string;
  /** Validators asked to decide, by name. */
  nodes: string[];
}

export interface RunCheck {
  violations: Violation[];
  /** False when liveness was not judged (`liveness.reason` says why). */
  livenessChecked: boolean;
  liveness: LivenessJudgement;
  /** Present when agreement was violated. */
  accountability: Accountability | null;
  /** The properties this run could judge (liveness not always, accountability only after a fork). */
  judged: Property[];
}

/**
 * `scenario` gives the faults (and late starts) behind `run.appliedFaults`: without it, faults
 * that never heal leave liveness unjudged.
 */
export function checkRun(run: SimRun, livenessBoundMs: number, scenario?: ScenarioShape): RunCheck {
  const correct = run.validators.map((v, i) => (v.byzantine === null ? i : -1)).filter((i) => i >= 0);
  const violations: Violation[] = [];

  const byHeight = new Map<number, Map<string, number[]>>();
  // Per height and block, when a correct validator first decided it: a fork shows when its second block is decided.
  const firstDecided = new Map<string, number>();
  for (const i of correct) {
    for (const d of run.decisions[i] ?? []) {
      const hashes = byHeight.get(d.height) ?? new Map<string, number[]>();
      hashes.set(d.blockHash, [...(hashes.get(d.blockHash) ?? []), i]);
      byHeight.set(d.height, hashes);
      const key = `${d.height}/${d.blockHash}`;
      firstDecided.set(key, Math.min(firstDecided.get(key) ?? d.at, d.at));
      if (!d.valid) violations.push({ property: 'validity', message: `${run.validators[i]?.name} decided an invalid block at height ${d.height}`, at: d.at, height: d.height });
    }
  }
  // The same block must leave every correct validator's application in the same state.
  const roots = new Map<string, { root: string; node: number }>();
  for (const i of correct) {
    for (const d of run.decisions[i] ?? []) {
      if (!d.valid) continue;
      const seen = roots.get(`${d.height}/${d.blockHash}`);
      if (!seen) roots.set(`${d.height}/${d.blockHash}`, { root: d.appHash, node: i });
      else if (seen.root !== d.appHash) {
        violations.push({ property: 'agreement', message: `height ${d.height}: the same block left ${run.validators[seen.node]?.name} at state ${seen.root.slice(0, 12)} and ${run.validators[i]?.name} at ${d.appHash.slice(0, 12)}`, at: d.at, height: d.height });
      }
    }
  }
  const forkHeights: number[] = [];
  const forkAt = new Map<number, number>();
  for (const [height, hashes] of [...byHeight].sort((a, b) => a[0] - b[0])) {
    if (hashes.size < 2) continue;
    forkHeights.push(height);
    const sides = [...hashes].map(([hash, nodes]) => `${nodes.map((i) => run.validators[i]?.name).join(',')} decided ${hash.slice(0, 12)}`);
    const at = [...hashes.keys()].map((hash) => firstDecided.get(`${height}/${hash}`) ?? 0).sort((a, b) => a - b)[1] as number;
    forkAt.set(height, at);
    violations.push({ property: 'agreement', message: `height ${height}: ${sides.join('; ')}`, at, height });
  }

  for (const d of run.doubleSigns) {
    violations.push({ property: 'doubleSign', message: `${run.validators[d.node]?.name} signed two different type-${d.type} votes at ${d.height}/${d.round}`, height: d.height });
  }

  const lockingJudged = run.votesComplete === true;
  if (lockingJudged) violations.push(...lockingViolations(run, correct));

  const liveness = judgeLiveness(run, livenessBoundMs, correct, scenario, violations);

  let accountability: Accountability | null = null;
  if (forkHeights.length > 0) {
    accountability = accountabilityAt(run, forkHeights[0] as number, correct);
    const where = { at: forkAt.get(accountability.height) as number, height: accountability.height };
    if (!accountability.exceedsOneThird) {
      violations.push({ property: 'accountability', message: `fork at height ${accountability.height}: the evidence names ${accountability.named.join(', ') || 'nobody'}, ${accountability.namedPower}/${accountability.totalPower} of the power, not more than 1/3`, ...where });
    }
    if (accountability.namedCorrect.length > 0) {
      violations.push({ property: 'accountability', message: `fork at height ${accountability.height}: the evidence names correct validator(s) ${accountability.namedCorrect.join(', ')}`, ...where });
    }
  }
  const judged = PROPERTIES.filter((p) => (p === 'liveness' ? liveness.basis !== 'not-judged' : p === 'accountability' ? accountability !== null : p === 'locking' ? lockingJudged : true));
  return { violations, livenessChecked: liveness.basis !== 'not-judged', liveness, accountability, judged };
}

/**
 * Forensics of the first forked height, judged against the set that signed it (staking moves
 * power between heights): the equivocation evidence correct validators collected and the
 * commits of one round share (run.evidence), equivocations and amnesia in every vote seen.
 */
function accountabilityAt(run: SimRun, height: number, correct: readonly number[]): Accountability {
  const powers = powersAt(run, height);
  const totalPower = Object.values(powers).reduce((s, p) => s + p, 0);
  const votes = run.votes ?? [];
  const amnesic = amnesiaAt(votes, height, powers).map((p) => p.validator);
  const addresses = new Set([...run.evidence, ...equivocatorsAt(votes, height), ...amnesic]);
  // A twin shares its validator's key and address: one entry per key, the validator's (listed first).
  const named = run.validators.filter((v, i) => addresses.has(v.address) && run.validators.findIndex((w) => w.address === v.address) === i);
  const namedPower = named.reduce((s, v) => s + (powers[v.address] ?? 0), 0);
  const rounds = new Set<number>();
  for (const i of correct) for (const d of run.decisions[i] ?? []) if (d.height === height) rounds.add(d.round);
  return {
    named: named.map((v) => v.name),
    namedPower,
    totalPower,
    exceedsOneThird: namedPower * 3 > totalPower,
    namedCorrect: named.filter((v) => v.byzantine === null).map((v) => v.name),
    height,
    rounds: [...rounds].sort((a, b) => a - b),
    amnesia: named.filter((v) => amnesic.includes(v.address)).map((v) => v.name),
    votesSeen: run.votes !== undefined,
  };
}

/**
 * The locking rule, judged from every vote signed (spec/faults.md, "Properties"): a correct
 * validator that precommitted v1 in round r1 prevotes another value v2 in a later round only
 * on a proof-of-lock for v2 from a round r with r1 <= r < r2 — the amnesia rule of
 * accountability.ts, asked of correct validators at every height rather than of culprits after
 * a fork. Stronger than agreement: a lock bug shows here in runs where it did not (yet) fork.
 * Judged only when the run saw every vote (the simulator does; a listener on real gossip may
 * miss a polka made of direct sends, and would then blame a correct validator).
 */
function lockingViolations(run: SimRun, correct: readonly number[]): Violation[] {
  const correctAddresses = new Map<string, string>();
  for (const i of correct) {
    const v = run.validators[i];
    // A full node signs nothing; a twin's address is its validator's, which is not correct.
    if (v && v.power > 0) correctAddresses.set(v.address, v.name);
  }
  const byHeight = new Map<number, VoteRecord[]>();
  for (const v of run.votes ?? []) {
    const at = byHeight.get(v.height);
    if (at) at.push(v);
    else byHeight.set(v.height, [v]);
  }
  const violations: Violation[] = [];
  for (const [height, votes] of [...byHeight].sort((a, b) => a[0] - b[0])) {
    for (const proof of amnesiaAt(votes, height, powersAt(run, height))) {
      const who = correctAddresses.get(proof.validator);
      if (who === undefined) continue;
      violations.push({
        property: 'locking',
        message: `${who} precommitted ${proof.precommit.blockHash.slice(0, 12)} in round ${proof.precommit.round} of height ${height}, then prevoted ${proof.prevote.blockHash.slice(0, 12)} in round ${proof.prevote.round} with no proof-of-lock for it from round ${proof.precommit.round} on`,
        at: votes.find((v) => v.validator === proof.validator && v.type === 1 && v.round === proof.prevote.round && v.blockHash === proof.prevote.blockHash)?.at,
        height,
      });
    }
  }
  return violations;
}

function judgeLiveness(run: SimRun, boundMs: number, correct: readonly number[], scenario: ScenarioShape | undefined, violations: Violation[]): LivenessJudgement {
  const name = (i: number): string => run.validators[i]?.name as string;
  let basis: LivenessJudgement['basis'];
  let from: number;
  let asked: number[];
  if (run.gstMs !== null) {
    basis = 'healed';
    from = run.gstMs;
    asked = correct.filter((i) => !run.down.includes(name(i)));
  } else {
    const quorum = connectedQuorum(run, correct, scenario);
    if (typeof quorum === 'string') return { basis: 'not-judged', reason: quorum, nodes: [] };
    basis = 'connected-quorum';
    ({ from, members: asked } = quorum);
  }
  const deadline = from + boundMs;
  const stalled = asked.filter((i) => !(run.decisions[i] ?? []).some((d) => d.at > from && d.at <= deadline));
  const what = basis === 'healed' ? `GST ${from} ms` : `the last fault change at ${from} ms`;
  if (run.endMs < deadline && stalled.length > 0) return { basis: 'not-judged', reason: `the run ended at ${run.endMs} ms, before ${what} + the bound (${deadline} ms)`, nodes: asked.map(name) };
  for (const i of stalled) violations.push({ property: 'liveness', message: `${name(i)} committed nothing between ${what} and ${deadline} ms`, at: deadline });
  const reason = basis === 'healed' ? `every fault healed by GST ${from} ms` : `faults never heal; ${asked.map(name).join(', ')} hold more than 2/3 of the power and reach each other after ${from} ms`;
  return { basis, reason, nodes: asked.map(name) };
}

/** The correct, up validators that reach each other after the last fault change, if they hold more than 2/3 of the power. */
function connectedQuorum(run: SimRun, correct: readonly number[], scenario: ScenarioShape | undefined): { from: number; members: number[] } | string {
  if (!scenario) return 'a fault never heals, and the checker was not given the scenario to find a connected quorum';
  const state = faultStateAtEnd(run, scenario);
  if (typeof state === 'string') return state;
  const inForce = state.inForce.map((i) => scenario.faults[i]).filter((f) => f !== undefined);
  const names = run.validators.map((v) => v.name);
  const down = downNodes(inForce);
  const notStarted = new Set(lateStarts(scenario).filter((v) => v.startAt > run.endMs).map((v) => v.name));
  const members = correct.filter((i) => !down.has(name(names, i)) && !notStarted.has(name(names, i)) && !run.down.includes(name(names, i)));
  // The set that must sign the height the members are stuck at (or have reached): a staking change may have moved power to a node cut off.
  const reached = Math.max(0, ...members.flatMap((i) => (run.decisions[i] ?? []).map((d) => d.height)));
  const powers = powersAt(run, reached + 1);
  const total = Object.values(powers).reduce((s, p) => s + p, 0);
  const power = (group: readonly number[]): number => [...new Set(group.map((i) => run.validators[i]?.address as string))].reduce((s, a) => s + (powers[a] ?? 0), 0);
  const best = components(members, cutLinks(names, inForce)).reduce<number[]>((a, b) => (power(b) > power(a) ? b : a), []);
  if (power(best) * 3 <= total * 2) {
    return `a fault never heals, and no connected group of correct validators holds more than 2/3 of the power (the largest: ${best.map((i) => name(names, i)).join(', ') || 'none'}, ${power(best)}/${total})`;
  }
  return { from: state.lastChange, members: best };
}

function name(names: readonly string[], i: number): string {
  return names[i] as string;
}

/** The powers of the set that signs `height` (hex address → power): the run's record, or the scenario's validators when it has none. */
export function powersAt(run: SimRun, height: number): Record<string, number> {
  const recorded = (run.validatorSets ?? []).filter((s) => s.height <= height).at(-1);
  if (recorded) return recorded.powers;
  // A twin (listed after its validator, power 0) shares the validator's address: the first entry counts.
  const powers: Record<string, number> = {};
  for (const v of run.validators) powers[v.address] ??= v.power;
  return powers;
}

/**
 * Accountability as a property, on hand-made runs: a fork across rounds must be blamed on the
 * validators whose votes prove amnesia, not on the intersection of the two commits (which can
 * hold a correct validator that was released from its lock by a polka in between), and the
 * checker must report an analysis that names a correct validator or too little power.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amnesiaAt, equivocatorsAt } from '../../src/sim/accountability.js';
import { checkRun } from '../../src/sim/checkers.js';
import { forkEvidence } from '../../src/sim/fork-evidence.js';
import { COMMIT_FLAG_COMMIT, COMMIT_FLAG_NIL, type Commit } from '../../src/codec/vote.js';
import type { SimRun, VoteRecord } from '../../src/sim/run-types.js';

const names = ['a', 'b', 'c', 'd'];
const addr = (n: string): string => n.repeat(40);
const A = 'aa'.repeat(32);
const B = 'bb'.repeat(32);

function vote(who: string, round: number, type: 1 | 2, blockHash: string, height = 1): VoteRecord {
  return { at: round * 1000, validator: addr(who), height, round, type, blockHash };
}

/** a and b correct, c and d Byzantine (20 of 40: more than 1/3, so a fork is possible). */
function run(over: Partial<SimRun>): SimRun {
  const decision = (round: number, blockHash: string) => ({ height: 1, round, blockHash, valid: true, appHash: 'ff', at: 1000 * (round + 1) });
  return {
    seed: 1,
    traceHash: '',
    endMs: 10_000,
    gstMs: 0,
    down: [],
    validators: names.map((name) => ({ name, address: addr(name), power: 10, byzantine: name === 'c' || name === 'd' ? 'amnesia' : null })),
    decisions: [[decision(0, A)], [decision(2, B)], [], []],
    doubleSigns: [],
    evidence: [],
    timeline: [],
    faults: [],
    messages: { sent: 0, lost: 0, junk: 0 },
    ...over,
  };
}

/**
 * Round 0: a, c, d prevote and precommit A (a decides A). Round 1: b, c, d prevote B — c and d
 * forget their lock on A. Round 2: a, b, c prevote and precommit B (b decides B); a may, as the
 * polka for B in round 1 lies after its lock.
 */
const amnesiaFork: VoteRecord[] = [
  ...['a', 'c', 'd'].flatMap((n) => [vote(n, 0, 1, A), vote(n, 0, 2, A)]),
  vote('b', 0, 1, ''),
  vote('b', 0, 2, ''),
  ...['b', 'c', 'd'].map((n) => vote(n, 1, 1, B)),
  vote('a', 1, 1, ''),
  ...['a', 'b', 'c'].flatMap((n) => [vote(n, 2, 1, B), vote(n, 2, 2, B)]),
];

describe('accountability across rounds', () => {
  it('names the validators that forgot their lock, not the correct one a polka released', () => {
    const check = checkRun(run({ votes: amnesiaFork }), 60_000);
    expect(check.violations.map((v) => v.property)).toEqual(['agreement']);
    expect(check.accountability).toMatchObject({ named: ['c', 'd'], amnesia: ['c', 'd'], namedCorrect: [], rounds: [0, 2], exceedsOneThird: true, height: 1 });
    expect(check.judged).toContain('accountability');
  });

  it('reports the commits-intersection rule, which names the correct validator a, as a violation', () => {
    // Precommits of A in round 0 (a, c, d) and of B in round 2 (a, b, c): the old rule's evidence.
    const check = checkRun(run({ votes: amnesiaFork, evidence: [addr('a'), addr('c')] }), 60_000);
    expect(check.violations.filter((v) => v.property === 'accountability').map((v) => v.message)).toEqual(['fork at height 1: the evidence names correct validator(s) a']);
  });

  it('reports a fork whose evidence holds 1/3 of the power or less', () => {
    // Only c's equivocation evidence, no votes: an analysis that misses d.
    const check = checkRun(run({ votes: [], evidence: [addr('c')] }), 60_000);
    expect(check.accountability).toMatchObject({ named: ['c'], namedPower: 10, totalPower: 40, exceedsOneThird: false });
    expect(check.violations.some((v) => v.property === 'accountability' && v.message.includes('not more than 1/3'))).toBe(true);
  });

  it('names double signers of a fork in one round', () => {
    const votes = [...['a', 'c', 'd'].map((n) => vote(n, 0, 2, A)), ...['b', 'c', 'd'].map((n) => vote(n, 0, 2, B))];
    const check = checkRun(run({ votes, decisions: [[{ height: 1, round: 0, blockHash: A, valid: true, appHash: 'ff', at: 10 }], [{ height: 1, round: 0, blockHash: B, valid: true, appHash: 'ff', at: 10 }], [], []] }), 60_000);
    expect(check.accountability).toMatchObject({ named: ['c', 'd'], amnesia: [], exceedsOneThird: true, namedCorrect: [] });
    expect(check.violations.map((v) => v.property)).toEqual(['agreement']);
  });

  it('counts a twin, which shares the key of its validator, once', () => {
    const base = run({ votes: amnesiaFork });
    const withTwin = { ...base, validators: [...base.validators, { name: 'c-twin', address: addr('c'), power: 0, byzantine: 'twin' as const }], decisions: [...base.decisions, []] };
    expect(checkRun(withTwin, 60_000).accountability).toMatchObject({ named: ['c', 'd'], namedPower: 20, totalPower: 40 });
  });

  it('is not judged without a fork', () => {
    const check = checkRun(run({ votes: amnesiaFork, decisions: [[], [], [], []] }), 60_000);
    expect(check.accountability).toBeNull();
    expect(check.judged).not.toContain('accountability');
  });
});

describe('the amnesia rule', () => {
  const arbVote = fc.record({
    who: fc.constantFrom(...names),
    round: fc.integer({ min: 0, max: 3 }),
    type: fc.constantFrom(1 as const, 2 as const),
    hash: fc.constantFrom('', A, B),
  });

  it('names exactly the validators with a precommit, a later prevote for another value and no polka for it from the precommit round on', () => {
    fc.assert(
      fc.property(fc.array(arbVote, { maxLength: 60 }), (drawn) => {
        const votes = drawn.map((v) => vote(v.who, v.round, v.type, v.hash));
        const powers = Object.fromEntries(names.map((n) => [addr(n), 10]));
        // The oracle: brute force over pairs, a polka being prevotes from at least 3 of the 4.
        const polka = (hash: string, round: number): boolean => new Set(votes.filter((v) => v.type === 1 && v.round === round && v.blockHash === hash).map((v) => v.validator)).size >= 3;
        const guilty = names.filter((n) =>
          votes.some((pc) => pc.validator === addr(n) && pc.type === 2 && pc.blockHash !== '' && votes.some((pv) => pv.validator === addr(n) && pv.type === 1 && pv.blockHash !== '' && pv.blockHash !== pc.blockHash && pv.round > pc.round && ![...Array(pv.round - pc.round).keys()].some((k) => polka(pv.blockHash, pc.round + k)))),
        );
        expect(amnesiaAt(votes, 1, powers).map((p) => p.validator)).toEqual(guilty.map(addr));
      }),
      { numRuns: 300 },
    );
  });

  it('looks at one height only, and equivocation is two different votes of one type in one round', () => {
    const votes = [vote('a', 0, 2, A), vote('a', 1, 1, B, 2), vote('b', 0, 1, A), vote('b', 0, 1, ''), vote('c', 0, 1, A), vote('c', 0, 2, '')];
    expect(amnesiaAt(votes, 1, {})).toEqual([]);
    expect(equivocatorsAt(votes, 1)).toEqual([addr('b')]);
  });

  it('excuses a prevote by a polka in the round of the lock itself (lockedRound <= polRound), not by one in the round of the prevote', () => {
    const polkaForB = (round: number): VoteRecord[] => ['b', 'c', 'd'].map((n) => vote(n, round, 1, B));
    const powers = Object.fromEntries(names.map((n) => [addr(n), 10]));
    const named = (votes: VoteRecord[]): string[] => amnesiaAt(votes, 1, powers).map((p) => p.validator);
    expect(named([vote('a', 0, 2, A), vote('a', 1, 1, B)])).toEqual([addr('a')]);
    expect(named([vote('a', 0, 2, A), ...polkaForB(0), vote('a', 1, 1, B)])).not.toContain(addr('a'));
    expect(named([vote('a', 0, 2, A), ...polkaForB(1), vote('a', 1, 1, B)])).toContain(addr('a'));
    expect(named([vote('a', 0, 2, A), ...polkaForB(1), vote('a', 2, 1, B)])).not.toContain(addr('a'));
  });
});

describe('fork evidence from two commits', () => {
  const commit = (round: number, blockHash: string, signers: string[]): Commit => ({
    height: 1,
    round,
    blockHash: new Uint8Array(32).fill(blockHash === A ? 0xaa : 0xbb),
    signatures: names.map((n) => ({ flag: signers.includes(n) ? COMMIT_FLAG_COMMIT : COMMIT_FLAG_NIL, validatorAddress: new Uint8Array(20).fill(n.charCodeAt(0)), signature: new Uint8Array(64) })),
  });
  const decided = (c: Commit, blockHash: string) => [{ height: 1, blockHash, commit: c }];
  const hex = (n: string): string => Buffer.from(new Uint8Array(20).fill(n.charCodeAt(0))).toString('hex');

  it('names the validators in both commits of one round: they precommitted two blocks in it', () => {
    expect(forkEvidence([decided(commit(0, A, ['a', 'c', 'd']), A), decided(commit(0, B, ['b', 'c', 'd']), B)]).sort()).toEqual([hex('c'), hex('d')]);
  });

  it('names nobody from commits of two rounds: a polka in between may have released them', () => {
    expect(forkEvidence([decided(commit(0, A, ['a', 'c', 'd']), A), decided(commit(2, B, ['a', 'b', 'c']), B)])).toEqual([]);
  });
});

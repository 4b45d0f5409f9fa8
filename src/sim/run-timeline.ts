/**
 * The run as a timeline a person (or a script) reads (`cmt sim run --timeline FILE.json`): the
 * run's own records — decisions, every height/round/step change, the faults applied — and, per
 * validator by name, the proposals it made and accepted, the votes it signed and its lock as it
 * changed. Hex addresses become names here, once, so the file reads without a lookup table.
 */
import type { RunCheck } from './checkers.js';
import type { SimRun } from './run-types.js';

export interface TimelineVote {
  at: number;
  height: number;
  round: number;
  type: 'prevote' | 'precommit';
  /** The block's hash, or 'nil'. */
  block: string;
}

export interface TimelineProposal {
  at: number;
  height: number;
  round: number;
  polRound: number;
  /** The proposer's name ('?' when the node had not computed it). */
  proposer: string;
  blockHash: string;
  made: boolean;
}

export interface TimelineLock {
  at: number;
  height: number;
  lockedRound: number;
  lockedValue: string;
  validRound: number;
}

export interface ValidatorTimeline {
  name: string;
  byzantine: string | null;
  proposals: TimelineProposal[];
  votes: TimelineVote[];
  locks: TimelineLock[];
}

export interface RunTimeline {
  scenario: string;
  seed: number;
  mutation: string | null;
  traceHash: string;
  endMs: number;
  gstMs: number | null;
  validators: SimRun['validators'];
  decisions: SimRun['decisions'];
  timeline: SimRun['timeline'];
  faults: SimRun['faults'];
  perValidator: ValidatorTimeline[];
  check: RunCheck;
}

/**
 * Node i's proposals, votes and locks. Votes are the signer's (run.votes names the key, so a
 * validator and its twin share theirs).
 */
export function perValidator(run: SimRun): ValidatorTimeline[] {
  const nameOf = new Map(run.validators.map((v) => [v.address, v.name]));
  return run.validators.map((v, i) => ({
    name: v.name,
    byzantine: v.byzantine,
    proposals: (run.proposals ?? [])
      .filter((p) => p.node === i)
      .map((p) => ({ at: p.at, height: p.height, round: p.round, polRound: p.polRound, proposer: nameOf.get(p.proposer) ?? '?', blockHash: p.blockHash, made: p.made })),
    votes: (run.votes ?? [])
      .filter((r) => r.validator === v.address)
      .map((r) => ({ at: r.at, height: r.height, round: r.round, type: r.type === 1 ? ('prevote' as const) : ('precommit' as const), block: r.blockHash === '' ? 'nil' : r.blockHash })),
    locks: (run.locks ?? []).filter((l) => l.node === i).map((l) => ({ at: l.at, height: l.height, lockedRound: l.lockedRound, lockedValue: l.lockedValue, validRound: l.validRound })),
  }));
}

export function runTimeline(run: SimRun, check: RunCheck, scenario: string, mutation: string | null): RunTimeline {
  const { seed, traceHash, endMs, gstMs, validators, decisions, timeline, faults } = run;
  return { scenario, seed, mutation, traceHash, endMs, gstMs, validators, decisions, timeline, faults, perValidator: perValidator(run), check };
}

/**
 * dump_consensus_state's round_state read into checked values. A field of the wrong shape makes
 * the whole answer an Error the page shows; it never throws.
 */
import { parseBitArray, readSlot, type BitArray, type VoteSlot } from './votes.js';

export interface ValidatorView {
  /** Upper-case hex, as CometBFT shows it. */
  address: string;
  power: number;
}

export interface RoundVotes {
  round: number;
  /** One slot per validator of the height, in the validator set's order. */
  prevotes: VoteSlot[];
  precommits: VoteSlot[];
  prevotesBits: BitArray | undefined;
  precommitsBits: BitArray | undefined;
}

/** The previous height's precommits (CometBFT's last_commit), against that height's validators. */
export interface LastCommit {
  height: number;
  round: number;
  validators: ValidatorView[];
  /** One per validator of `validators`: a precommit for the block, for nil, or none. */
  slots: VoteSlot[];
}

export interface RoundState {
  height: number;
  round: number;
  step: string;
  proposer: string | undefined;
  proposalBlockHash: string;
  lockedRound: number;
  lockedBlockHash: string;
  validRound: number;
  validBlockHash: string;
  validators: ValidatorView[];
  rounds: RoundVotes[];
  lastCommit: LastCommit | undefined;
}

/** CometBFT's RoundStepType names by number. */
const STEPS: Readonly<Record<number, string>> = {
  1: 'NewHeight',
  2: 'NewRound',
  3: 'Propose',
  4: 'Prevote',
  5: 'PrevoteWait',
  6: 'Precommit',
  7: 'PrecommitWait',
  8: 'Commit',
};

export function stepName(step: unknown): string {
  if (typeof step === 'number') return STEPS[step] ?? `step ${step}`;
  if (typeof step === 'string') return /^\d+$/.test(step) ? stepName(Number(step)) : step.slice(0, 40);
  return '?';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-negative integer given as a number or a decimal string (CometBFT quotes int64s). */
export function readCount(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^\d{1,16}$/.test(v)) return Number(v);
  return undefined;
}

/** A round number where -1 means none (locked_round, valid_round). */
function readRound(v: unknown): number {
  if (v === -1 || v === '-1') return -1;
  return readCount(v) ?? -1;
}

function readHash(v: unknown): string {
  return typeof v === 'string' && /^[0-9A-Fa-f]{0,128}$/.test(v) ? v.toUpperCase() : '';
}

const ADDRESS = /^[0-9A-Fa-f]{40}$/;
/** More validators than any real set: an answer claiming more is junk, not a page to draw. */
const MAX_VALIDATORS = 1000;
const MAX_ROUNDS = 200;

function readValidators(v: unknown): ValidatorView[] | Error {
  if (!Array.isArray(v)) return new Error('round_state.validators.validators is not a list');
  if (v.length > MAX_VALIDATORS) return new Error(`round_state lists ${v.length} validators`);
  const out: ValidatorView[] = [];
  for (const item of v) {
    if (!isObj(item) || typeof item.address !== 'string' || !ADDRESS.test(item.address)) return new Error('a validator of round_state has no address');
    const power = readCount(item.voting_power);
    if (power === undefined) return new Error(`validator ${item.address} has no voting power`);
    out.push({ address: item.address.toUpperCase(), power });
  }
  return out;
}

function readSlots(v: unknown, size: number): VoteSlot[] {
  const list = Array.isArray(v) ? v : [];
  return Array.from({ length: size }, (_, i) => readSlot(list[i]));
}

function readRounds(v: unknown, size: number): RoundVotes[] | Error {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return new Error('round_state.votes is not a list');
  const out: RoundVotes[] = [];
  for (const item of v.slice(0, MAX_ROUNDS)) {
    if (!isObj(item)) return new Error('a round of round_state.votes is not an object');
    const round = readCount(item.round);
    if (round === undefined) return new Error('a round of round_state.votes has no round number');
    out.push({
      round,
      prevotes: readSlots(item.prevotes, size),
      precommits: readSlots(item.precommits, size),
      prevotesBits: parseBitArray(item.prevotes_bit_array),
      precommitsBits: parseBitArray(item.precommits_bit_array),
    });
  }
  return out;
}

/**
 * last_commit with last_validators (CometBFT has both; without last_validators the height's
 * own set is assumed). Absent or malformed: undefined, the rest of the answer still drawn.
 */
function readLastCommit(rs: Obj, current: ValidatorView[]): LastCommit | undefined {
  const lc = rs.last_commit;
  if (!isObj(lc) || !Array.isArray(lc.votes)) return undefined;
  const set = isObj(rs.last_validators) ? readValidators(rs.last_validators.validators) : current;
  const validators = set instanceof Error ? current : set;
  const slots = readSlots(lc.votes, validators.length);
  const first = slots.flatMap((s) => (s.vote === 'none' ? [] : [s.summary]))[0];
  const height = readCount(lc.height) ?? first?.height;
  const round = readCount(lc.round) ?? first?.round;
  if (height === undefined || round === undefined) return undefined;
  return { height, round, validators, slots };
}

/** The result of dump_consensus_state (or its round_state alone). */
export function parseDumpConsensusState(raw: unknown): RoundState | Error {
  const rs = isObj(raw) && isObj(raw.round_state) ? raw.round_state : raw;
  if (!isObj(rs)) return new Error('dump_consensus_state: no round_state in the answer');
  const height = readCount(rs.height);
  const round = readCount(rs.round);
  if (height === undefined || round === undefined) return new Error('dump_consensus_state: round_state has no height or round');
  const set = isObj(rs.validators) ? rs.validators : {};
  const validators = readValidators(set.validators ?? []);
  if (validators instanceof Error) return validators;
  const rounds = readRounds(rs.votes ?? rs.height_vote_set, validators.length);
  if (rounds instanceof Error) return rounds;
  const proposer = isObj(set.proposer) && typeof set.proposer.address === 'string' && ADDRESS.test(set.proposer.address) ? set.proposer.address.toUpperCase() : undefined;
  return {
    height,
    round,
    step: stepName(rs.step),
    proposer,
    proposalBlockHash: readHash(rs.proposal_block_hash),
    lockedRound: readRound(rs.locked_round),
    lockedBlockHash: readHash(rs.locked_block_hash),
    validRound: readRound(rs.valid_round),
    validBlockHash: readHash(rs.valid_block_hash),
    validators,
    rounds,
    lastCommit: readLastCommit(rs, validators),
  };
}

/**
 * The vote grid of one height: a row per validator, a prevote and a precommit column per round
 * that matters, and under each column the power that voted and whether it reached +2/3.
 */
import type { RoundState, RoundVotes, ValidatorView } from './round-state.js';
import type { VoteKind, VoteSlot } from './votes.js';

export interface Tally {
  /** Power of every validator that voted (block or nil). */
  voted: number;
  nil: number;
  /** The block (hash prefix) with the most power, and that power. */
  topBlock: string;
  topPower: number;
  total: number;
  /**
   * What reached more than 2/3 of the power: a block (a polka for prevotes, a commit for
   * precommits), nil, only votes for different things ('any'), or nothing yet.
   */
  quorum: 'block' | 'nil' | 'any' | 'none';
}

export interface GridColumn {
  round: number;
  kind: VoteKind;
  tally: Tally;
}

export interface GridRow {
  validator: ValidatorView;
  /** One per column, in the columns' order. */
  cells: VoteSlot[];
}

export interface VoteGrid {
  columns: GridColumn[];
  rows: GridRow[];
}

/** More than two thirds, in integers (CometBFT's +2/3). */
export function overTwoThirds(power: number, total: number): boolean {
  return total > 0 && power * 3 > total * 2;
}

export function tally(slots: VoteSlot[], validators: ValidatorView[]): Tally {
  const total = validators.reduce((sum, v) => sum + v.power, 0);
  const byBlock = new Map<string, number>();
  let voted = 0;
  let nil = 0;
  slots.forEach((slot, i) => {
    const power = validators[i]?.power ?? 0;
    if (slot.vote === 'none') return;
    voted += power;
    if (slot.vote === 'nil') nil += power;
    else byBlock.set(slot.summary.block, (byBlock.get(slot.summary.block) ?? 0) + power);
  });
  let topBlock = '';
  let topPower = 0;
  for (const [block, power] of byBlock) {
    if (power > topPower) [topBlock, topPower] = [block, power];
  }
  const quorum = overTwoThirds(topPower, total) ? 'block' : overTwoThirds(nil, total) ? 'nil' : overTwoThirds(voted, total) ? 'any' : 'none';
  return { voted, nil, topBlock, topPower, total, quorum };
}

function hasVote(r: RoundVotes): boolean {
  return [...r.prevotes, ...r.precommits].some((s) => s.vote !== 'none');
}

/** The rounds shown: round 0, the current round, and every round with a vote in it. */
export function shownRounds(state: RoundState): number[] {
  const rounds = new Set<number>([0, state.round]);
  for (const r of state.rounds) if (hasVote(r)) rounds.add(r.round);
  return [...rounds].sort((a, b) => a - b);
}

export function voteGrid(state: RoundState): VoteGrid {
  const none: VoteSlot[] = state.validators.map(() => ({ vote: 'none' }));
  const columns: GridColumn[] = [];
  const lists: VoteSlot[][] = [];
  for (const round of shownRounds(state)) {
    const votes = state.rounds.find((r) => r.round === round);
    for (const kind of ['prevote', 'precommit'] as const) {
      const slots = votes ? (kind === 'prevote' ? votes.prevotes : votes.precommits) : none;
      columns.push({ round, kind, tally: tally(slots, state.validators) });
      lists.push(slots);
    }
  }
  const rows = state.validators.map((validator, i) => ({ validator, cells: lists.map((slots) => slots[i] ?? { vote: 'none' as const }) }));
  return { columns, rows };
}

/** The validators with no vote in the column: whose votes a stuck height waits for. */
export function missing(grid: VoteGrid, column: number): ValidatorView[] {
  return grid.rows.filter((r) => r.cells[column]?.vote === 'none').map((r) => r.validator);
}

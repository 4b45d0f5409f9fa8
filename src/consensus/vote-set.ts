/**
 * Votes of one height, tallied by voting power. A VoteSet holds one round's prevotes or
 * precommits (at most one vote per validator: a second, different vote is an equivocation and
 * is reported, never counted); a HeightVoteSet holds every round of a height and knows which
 * validators took part in each round, for the round-skip rule.
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { PRECOMMIT, PREVOTE, type Vote, type VoteType } from '../codec/vote.js';
import type { ValidatorSet } from './validator-set.js';

export type AddVoteResult =
  | { kind: 'added' }
  | { kind: 'duplicate' }
  /** The validator already voted differently in this round; `existing` is the vote that counts. */
  | { kind: 'conflict'; existing: Vote }
  | { kind: 'unknownValidator' };

/** More than two thirds, in integers: 3p > 2t. */
export function isTwoThirds(power: number, total: number): boolean {
  return power * 3 > total * 2;
}

/** More than one third: at least one correct validator is among them. */
export function isOneThird(power: number, total: number): boolean {
  return power * 3 > total;
}

const NIL_KEY = 'nil';

function blockKey(hash: Uint8Array): string {
  return hash.length === 0 ? NIL_KEY : toHex(hash);
}

export class VoteSet {
  private readonly votes: (Vote | undefined)[];
  private readonly powerByBlock = new Map<string, number>();
  private totalVoted = 0;

  constructor(
    readonly validators: ValidatorSet,
    readonly type: VoteType,
    readonly round: number,
  ) {
    this.votes = new Array<Vote | undefined>(validators.size);
  }

  add(vote: Vote): AddVoteResult {
    const validator = this.validators.getByIndex(vote.validatorIndex);
    if (!validator || !bytesEqual(validator.address, vote.validatorAddress)) return { kind: 'unknownValidator' };
    const existing = this.votes[vote.validatorIndex];
    if (existing) {
      return bytesEqual(existing.blockHash, vote.blockHash) ? { kind: 'duplicate' } : { kind: 'conflict', existing };
    }
    this.votes[vote.validatorIndex] = vote;
    const key = blockKey(vote.blockHash);
    this.powerByBlock.set(key, (this.powerByBlock.get(key) ?? 0) + validator.power);
    this.totalVoted += validator.power;
    return { kind: 'added' };
  }

  get(index: number): Vote | undefined {
    return this.votes[index];
  }

  /** Power of the votes for `hash` (empty bytes: nil). */
  powerFor(hash: Uint8Array): number {
    return this.powerByBlock.get(blockKey(hash)) ?? 0;
  }

  hasTwoThirdsFor(hash: Uint8Array): boolean {
    return isTwoThirds(this.powerFor(hash), this.validators.totalPower);
  }

  /** +2/3 of the power voted, for anything. */
  hasTwoThirdsAny(): boolean {
    return isTwoThirds(this.totalVoted, this.validators.totalPower);
  }

  /** The block hash (or empty bytes for nil) that has +2/3 of the power, if any. */
  twoThirdsMajority(): Uint8Array | null {
    for (const [key, power] of this.powerByBlock) {
      if (!isTwoThirds(power, this.validators.totalPower)) continue;
      if (key === NIL_KEY) return new Uint8Array(0);
      const vote = this.votes.find((v) => v !== undefined && blockKey(v.blockHash) === key) as Vote;
      return vote.blockHash;
    }
    return null;
  }

  /** Every vote, in validator-set order. */
  all(): Vote[] {
    return this.votes.filter((v): v is Vote => v !== undefined);
  }
}

interface RoundVotes {
  prevotes: VoteSet;
  precommits: VoteSet;
  /** Validators seen voting (either type) in this round, for the f+1 round-skip rule. */
  participants: Set<number>;
  participantPower: number;
}

export class HeightVoteSet {
  private readonly rounds = new Map<number, RoundVotes>();

  constructor(readonly validators: ValidatorSet) {}

  add(vote: Vote): AddVoteResult {
    const round = this.roundVotes(vote.round);
    const set = vote.type === PREVOTE ? round.prevotes : round.precommits;
    const result = set.add(vote);
    if (result.kind === 'added' && !round.participants.has(vote.validatorIndex)) {
      round.participants.add(vote.validatorIndex);
      round.participantPower += this.validators.getByIndex(vote.validatorIndex)?.power ?? 0;
    }
    return result;
  }

  prevotes(round: number): VoteSet {
    return this.roundVotes(round).prevotes;
  }

  precommits(round: number): VoteSet {
    return this.roundVotes(round).precommits;
  }

  /** Rounds that hold any vote, ascending. */
  roundsWithVotes(): number[] {
    return [...this.rounds.entries()]
      .filter(([, r]) => r.participants.size > 0)
      .map(([round]) => round)
      .sort((a, b) => a - b);
  }

  /** Every vote of the height, by round, prevotes before precommits (what a lagging peer lacks). */
  allVotes(): Vote[] {
    return this.roundsWithVotes().flatMap((r) => {
      const votes = this.rounds.get(r) as RoundVotes;
      return [...votes.prevotes.all(), ...votes.precommits.all()];
    });
  }

  /** The highest round above `round` in which validators holding more than 1/3 of the power voted. */
  highestSkipRound(round: number): number | null {
    let best: number | null = null;
    for (const [r, votes] of this.rounds) {
      if (r > round && (best === null || r > best) && isOneThird(votes.participantPower, this.validators.totalPower)) best = r;
    }
    return best;
  }

  private roundVotes(round: number): RoundVotes {
    let votes = this.rounds.get(round);
    if (!votes) {
      votes = {
        prevotes: new VoteSet(this.validators, PREVOTE, round),
        precommits: new VoteSet(this.validators, PRECOMMIT, round),
        participants: new Set(),
        participantPower: 0,
      };
      this.rounds.set(round, votes);
    }
    return votes;
  }
}

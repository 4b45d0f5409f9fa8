/**
 * Votes of one height, tallied by voting power. A VoteSet holds one round's prevotes or
 * precommits; a HeightVoteSet holds every round of a height and knows which validators took
 * part in each round, for the round-skip rule.
 *
 * A validator's first vote in a round counts for "+2/3 of anything" and for the round skip. A
 * second, different vote is an equivocation and is always reported; it is kept and counted in
 * its block's tally only when that block is claimed, by this node (its first votes already give
 * it +2/3) or by a peer that says it saw +2/3 for it (CometBFT's VoteSetMaj23 and
 * votesByBlock). Without that, a Byzantine validator that votes B to one side and nil to the
 * other leaves a polka for B that the nil side can never see, and the chain stalls. A
 * block's tally never counts a validator twice, so polka, commit and proof-of-lock read the
 * per-block tallies: two blocks can both reach +2/3 in one round only if more than 1/3 of the
 * power signed twice. See spec/hostile-input.md, "Vote sets and proof-of-lock".
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { PRECOMMIT, PREVOTE, type Vote, type VoteType } from '../codec/vote.js';
import type { ValidatorSet } from './validator-set.js';

export type AddVoteResult =
  | { kind: 'added' }
  | { kind: 'duplicate' }
  /**
   * The validator already voted differently in this round; `existing` is its first vote.
   * `counted`: the new vote is for a claimed block and now counts in that block's tally.
   */
  | { kind: 'conflict'; existing: Vote; counted: boolean }
  | { kind: 'unknownValidator' };

export type ClaimResult =
  | { kind: 'added' }
  /** This peer already claimed this block (or this node holds +2/3 for it itself). */
  | { kind: 'duplicate' }
  /** This peer already claimed another block in this round and type: its first claim stands. */
  | { kind: 'conflict' }
  /** Too many peers claimed in this round and type already, or the claim is for nil. */
  | { kind: 'refused' };

/**
 * Peers whose claims one vote set keeps. Each keeps one block, and a claimed block keeps at
 * most one conflicting vote per validator, so a vote set holds at most
 * (validators + 1 + MAX_CLAIMS_PER_VOTE_SET) block tallies and, besides the first votes, only
 * second votes of validators that signed twice.
 */
export const MAX_CLAIMS_PER_VOTE_SET = 100;

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

/** The votes for one block (or nil) in one round and type, by validator index. */
interface BlockVotes {
  hash: Uint8Array;
  votes: Map<number, Vote>;
  power: number;
}

export class VoteSet {
  /** Each validator's first vote: what "+2/3 of anything" and the round skip count. */
  private readonly first: (Vote | undefined)[];
  private readonly byBlock = new Map<string, BlockVotes>();
  /** Peer id → the block it claims +2/3 for (its first claim). */
  private readonly peerClaims = new Map<string, string>();
  /** Blocks whose conflicting votes are kept: claimed by a peer, or +2/3 here. */
  private readonly claimed = new Set<string>();
  private totalVoted = 0;

  constructor(
    readonly validators: ValidatorSet,
    readonly type: VoteType,
    readonly round: number,
    /** Power added to every tally before the +2/3 test: 0, or 1 for the mutation quorum-off-by-one. */
    private readonly quorumSlack = 0,
  ) {
    this.first = new Array<Vote | undefined>(validators.size);
  }

  private reachesTwoThirds(power: number): boolean {
    return isTwoThirds(power + this.quorumSlack, this.validators.totalPower);
  }

  add(vote: Vote): AddVoteResult {
    const validator = this.validators.getByIndex(vote.validatorIndex);
    if (!validator || !bytesEqual(validator.address, vote.validatorAddress)) return { kind: 'unknownValidator' };
    const index = vote.validatorIndex;
    const key = blockKey(vote.blockHash);
    const existing = this.first[index];
    if (!existing) {
      this.first[index] = vote;
      this.totalVoted += validator.power;
      this.tally(key, vote, validator.power);
      return { kind: 'added' };
    }
    if (bytesEqual(existing.blockHash, vote.blockHash) || this.byBlock.get(key)?.votes.has(index)) return { kind: 'duplicate' };
    const counted = this.claimed.has(key);
    if (counted) this.tally(key, vote, validator.power);
    return { kind: 'conflict', existing, counted };
  }

  /**
   * A peer says it saw +2/3 of this round's votes for `hash`: from now on a conflicting vote
   * for that block is kept and counted (the peer, or anyone, can then send the votes).
   */
  claim(peer: string, hash: Uint8Array): ClaimResult {
    if (hash.length === 0) return { kind: 'refused' };
    const key = blockKey(hash);
    const previous = this.peerClaims.get(peer);
    if (previous !== undefined) return previous === key ? { kind: 'duplicate' } : { kind: 'conflict' };
    if (this.peerClaims.size >= MAX_CLAIMS_PER_VOTE_SET) return { kind: 'refused' };
    this.peerClaims.set(peer, key);
    if (this.claimed.has(key)) return { kind: 'duplicate' };
    this.claimed.add(key);
    if (!this.byBlock.has(key)) this.byBlock.set(key, { hash, votes: new Map(), power: 0 });
    return { kind: 'added' };
  }

  private tally(key: string, vote: Vote, power: number): void {
    let entry = this.byBlock.get(key);
    if (!entry) {
      entry = { hash: vote.blockHash, votes: new Map(), power: 0 };
      this.byBlock.set(key, entry);
    }
    entry.votes.set(vote.validatorIndex, vote);
    entry.power += power;
    // +2/3 seen here is this node's own claim: the votes that make it all count.
    if (key !== NIL_KEY && this.reachesTwoThirds(entry.power)) this.claimed.add(key);
  }

  /** The validator's first vote. */
  get(index: number): Vote | undefined {
    return this.first[index];
  }

  /** The validator's vote for `hash` if it has one that counts, else its first vote. */
  voteFor(index: number, hash: Uint8Array): Vote | undefined {
    return this.byBlock.get(blockKey(hash))?.votes.get(index) ?? this.first[index];
  }

  /** Power of the votes for `hash` (empty bytes: nil), conflicting votes for a claimed block included. */
  powerFor(hash: Uint8Array): number {
    return this.byBlock.get(blockKey(hash))?.power ?? 0;
  }

  hasTwoThirdsFor(hash: Uint8Array): boolean {
    return this.reachesTwoThirds(this.powerFor(hash));
  }

  /** +2/3 of the power voted (first votes), for anything. */
  hasTwoThirdsAny(): boolean {
    return this.reachesTwoThirds(this.totalVoted);
  }

  /** The block hash (or empty bytes for nil) that has +2/3 of the power, if any. */
  twoThirdsMajority(): Uint8Array | null {
    for (const entry of this.byBlock.values()) {
      if (this.reachesTwoThirds(entry.power)) return entry.hash;
    }
    return null;
  }

  /** Whether conflicting votes for `hash` are kept here (a peer claimed it, or it has +2/3). */
  isClaimed(hash: Uint8Array): boolean {
    return this.claimed.has(blockKey(hash));
  }

  /** First votes, in validator-set order. */
  all(): Vote[] {
    return this.first.filter((v): v is Vote => v !== undefined);
  }

  /** The votes that count for `hash`, in validator-set order. */
  votesFor(hash: Uint8Array): Vote[] {
    const votes = this.byBlock.get(blockKey(hash))?.votes;
    return votes ? [...votes.values()].sort((a, b) => a.validatorIndex - b.validatorIndex) : [];
  }

  /** Every vote kept: the first votes, then counted conflicting votes. */
  everyVote(): Vote[] {
    const out = this.all();
    for (const entry of this.byBlock.values()) {
      for (const vote of entry.votes.values()) if (this.first[vote.validatorIndex] !== vote) out.push(vote);
    }
    return out;
  }

  /** Peers whose claim this set keeps (for tests and memory accounting). */
  get claimCount(): number {
    return this.peerClaims.size;
  }

  /** Block tallies held (for tests and memory accounting). */
  get blockCount(): number {
    return this.byBlock.size;
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

  constructor(
    readonly validators: ValidatorSet,
    /** See VoteSet: 1 only under the mutation quorum-off-by-one. */
    private readonly quorumSlack = 0,
  ) {}

  add(vote: Vote): AddVoteResult {
    const round = this.roundVotes(vote.round);
    const result = this.setOf(round, vote.type).add(vote);
    if (result.kind === 'added' && !round.participants.has(vote.validatorIndex)) {
      round.participants.add(vote.validatorIndex);
      round.participantPower += this.validators.getByIndex(vote.validatorIndex)?.power ?? 0;
    }
    return result;
  }

  /** A peer's claim of +2/3 for `hash` among the `type` votes of `round`. */
  claim(peer: string, round: number, type: VoteType, hash: Uint8Array): ClaimResult {
    return this.setOf(this.roundVotes(round), type).claim(peer, hash);
  }

  /** Whether this exact vote (signer, type, round, block and signature) is held already. Allocates nothing. */
  holds(vote: Vote): boolean {
    const round = this.rounds.get(vote.round);
    if (!round || (vote.type !== PREVOTE && vote.type !== PRECOMMIT)) return false;
    const held = this.setOf(round, vote.type).voteFor(vote.validatorIndex, vote.blockHash);
    return held !== undefined && bytesEqual(held.blockHash, vote.blockHash) && bytesEqual(held.signature, vote.signature);
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
      return [...votes.prevotes.everyVote(), ...votes.precommits.everyVote()];
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

  private setOf(round: RoundVotes, type: VoteType): VoteSet {
    return type === PREVOTE ? round.prevotes : round.precommits;
  }

  private roundVotes(round: number): RoundVotes {
    let votes = this.rounds.get(round);
    if (!votes) {
      votes = {
        prevotes: new VoteSet(this.validators, PREVOTE, round, this.quorumSlack),
        precommits: new VoteSet(this.validators, PRECOMMIT, round, this.quorumSlack),
        participants: new Set(),
        participantPower: 0,
      };
      this.rounds.set(round, votes);
    }
    return votes;
  }
}

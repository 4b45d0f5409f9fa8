/**
 * Which votes a catch-up answer carries (CometBFT's vote bit arrays, pulled instead of pushed):
 * the asker lists, per round, which validators' votes it holds, and the answer holds only the
 * votes it lacks, for the rounds that matter. A stuck height then costs a few bytes per
 * request instead of every vote of every round the height went through.
 */
import { MAX_ROUNDS_PER_REQUEST, type RoundVoteBits } from '../codec/gossip.js';
import { PREVOTE, type Vote } from '../codec/vote.js';
import type { ConsensusState } from '../consensus/state.js';
import type { VoteSet } from '../consensus/vote-set.js';

/** What a request's vote bit arrays may weigh: the rest of the 4 KiB request holds height, round and proposal rounds. */
export const VOTE_BITS_BUDGET_BYTES = 3 * 1024;
/** Per listed round: its number and two arrays' framing. */
const ROUND_OVERHEAD_BYTES = 16;

function bitsOf(set: VoteSet, size: number): Uint8Array {
  const bits = new Uint8Array(Math.ceil(size / 8));
  for (let i = 0; i < size; i++) if (set.get(i)) bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
  return bits;
}

const hasBit = (bits: Uint8Array | undefined, i: number): boolean => bits !== undefined && i >> 3 < bits.length && ((bits[i >> 3] as number) & (1 << (i & 7))) !== 0;

/**
 * The asker's side: the rounds it holds votes for, those that matter first (its round, lock,
 * valid round, then the highest others), as many as fit the request's budget.
 */
export function heldVoteBits(core: ConsensusState): RoundVoteBits[] {
  const votes = core.votes;
  if (!votes) return [];
  const size = votes.validators.size;
  const withVotes = votes.roundsWithVotes();
  const held = new Set(withVotes);
  const first = [core.round, core.lockedRound, core.validRound].filter((r) => held.has(r));
  const ordered = [...new Set([...first, ...[...withVotes].reverse()])];
  const perRound = ROUND_OVERHEAD_BYTES + 2 * Math.ceil(size / 8);
  const fit = Math.max(1, Math.min(MAX_ROUNDS_PER_REQUEST, Math.floor(VOTE_BITS_BUDGET_BYTES / perRound)));
  return ordered.slice(0, fit).map((round) => ({ round, prevotes: bitsOf(votes.prevotes(round), size), precommits: bitsOf(votes.precommits(round), size) }));
}

/**
 * The answerer's side: the rounds that matter — the asker's round and this node's round, lock
 * and valid round, and the proof-of-lock rounds their proposals cite — among those it holds
 * votes for; of each, the votes (conflicting ones kept for a claimed block included) of
 * validators the asker's arrays do not mark. At most `max` votes.
 */
export function missingVotes(core: ConsensusState, askerRound: number, have: readonly RoundVoteBits[], max: number): Vote[] {
  const votes = core.votes;
  if (!votes || max <= 0) return [];
  const held = new Set(votes.roundsWithVotes());
  const cited = (r: number): number => core.proposals.get(r)?.polRound ?? -1;
  const candidates = [askerRound, core.round, core.lockedRound, core.validRound];
  const rounds = [...new Set([...candidates, ...candidates.map(cited)])].filter((r) => held.has(r)).sort((a, b) => a - b);
  const bitsOfRound = new Map<number, RoundVoteBits>();
  // A round listed twice: the first entry counts (an honest asker lists each once).
  for (const entry of have) if (!bitsOfRound.has(entry.round)) bitsOfRound.set(entry.round, entry);
  const out: Vote[] = [];
  for (const round of rounds) {
    const asker = bitsOfRound.get(round);
    for (const set of [votes.prevotes(round), votes.precommits(round)]) {
      const bits = set.type === PREVOTE ? asker?.prevotes : asker?.precommits;
      for (const vote of set.everyVote()) {
        if (hasBit(bits, vote.validatorIndex)) continue;
        out.push(vote);
        if (out.length >= max) return out;
      }
    }
  }
  return out;
}

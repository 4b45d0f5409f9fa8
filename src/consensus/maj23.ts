/**
 * The +2/3 claims a node makes to its peers (CometBFT's VoteSetMaj23). A peer that lacks the
 * votes behind a claim asks the claimant for them; its vote set then keeps the conflicting votes
 * among them (vote-set.ts). Drivers send these again and again (the node on a timer, the
 * simulator on its gossip rounds): a claim costs a few dozen bytes, and repeating it is what
 * makes a polka that one side saw reach every correct validator after a partition heals.
 */
import { PRECOMMIT, PREVOTE, type VoteType } from '../codec/vote.js';
import type { ConsensusState } from './state.js';

export interface Maj23Claim {
  height: number;
  round: number;
  voteType: VoteType;
  blockHash: Uint8Array;
}

/**
 * What this node holds +2/3 for in the rounds that matter to the others: the current round
 * (polka, commit), the rounds of its valid value and lock (the proof-of-lock its re-proposals
 * cite), the proof-of-lock the current proposal cites, and the round it decided in.
 */
export function ownClaims(s: ConsensusState): Maj23Claim[] {
  const votes = s.votes;
  if (!votes || s.height === 0) return [];
  const rounds = new Set([s.round, s.validRound, s.lockedRound, s.proposals.get(s.round)?.polRound ?? -1, s.decision?.round ?? -1]);
  const claims: Maj23Claim[] = [];
  for (const round of [...rounds].filter((r) => r >= 0).sort((a, b) => a - b)) {
    for (const voteType of [PREVOTE, PRECOMMIT] as const) {
      const majority = (voteType === PREVOTE ? votes.prevotes(round) : votes.precommits(round)).twoThirdsMajority();
      if (majority && majority.length > 0) claims.push({ height: s.height, round, voteType, blockHash: majority });
    }
  }
  return claims;
}

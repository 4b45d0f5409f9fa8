/**
 * The "upon" rules of Algorithm 1 (line numbers refer to the paper). After every event the
 * state machine applies rules until none fires; each rule changes the state so that it cannot
 * fire twice for the same reason. valid(v) is the driver's asynchronous verdict, so a rule
 * that needs it waits until the verdict is in.
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { PRECOMMIT, PREVOTE, type Commit, type VoteType } from '../codec/vote.js';
import { buildCommit } from './commit.js';
import { hasMutation } from './mutations.js';
import type { ConsensusState } from './state.js';
import type { ConsensusEffect, TimeoutStep } from './types.js';
import type { Validator } from './validator-set.js';
import type { HeightVoteSet } from './vote-set.js';

const NIL = new Uint8Array(0);

export function hashKey(hash: Uint8Array): string {
  return toHex(hash);
}

export function proposerFor(s: ConsensusState, round: number): Validator {
  let proposer = s.proposers.get(round);
  if (!proposer) {
    proposer = (s.validators as NonNullable<typeof s.validators>).proposerForRound(round);
    s.proposers.set(round, proposer);
  }
  return proposer;
}

function votes(s: ConsensusState): HeightVoteSet {
  return s.votes as HeightVoteSet;
}

function timeoutMs(s: ConsensusState, step: Exclude<TimeoutStep, 'newHeight'>, round: number): number {
  const t = s.timeouts as NonNullable<typeof s.timeouts>;
  if (step === 'propose') return t.propose + round * t.proposeDelta;
  if (step === 'prevote') return t.prevote + round * t.prevoteDelta;
  return t.precommit + round * t.precommitDelta;
}

function scheduleTimeout(s: ConsensusState, out: ConsensusEffect[], step: Exclude<TimeoutStep, 'newHeight'>): void {
  out.push({ type: 'scheduleTimeout', height: s.height, round: s.round, step, durationMs: timeoutMs(s, step, s.round) });
}

/** Asks the driver to sign a vote in the current round, if this node is a validator of the height. */
export function castVote(s: ConsensusState, out: ConsensusEffect[], voteType: VoteType, blockHash: Uint8Array): void {
  if (s.selfAddress && s.validators && s.validators.indexOf(s.selfAddress) >= 0) {
    out.push({ type: 'signVote', voteType, height: s.height, round: s.round, blockHash });
  }
}

/** The previous height's commit with every precommit gathered so far, for the block we propose. */
export function currentLastCommit(s: ConsensusState): Commit | null {
  if (!s.lastCommit) return null;
  const { height, round, blockHash, signatures } = s.lastCommit;
  return { height, round, blockHash, signatures: [...signatures] };
}

/** StartRound(round), lines 11-21. Every node arms the propose timeout, so a stuck build cannot stall it. */
export function startRound(s: ConsensusState, out: ConsensusEffect[], round: number): void {
  s.round = round;
  s.step = 'propose';
  s.buildingRound = -1;
  const proposer = proposerFor(s, round);
  if (s.selfAddress && bytesEqual(proposer.address, s.selfAddress)) {
    if (s.validValue) {
      const block = s.blocks.get(hashKey(s.validValue)) as Uint8Array;
      out.push({ type: 'signProposal', height: s.height, round, polRound: s.validRound, blockHash: s.validValue, block });
    } else {
      s.buildingRound = round;
      out.push({ type: 'buildProposal', height: s.height, round, lastCommit: currentLastCommit(s) });
    }
  }
  scheduleTimeout(s, out, 'propose');
}

/** Lines 49-54: +2/3 precommits for a block in any round decide it, once the block is known and valid. */
function tryDecide(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if (s.decision) return false;
  for (const round of votes(s).roundsWithVotes()) {
    const precommits = votes(s).precommits(round);
    const majority = precommits.twoThirdsMajority();
    if (!majority || majority.length === 0) continue;
    const key = hashKey(majority);
    const block = s.blocks.get(key);
    if (!block) continue;
    const validity = s.validity.get(key);
    if (validity === undefined) {
      s.validity.set(key, 'pending');
      out.push({ type: 'validateProposal', height: s.height, round, blockHash: majority, block });
      return true;
    }
    if (validity !== 'valid') continue;
    s.decision = { round, blockHash: majority };
    s.step = 'decided';
    const commit = buildCommit(s.validators as NonNullable<typeof s.validators>, s.height, round, majority, (i) => precommits.voteFor(i, majority));
    out.push({ type: 'decide', height: s.height, round, blockHash: majority, block, commit });
    return true;
  }
  return false;
}

/** Lines 55-56: validators with more than 1/3 of the power are in a higher round, so at least one correct one is. */
function trySkipRound(s: ConsensusState, out: ConsensusEffect[]): boolean {
  const target = votes(s).highestSkipRound(s.round);
  if (target === null) return false;
  startRound(s, out, target);
  return true;
}

/** Lines 22-33: prevote the round's proposal if it is valid and the lock allows it, else nil. */
function tryPrevoteProposal(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if (s.step !== 'propose') return false;
  const proposal = s.proposals.get(s.round);
  if (!proposal) return false;
  const validity = s.validity.get(hashKey(proposal.blockHash));
  if (validity !== 'valid' && validity !== 'invalid') return false;
  const hash = proposal.blockHash;
  // MUTATION ignore-lock: every proposal counts as the one we are locked on.
  const lockedOnIt = hasMutation(s.mutations, 'ignore-lock') || (s.lockedValue !== null && bytesEqual(s.lockedValue, hash));
  let accept: boolean;
  if (proposal.polRound < 0) {
    // Proposer-based timestamps: a new block is prevoted only if its time fits our clock. A
    // re-proposal under a proof-of-lock is not judged by time again; nor is a decision.
    const timely = !s.untimely.has(hashKey(hash));
    accept = validity === 'valid' && timely && (s.lockedRound === -1 || lockedOnIt);
  } else {
    if (!votes(s).prevotes(proposal.polRound).hasTwoThirdsFor(hash)) {
      // The timeout passed while the block was checked; without the proof-of-lock it is nil now.
      if (s.proposeTimedOut !== s.round) return false;
      castVote(s, out, PREVOTE, NIL);
      s.step = 'prevote';
      return true;
    }
    // MUTATION accept-old-pol: a proof-of-lock from any round unlocks, even one older than the lock.
    const polUnlocks = s.lockedRound <= proposal.polRound || hasMutation(s.mutations, 'accept-old-pol');
    accept = validity === 'valid' && (polUnlocks || lockedOnIt);
  }
  castVote(s, out, PREVOTE, accept ? hash : NIL);
  s.step = 'prevote';
  return true;
}

/** Lines 34-35. */
function tryPrevoteTimeout(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if (s.step !== 'prevote' || s.prevoteTimeoutRound === s.round) return false;
  if (!votes(s).prevotes(s.round).hasTwoThirdsAny()) return false;
  s.prevoteTimeoutRound = s.round;
  scheduleTimeout(s, out, 'prevote');
  return true;
}

/** Lines 36-43: a valid proposal with +2/3 prevotes becomes the valid value, and the lock if we are still prevoting. */
function tryLock(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if ((s.step !== 'prevote' && s.step !== 'precommit') || s.lockRuleRound === s.round) return false;
  const proposal = s.proposals.get(s.round);
  if (!proposal || s.validity.get(hashKey(proposal.blockHash)) !== 'valid') return false;
  if (!votes(s).prevotes(s.round).hasTwoThirdsFor(proposal.blockHash)) return false;
  s.lockRuleRound = s.round;
  if (s.step === 'prevote') {
    s.lockedValue = proposal.blockHash;
    s.lockedRound = s.round;
    castVote(s, out, PRECOMMIT, proposal.blockHash);
    s.step = 'precommit';
  }
  // MUTATION forget-valid-value: the polka is not remembered, so a later proposer proposes afresh.
  if (hasMutation(s.mutations, 'forget-valid-value')) return true;
  s.validValue = proposal.blockHash;
  s.validRound = s.round;
  return true;
}

/** Lines 44-46. */
function tryPrecommitNil(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if (s.step !== 'prevote' || !votes(s).prevotes(s.round).hasTwoThirdsFor(NIL)) return false;
  castVote(s, out, PRECOMMIT, NIL);
  s.step = 'precommit';
  return true;
}

/** Lines 47-48 (not while waiting out the next-block delay: round 0 has not started here yet). */
function tryPrecommitTimeout(s: ConsensusState, out: ConsensusEffect[]): boolean {
  if (s.step === 'newHeight' || s.precommitTimeoutRound === s.round) return false;
  if (!votes(s).precommits(s.round).hasTwoThirdsAny()) return false;
  s.precommitTimeoutRound = s.round;
  scheduleTimeout(s, out, 'precommit');
  return true;
}

const RULES = [tryDecide, trySkipRound, tryPrevoteProposal, tryPrevoteTimeout, tryLock, tryPrecommitNil, tryPrecommitTimeout];

/** Applies rules until none fires. Each firing changes state that guards it, so this ends. */
export function applyRules(s: ConsensusState, out: ConsensusEffect[]): void {
  if (!s.votes || s.decision) return;
  for (;;) {
    if (s.decision) return;
    if (!RULES.some((rule) => rule(s, out))) return;
  }
}

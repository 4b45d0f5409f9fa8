/**
 * step(state, event) → effects: the whole Tendermint state machine. It mutates `state` in
 * place (the driver owns it and feeds events one at a time) and returns what the driver must
 * do. Nothing here reads a clock, draws randomness or does I/O, so the same events in the same
 * order give the same effects on every machine.
 */
import { bytesEqual } from '../codec/bytes.js';
import { COMMIT_FLAG_ABSENT, PRECOMMIT, PREVOTE, type Commit, type Proposal, type Vote } from '../codec/vote.js';
import { absentCommitSig, commitSigOf } from './commit.js';
import { applyRules, castVote, hashKey, startRound } from './rules.js';
import type { ConsensusState, LastCommitState } from './state.js';
import type { ConsensusEffect, ConsensusEvent } from './types.js';
import type { ValidatorSet } from './validator-set.js';
import { HeightVoteSet } from './vote-set.js';
import { hasMutation } from './mutations.js';

/**
 * Messages for rounds further ahead than this are dropped: it bounds the memory a faulty
 * validator can make us spend (two votes per round each), while a node that fell behind by
 * fewer rounds can still see the round-skip quorum. Round timeouts grow linearly, so honest
 * rounds never get near it.
 */
export const MAX_ROUNDS_AHEAD = 1000;

export function step(s: ConsensusState, event: ConsensusEvent): ConsensusEffect[] {
  const out: ConsensusEffect[] = [];
  switch (event.type) {
    case 'startHeight':
      onStartHeight(s, event, out);
      return out;
    case 'timeout':
      onTimeout(s, event, out);
      break;
    case 'proposal':
      onProposal(s, event.proposal, event.block, out);
      break;
    case 'vote':
      onVote(s, event.vote, out);
      break;
    case 'maj23Claim':
      onClaim(s, event);
      break;
    case 'proposalValidated':
      if (event.height === s.height && s.validity.get(hashKey(event.blockHash)) === 'pending') {
        s.validity.set(hashKey(event.blockHash), event.valid ? 'valid' : 'invalid');
        if (event.timely === false) s.untimely.add(hashKey(event.blockHash));
      }
      break;
    case 'proposalBuilt':
      onProposalBuilt(s, event, out);
      break;
  }
  applyRules(s, out);
  return out;
}

function onStartHeight(s: ConsensusState, e: Extract<ConsensusEvent, { type: 'startHeight' }>, out: ConsensusEffect[]): void {
  if (s.height !== 0 && e.height <= s.height) return;
  const lastCommit = e.lastCommit && e.lastValidators ? lastCommitState(s, e.lastValidators, e.lastCommit) : null;
  s.height = e.height;
  s.round = 0;
  s.step = 'newHeight';
  s.validators = e.validators;
  s.timeouts = e.timeouts;
  s.proposers = new Map();
  // MUTATION quorum-off-by-one: every tally counts one unit of power more than it has.
  s.votes = new HeightVoteSet(e.validators, hasMutation(s.mutations, 'quorum-off-by-one') ? 1 : 0);
  s.proposals = new Map();
  s.blocks = new Map();
  s.validity = new Map();
  s.untimely = new Set();
  s.lockedValue = null;
  s.lockedRound = -1;
  s.validValue = null;
  s.validRound = -1;
  s.decision = null;
  s.lastCommit = lastCommit;
  s.prevoteTimeoutRound = -1;
  s.precommitTimeoutRound = -1;
  s.lockRuleRound = -1;
  s.buildingRound = -1;
  s.proposeTimedOut = -1;
  out.push({ type: 'scheduleTimeout', height: e.height, round: 0, step: 'newHeight', durationMs: e.timeouts.nextBlockDelay });
}

/**
 * The commit the driver hands over, completed with precommits this instance collected after
 * deciding (they arrive while the block is applied): CometBFT's LastCommit likewise keeps
 * growing until the next block is proposed.
 */
function lastCommitState(s: ConsensusState, validators: ValidatorSet, commit: Commit): LastCommitState {
  const signatures =
    commit.signatures.length === validators.size ? [...commit.signatures] : validators.validators.map(() => absentCommitSig());
  const ownPrecommits =
    s.votes && s.decision && s.height === commit.height && s.decision.round === commit.round && bytesEqual(s.decision.blockHash, commit.blockHash)
      ? s.votes.precommits(commit.round)
      : null;
  if (ownPrecommits) {
    signatures.forEach((sig, i) => {
      const vote = ownPrecommits.voteFor(i, commit.blockHash);
      if (sig.flag === COMMIT_FLAG_ABSENT && vote) signatures[i] = commitSigOf(vote, commit.blockHash);
    });
  }
  return { validators, height: commit.height, round: commit.round, blockHash: commit.blockHash, signatures };
}

function onTimeout(s: ConsensusState, e: Extract<ConsensusEvent, { type: 'timeout' }>, out: ConsensusEffect[]): void {
  if (e.height !== s.height || s.decision || !s.votes) return;
  switch (e.step) {
    case 'newHeight':
      // The next-block delay is over: round 0 begins (unless a round skip came first).
      if (s.step === 'newHeight') startRound(s, out, 0);
      return;
    case 'propose':
      // Lines 57-60, except that a proposal that arrived in time but is still being checked
      // is waited for: the app's check is part of receiving it, not a reason to give up.
      if (e.round === s.round && s.step === 'propose') {
        s.proposeTimedOut = e.round;
        const proposal = s.proposals.get(s.round);
        if (proposal && s.validity.get(hashKey(proposal.blockHash)) === 'pending') return;
        voteNil(s, out, 'prevote');
      }
      return;
    case 'prevote':
      // Lines 61-64.
      if (e.round === s.round && s.step === 'prevote') voteNil(s, out, 'precommit');
      return;
    case 'precommit':
      // Lines 65-67.
      if (e.round === s.round) startRound(s, out, s.round + 1);
      return;
  }
}

function voteNil(s: ConsensusState, out: ConsensusEffect[], step: 'prevote' | 'precommit'): void {
  castVote(s, out, step === 'prevote' ? PREVOTE : PRECOMMIT, new Uint8Array(0));
  s.step = step;
}

function onProposal(s: ConsensusState, proposal: Proposal, block: Uint8Array, out: ConsensusEffect[]): void {
  if (proposal.height !== s.height || s.decision || !s.votes) return;
  if (proposal.round > s.round + MAX_ROUNDS_AHEAD) return;
  if (proposal.polRound >= proposal.round) return;
  if (s.proposals.has(proposal.round)) return;
  s.proposals.set(proposal.round, proposal);
  const key = hashKey(proposal.blockHash);
  if (!s.blocks.has(key)) s.blocks.set(key, block);
  if (!s.validity.has(key)) {
    s.validity.set(key, 'pending');
    out.push({ type: 'validateProposal', height: s.height, round: proposal.round, blockHash: proposal.blockHash, block });
  }
}

function onVote(s: ConsensusState, vote: Vote, out: ConsensusEffect[]): void {
  if (vote.height === s.height && s.votes) {
    if (vote.round > s.round + MAX_ROUNDS_AHEAD) return;
    const result = s.votes.add(vote);
    if (result.kind === 'conflict') out.push({ type: 'equivocation', voteA: result.existing, voteB: vote });
    return;
  }
  const last = s.lastCommit;
  if (last && vote.type === PRECOMMIT && vote.height === last.height && vote.round === last.round) {
    const validator = last.validators.getByIndex(vote.validatorIndex);
    if (!validator || !bytesEqual(validator.address, vote.validatorAddress)) return;
    if (last.signatures[vote.validatorIndex]?.flag === COMMIT_FLAG_ABSENT) last.signatures[vote.validatorIndex] = commitSigOf(vote, last.blockHash);
  }
}

/**
 * Claims are kept only for rounds this node has reached: a claimant repeats its claims, and a
 * round ahead is reached by the round skip once its votes arrive, so this bounds what one peer
 * can make us hold to two claims per round we really entered.
 */
function onClaim(s: ConsensusState, e: Extract<ConsensusEvent, { type: 'maj23Claim' }>): void {
  if (e.height !== s.height || !s.votes || s.decision || e.round > s.round || e.blockHash.length === 0) return;
  s.votes.claim(e.peer, e.round, e.voteType, e.blockHash);
}

function onProposalBuilt(s: ConsensusState, e: Extract<ConsensusEvent, { type: 'proposalBuilt' }>, out: ConsensusEffect[]): void {
  if (e.height !== s.height || e.round !== s.round || s.buildingRound !== e.round || s.step !== 'propose') return;
  s.buildingRound = -1;
  const key = hashKey(e.blockHash);
  // Our own block: PrepareProposal built it against the state it extends, so it is valid by construction.
  s.blocks.set(key, e.block);
  s.validity.set(key, 'valid');
  out.push({ type: 'signProposal', height: e.height, round: e.round, polRound: -1, blockHash: e.blockHash, block: e.block });
}

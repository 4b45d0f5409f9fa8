/**
 * consensus_state and dump_consensus_state: the round state as CometBFT shows it, from what
 * the node's consensus core exposes (ConsensusPosition). Validator addresses are CometBFT's
 * upper-case hex; vote summaries and bit arrays use CometBFT's text forms.
 */
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_NIL, type CommitSig, type Vote } from '../codec/vote.js';
import type { RoundStep } from '../consensus/types.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import type { ConsensusPosition, NetInfo } from '../node/api.js';
import { nodeIdOfPeer, validatorAddressView } from './comet-views.js';
import { hexUpper, pubKeyView, roundStepView } from './views.js';

/** CometBFT's RoundStepType numbers of cmt's steps (NewHeight 1, Propose 3, Prevote 4, Precommit 6, Commit 8). */
const STEP_NUMBER: Readonly<Record<RoundStep, number>> = { newHeight: 1, propose: 3, prevote: 4, precommit: 6, decided: 8 };

export function stepNumber(step: RoundStep): number {
  return STEP_NUMBER[step];
}

/** CometBFT's vote summary: `Vote{index:ADDRESS12 height/round Kind BLOCK12}`, or `nil-Vote`. */
export function voteSummary(vote: Vote | undefined): string {
  if (!vote) return 'nil-Vote';
  const kind = vote.type === 1 ? 'Prevote' : 'Precommit';
  const block = vote.blockHash.length === 0 ? 'nil' : hexUpper(vote.blockHash).slice(0, 12);
  return `Vote{${vote.validatorIndex}:${validatorAddressView(vote.validatorAddress).slice(0, 12)} ${vote.height}/${vote.round} ${kind} ${block}}`;
}

/** CometBFT's "BA{4:xx_x} 30/40 = 0.75": who voted, and the power that did. */
export function bitArray(votes: readonly unknown[], powers: number[], total: number): string {
  let voted = 0;
  const bits = votes.map((v, i) => {
    if (v) voted += powers[i] ?? 0;
    return v ? 'x' : '_';
  });
  return `BA{${votes.length}:${bits.join('')}} ${voted}/${total} = ${total === 0 ? '0.00' : (voted / total).toFixed(2)}`;
}

/** A commit's signature in the vote summary's form: a precommit for the block, for nil, or none. */
function commitSigSummary(sig: CommitSig, index: number, height: number, round: number, blockHash: Uint8Array): string {
  if (sig.flag === COMMIT_FLAG_ABSENT) return 'nil-Vote';
  const block = sig.flag === COMMIT_FLAG_NIL ? 'nil' : hexUpper(blockHash).slice(0, 12);
  return `Vote{${index}:${validatorAddressView(sig.validatorAddress).slice(0, 12)} ${height}/${round} Precommit ${block}}`;
}

function setView(set: ValidatorSet | undefined, proposerIndex: number | undefined): Record<string, unknown> {
  const validators = (set?.validators ?? []).map((v) => ({
    address: validatorAddressView(v.address),
    pub_key: pubKeyView(v.publicKey),
    voting_power: String(v.power),
    proposer_priority: String(v.proposerPriority),
  }));
  return { validators, proposer: proposerIndex === undefined ? null : (validators[proposerIndex] ?? null) };
}

/** CometBFT's last_commit vote set: the previous height's precommits, with who signed by power. */
function lastCommitView(p: ConsensusPosition): Record<string, unknown> | null {
  const c = p.lastCommit;
  if (!c) return null;
  const signed = c.signatures.map((sig) => (sig.flag === COMMIT_FLAG_ABSENT ? undefined : sig));
  return {
    height: String(c.height),
    round: c.round,
    votes: c.signatures.map((sig, i) => commitSigSummary(sig, i, c.height, c.round, c.blockHash)),
    votes_bit_array: bitArray(signed, c.validators.validators.map((v) => v.power), c.validators.totalPower),
    peer_maj_23s: {},
  };
}

function heightVoteSet(p: ConsensusPosition): Record<string, unknown>[] {
  return p.votes.map((r) => ({
    round: r.round,
    prevotes: r.prevotes.map(voteSummary),
    prevotes_bit_array: bitArray(r.prevotes, p.powers, p.totalPower),
    precommits: r.precommits.map(voteSummary),
    precommits_bit_array: bitArray(r.precommits, p.powers, p.totalPower),
  }));
}

/**
 * consensus_state's round_state: CometBFT's RoundStateSimple (height/round/step with the step's
 * number, block hashes, height_vote_set, proposer) plus cmt's height, round, step name and rounds.
 */
export function consensusStateView(p: ConsensusPosition): Record<string, unknown> {
  return {
    'height/round/step': `${p.height}/${p.round}/${stepNumber(p.step)}`,
    height: String(p.height),
    round: p.round,
    step: roundStepView(p.step),
    proposer: p.proposer ? { address: validatorAddressView(p.proposer.address), index: p.proposer.index } : null,
    proposal_block_hash: p.proposalBlockHash ? hexUpper(p.proposalBlockHash) : '',
    locked_block_hash: p.lockedBlockHash ? hexUpper(p.lockedBlockHash) : '',
    locked_round: p.lockedRound,
    valid_block_hash: p.validBlockHash ? hexUpper(p.validBlockHash) : '',
    valid_round: p.validRound,
    height_vote_set: heightVoteSet(p),
  };
}

/**
 * dump_consensus_state: the round state with the height's validators, and the peers. cmt's
 * consensus does not follow each peer's round state: a peer shows its node address and an
 * empty peer_state (spec/rpc.md).
 */
export function dumpConsensusStateView(p: ConsensusPosition, set: ValidatorSet | undefined, net: NetInfo): Record<string, unknown> {
  return {
    round_state: {
      height: String(p.height),
      round: p.round,
      step: stepNumber(p.step),
      validators: setView(set, p.proposer?.index),
      proposal_block_hash: p.proposalBlockHash ? hexUpper(p.proposalBlockHash) : '',
      locked_round: p.lockedRound,
      locked_block_hash: p.lockedBlockHash ? hexUpper(p.lockedBlockHash) : '',
      valid_round: p.validRound,
      valid_block_hash: p.validBlockHash ? hexUpper(p.validBlockHash) : '',
      votes: heightVoteSet(p),
      last_commit: lastCommitView(p),
      last_validators: p.lastCommit ? setView(p.lastCommit.validators, undefined) : null,
    },
    peers: net.peers.map((peer) => ({ node_address: `${nodeIdOfPeer(peer.peerId)}@${peer.addr}`, peer_state: { round_state: null, stats: null } })),
  };
}

/**
 * The checks a consensus message from a peer passes before the core sees it, or before it is
 * held for the next height and relayed: it must be for a height we can use, signed by the
 * validator it names (proposals: by the round's proposer), and a proposal's block must be the
 * block of the signed id: its header hashes to the id and its body is the one the header
 * commits to. The core verifies nothing itself and keeps the first body it gets for an id, so
 * a body that reached it unproven could make an honest block look invalid for a whole height.
 */
import { bodyMismatch, decodeBlockOnce, headerHash, type Block } from '../codec/block.js';
import { bytesEqual } from '../codec/bytes.js';
import type { ProposalMessage } from '../codec/gossip.js';
import { PRECOMMIT, proposalSignBytes, voteSignBytes, type Vote } from '../codec/vote.js';
import { MAX_ROUNDS_AHEAD } from '../consensus/index.js';
import type { ConsensusEvent } from '../consensus/types.js';
import type { Validator, ValidatorSet } from '../consensus/validator-set.js';
import { verify } from '../crypto/ed25519.js';
import type { ChainState } from './chain-state.js';

export type CheckResult =
  | { kind: 'accept'; event: ConsensusEvent }
  /** Verified, for the height after the one the core decides: worth holding until this node gets there. */
  | { kind: 'future' }
  /** A valid proposal of a large block sent without it: fetch the block from the sender. */
  | { kind: 'fetch' }
  /** Harmless but useless (old height, a round far ahead): dropped, not held against the peer. */
  | { kind: 'ignore'; reason: string }
  /** Provably invalid: dropped and counted against the peer. */
  | { kind: 'reject'; reason: string };

/** Where the core stands: while a block is applied the chain state is ahead of it by one height. */
export interface CorePosition {
  height: number;
  round: number;
}

type Stage = 'current' | 'future';

/**
 * Whether a message for `height` goes to the core now ('current') or waits for the next
 * height ('future'). Between applying block h and starting h+1 the core still decides h
 * (already decided): a message for h+1 waits, and anything else is stale.
 */
function stageOf(chain: ChainState, core: CorePosition, height: number): Stage | null {
  const next = chain.lastBlockHeight + 1;
  if (core.height !== next) return height === next ? 'future' : null;
  if (height === next) return 'current';
  return height === next + 1 ? 'future' : null;
}

/**
 * The validators that sign at `height`. The chain state knows them one height ahead (as
 * CometBFT's NextValidators: updates take effect two heights after the block that makes them),
 * so a message for the next height is verified as fully as one for this height.
 */
function signersAt(chain: ChainState, height: number): ValidatorSet | null {
  const next = chain.lastBlockHeight + 1;
  if (height === next) return chain.validators;
  if (height === next + 1) return chain.nextValidators;
  if (height === next - 1) return chain.lastValidators;
  return null;
}

/** Messages for a future height are judged as if the core were at its round 0. */
function roundBase(stage: Stage, core: CorePosition): number {
  return stage === 'current' ? core.round : 0;
}

/** Proposers by round for the sets in use: each costs `round` priority increments, paid once. */
const proposers = new WeakMap<ValidatorSet, Map<number, Validator>>();
const MAX_PROPOSERS_PER_SET = 4096;

function proposerOf(set: ValidatorSet, round: number): Validator {
  let byRound = proposers.get(set);
  if (!byRound) proposers.set(set, (byRound = new Map()));
  let proposer = byRound.get(round);
  if (!proposer) {
    proposer = set.proposerForRound(round);
    if (byRound.size >= MAX_PROPOSERS_PER_SET) byRound.clear();
    byRound.set(round, proposer);
  }
  return proposer;
}

/** Why `bytes` is not the block of the signed id `blockHash`, or null. */
export function blockMismatch(bytes: Uint8Array, blockHash: Uint8Array): string | null {
  let block: Block;
  try {
    block = decodeBlockOnce(bytes);
  } catch (err) {
    return `proposed block does not decode: ${(err as Error).message}`;
  }
  if (!bytesEqual(headerHash(block.header), blockHash)) return 'proposed block does not hash to the proposal block id';
  const mismatch = bodyMismatch(block);
  return mismatch ? `proposed block's body is not the one its header commits to: ${mismatch}` : null;
}

export function checkProposal(chain: ChainState, core: CorePosition, msg: ProposalMessage): CheckResult {
  const { proposal } = msg;
  const stage = stageOf(chain, core, proposal.height);
  const signers = stage ? signersAt(chain, proposal.height) : null;
  if (!stage || !signers) return { kind: 'ignore', reason: `proposal for height ${proposal.height}, at ${chain.lastBlockHeight + 1}` };
  const base = roundBase(stage, core);
  if (proposal.round > base + MAX_ROUNDS_AHEAD) return { kind: 'ignore', reason: `proposal for round ${proposal.round}, far ahead of ${base}` };
  if (proposal.polRound >= proposal.round) return { kind: 'reject', reason: 'proposal polRound is not below its round' };
  if (!verify(proposerOf(signers, proposal.round).publicKey, proposalSignBytes(chain.chainId, proposal), proposal.signature)) {
    return { kind: 'reject', reason: 'proposal not signed by the proposer of its round' };
  }
  // A large block is fetched once this node is at its height; the signed proposal alone is held.
  if (msg.block.length === 0) return stage === 'current' ? { kind: 'fetch' } : { kind: 'future' };
  const mismatch = blockMismatch(msg.block, proposal.blockHash);
  if (mismatch) return { kind: 'reject', reason: mismatch };
  return stage === 'current' ? { kind: 'accept', event: { type: 'proposal', proposal, block: msg.block } } : { kind: 'future' };
}

export function checkVote(chain: ChainState, core: CorePosition, vote: Vote): CheckResult {
  // Late precommits for the block just applied still complete its commit.
  const late = vote.type === PRECOMMIT && vote.height === chain.lastBlockHeight;
  const stage = late ? 'current' : stageOf(chain, core, vote.height);
  const validators = stage ? signersAt(chain, vote.height) : null;
  if (!stage || !validators) return { kind: 'ignore', reason: `vote for height ${vote.height}, at ${chain.lastBlockHeight + 1}` };
  const base = roundBase(stage, core);
  if (!late && vote.round > base + MAX_ROUNDS_AHEAD) return { kind: 'ignore', reason: `vote for round ${vote.round}, far ahead of ${base}` };
  const validator = validators.getByIndex(vote.validatorIndex);
  if (!validator || !bytesEqual(validator.address, vote.validatorAddress)) return { kind: 'reject', reason: 'vote from a validator not in the set at that index' };
  if (!verify(validator.publicKey, voteSignBytes(chain.chainId, vote), vote.signature)) return { kind: 'reject', reason: 'bad vote signature' };
  return stage === 'current' ? { kind: 'accept', event: { type: 'vote', vote } } : { kind: 'future' };
}

/**
 * The checks a consensus message from a peer passes before the core sees it: it must be for
 * a height we can use, signed by the validator it names (proposals: by the round's proposer),
 * and a proposal's block must hash to the id it claims. The core verifies nothing itself.
 */
import { decodeBlock, headerHash } from '../codec/block.js';
import { bytesEqual } from '../codec/bytes.js';
import type { ProposalMessage } from '../codec/gossip.js';
import { PRECOMMIT, proposalSignBytes, voteSignBytes, type Vote } from '../codec/vote.js';
import { MAX_ROUNDS_AHEAD } from '../consensus/index.js';
import type { ConsensusEvent } from '../consensus/types.js';
import { verify } from '../crypto/ed25519.js';
import type { ChainState } from './chain-state.js';

export type CheckResult =
  | { kind: 'accept'; event: ConsensusEvent }
  /** For the next height: worth holding until this node gets there. */
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

/**
 * Between applying block h and starting h+1 the core still decides h (already decided): a
 * message for h+1 must wait, and anything else is stale.
 */
function transition(chain: ChainState, core: CorePosition, height: number): CheckResult | null {
  const next = chain.lastBlockHeight + 1;
  if (core.height === next) return null;
  return height === next ? { kind: 'future' } : { kind: 'ignore', reason: `height ${height} while starting height ${next}` };
}

export function checkProposal(chain: ChainState, core: CorePosition, msg: ProposalMessage): CheckResult {
  const { proposal } = msg;
  const round = core.round;
  const height = chain.lastBlockHeight + 1;
  const early = transition(chain, core, proposal.height);
  if (early) return early;
  if (proposal.height === height + 1) return { kind: 'future' };
  if (proposal.height !== height) return { kind: 'ignore', reason: `proposal for height ${proposal.height}, at ${height}` };
  if (proposal.round > round + MAX_ROUNDS_AHEAD) return { kind: 'ignore', reason: `proposal for round ${proposal.round}, far ahead of ${round}` };
  if (proposal.polRound >= proposal.round) return { kind: 'reject', reason: 'proposal polRound is not below its round' };
  const proposer = chain.validators.proposerForRound(proposal.round);
  if (!verify(proposer.publicKey, proposalSignBytes(chain.chainId, proposal), proposal.signature)) {
    return { kind: 'reject', reason: 'proposal not signed by the proposer of its round' };
  }
  if (msg.block.length === 0) return { kind: 'fetch' };
  let hash: Uint8Array;
  try {
    hash = headerHash(decodeBlock(msg.block).header);
  } catch (err) {
    return { kind: 'reject', reason: `proposed block does not decode: ${(err as Error).message}` };
  }
  if (!bytesEqual(hash, proposal.blockHash)) return { kind: 'reject', reason: 'proposed block does not hash to the proposal block id' };
  return { kind: 'accept', event: { type: 'proposal', proposal, block: msg.block } };
}

export function checkVote(chain: ChainState, core: CorePosition, vote: Vote): CheckResult {
  const round = core.round;
  const height = chain.lastBlockHeight + 1;
  // Late precommits for the block just applied still complete its commit.
  const early = vote.type === PRECOMMIT && vote.height === chain.lastBlockHeight ? null : transition(chain, core, vote.height);
  if (early) return early;
  let validators = chain.validators;
  if (vote.height === height + 1) return { kind: 'future' };
  if (vote.height === height - 1 && vote.type === PRECOMMIT && chain.lastValidators) validators = chain.lastValidators;
  else if (vote.height !== height) return { kind: 'ignore', reason: `vote for height ${vote.height}, at ${height}` };
  if (vote.height === height && vote.round > round + MAX_ROUNDS_AHEAD) return { kind: 'ignore', reason: `vote for round ${vote.round}, far ahead of ${round}` };
  const validator = validators.getByIndex(vote.validatorIndex);
  if (!validator || !bytesEqual(validator.address, vote.validatorAddress)) return { kind: 'reject', reason: 'vote from a validator not in the set at that index' };
  if (!verify(validator.publicKey, voteSignBytes(chain.chainId, vote), vote.signature)) return { kind: 'reject', reason: 'bad vote signature' };
  return { kind: 'accept', event: { type: 'vote', vote } };
}

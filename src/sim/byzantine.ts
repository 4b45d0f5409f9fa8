/**
 * Byzantine behaviours (spec/faults.md). A strategy is a small object the simulator consults
 * at four points of one validator's life; every hook is optional, and a hook that returns
 * false leaves the correct behaviour in place. To add one: implement ByzantineStrategy, add
 * its name to BYZANTINE_STRATEGIES (scenario-types.ts) and to STRATEGIES below.
 */
import { sha256 as sha } from '../codec/hash.js';
import type { Proposal, Vote } from '../codec/vote.js';
import type { ConsensusState } from '../consensus/index.js';
import type { Rng } from './rng.js';
import type { ByzantineStrategyName } from './scenario-types.js';
import type { SimMessage } from './messages.js';

export interface ByzantineContext {
  self: number;
  /** Every other node, in index order. */
  peers: readonly number[];
  /**
   * Byzantine validators collude (the usual adversary): an equivocating proposer posts here,
   * per "height/round", the block hash it showed each side, and the others vote to match.
   */
  board: Map<string, [Uint8Array, Uint8Array]>;
  rng: Rng;
  /** Sends one message to one peer (through the simulated network). */
  send(to: number, msg: SimMessage): void;
  /** Signs a proposal or vote with this validator's key, with no double-sign guard. */
  signProposal(unsigned: Omit<Proposal, 'signature'>): Proposal;
  signVote(unsigned: Pick<Vote, 'type' | 'height' | 'round' | 'blockHash'>): Vote;
  /** A block for this height and round; `salt` makes a different one, `valid: false` one the app rejects. */
  buildBlock(height: number, round: number, options?: { salt?: number; valid?: boolean }): Uint8Array;
}

export interface ByzantineStrategy {
  readonly name: ByzantineStrategyName;
  /** Before the core steps an event: may rewrite the validator's own state. */
  beforeStep?(core: ConsensusState): void;
  /** Whether blocks this validator builds are valid (default true). */
  readonly validBlocks?: boolean;
  /** Instead of sending its signed proposal to every peer; true when handled. */
  sendProposal?(ctx: ByzantineContext, proposal: Proposal, block: Uint8Array): boolean;
  /** Instead of sending its signed vote to every peer; true when handled. */
  sendVote?(ctx: ByzantineContext, vote: Vote): boolean;
  /** Every FLOOD_INTERVAL_MS of virtual time while the node is up. */
  tick?(ctx: ByzantineContext, height: number): void;
}

export const FLOOD_INTERVAL_MS = 50;

/** The two sides equivocation splits the network into: even and odd validator indexes. */
const half = (peers: readonly number[]): [number[], number[]] => [peers.filter((p) => p % 2 === 0), peers.filter((p) => p % 2 === 1)];

const NIL = new Uint8Array(0);

/**
 * Sends side 0 and side 1 different votes of `vote`'s type: for the two blocks a colluding
 * proposer showed them when there are two, otherwise the vote to one side and its opposite
 * (nil for a block, a made-up block for nil) to the other.
 */
function doubleVote(ctx: ByzantineContext, vote: Vote, type?: number): boolean {
  if (type !== undefined && vote.type !== type) return false;
  const [a, b] = half(ctx.peers);
  const split = ctx.board.get(`${vote.height}/${vote.round}`);
  const hashes = split ?? [vote.blockHash, vote.blockHash.length === 0 ? new Uint8Array(32).fill(0xbb) : NIL];
  const votes = hashes.map((blockHash) => ctx.signVote({ type: vote.type, height: vote.height, round: vote.round, blockHash }));
  for (const to of a) ctx.send(to, { kind: 'vote', vote: votes[0] as Vote });
  for (const to of b) ctx.send(to, { kind: 'vote', vote: votes[1] as Vote });
  return true;
}

const STRATEGIES: Record<ByzantineStrategyName, ByzantineStrategy> = {
  'equivocating-proposer': {
    name: 'equivocating-proposer',
    sendProposal(ctx, proposal, block) {
      const [a, b] = half(ctx.peers);
      const other = ctx.buildBlock(proposal.height, proposal.round, { salt: 0xe9 });
      const twin = ctx.signProposal({ height: proposal.height, round: proposal.round, polRound: -1, blockHash: sha(other) });
      ctx.board.set(`${proposal.height}/${proposal.round}`, [proposal.blockHash, twin.blockHash]);
      for (const to of a) ctx.send(to, { kind: 'proposal', proposal, block });
      for (const to of b) ctx.send(to, { kind: 'proposal', proposal: twin, block: other });
      return true;
    },
    // It equivocates in its votes too, matching the blocks it showed each side.
    sendVote: (ctx, vote) => doubleVote(ctx, vote),
  },
  'double-prevote': { name: 'double-prevote', sendVote: (ctx, vote) => doubleVote(ctx, vote, 1) },
  'double-precommit': { name: 'double-precommit', sendVote: (ctx, vote) => doubleVote(ctx, vote, 2) },
  amnesia: {
    name: 'amnesia',
    beforeStep(core) {
      core.lockedValue = null;
      core.lockedRound = -1;
    },
  },
  silence: { name: 'silence', sendProposal: () => true, sendVote: () => true },
  'invalid-proposal': { name: 'invalid-proposal', validBlocks: false },
  'withhold-votes': {
    name: 'withhold-votes',
    sendVote(ctx, vote) {
      for (const to of half(ctx.peers)[0]) ctx.send(to, { kind: 'vote', vote });
      return true;
    },
  },
  flood: {
    name: 'flood',
    tick(ctx, height) {
      for (const to of ctx.peers) ctx.send(to, { kind: 'junk', height: height + ctx.rng.int(3), bytes: 64 + ctx.rng.int(512) });
    },
  },
};

export function strategy(name: ByzantineStrategyName): ByzantineStrategy {
  return STRATEGIES[name];
}


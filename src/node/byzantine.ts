/**
 * Byzantine behaviours (spec/faults.md), one code for both hosts: the simulator installs them
 * in its validators, and `cmt node start --byzantine <name>` (local chains only, for the chaos
 * runner and tests) in a real process. A strategy bends the driver through DriverAdversary and
 * talks to peers through ByzantineContext; every hook is optional, and one that answers false
 * leaves the correct behaviour in place. To add one: implement ByzantineStrategy, add its name
 * to BYZANTINE_STRATEGIES and to STRATEGIES below.
 */
import { dataHash, decodeBlock, encodeBlock, headerHash } from '../codec/block.js';
import type { Proposal, Vote, VoteType } from '../codec/vote.js';
import type { ConsensusState } from '../consensus/index.js';
import type { DriverAdversary } from './adversary.js';

export const BYZANTINE_STRATEGIES = [
  /** Proposes two different blocks in each round it leads, each to half of the peers. */
  'equivocating-proposer',
  /** Prevotes for the proposal to some peers and nil to the others. */
  'double-prevote',
  /** Precommits for the proposal to some peers and nil to the others. */
  'double-precommit',
  /** Forgets its lock each round: prevotes and precommits for whatever it sees first. */
  'amnesia',
  /** Sends nothing. */
  'silence',
  /** Proposes blocks the application rejects. */
  'invalid-proposal',
  /** Sends its votes to only some peers. */
  'withhold-votes',
  /** Sends junk messages (undecodable, bad signatures) at a high rate, besides behaving. */
  'flood',
] as const;
export type ByzantineStrategyName = (typeof BYZANTINE_STRATEGIES)[number];

export function isByzantineStrategy(name: string): name is ByzantineStrategyName {
  return (BYZANTINE_STRATEGIES as readonly string[]).includes(name);
}

export interface BuiltBlock {
  bytes: Uint8Array;
  hash: Uint8Array;
}

/** What a strategy may do beyond the driver: talk to single peers and sign with no guard. */
export interface ByzantineContext {
  /** The peers connected now, in a stable order. */
  peers(): readonly string[];
  /**
   * Byzantine validators of one run collude (the usual adversary): an equivocating proposer
   * posts here, per "height/round", the block hashes it showed each side, and the others vote
   * to match. On real processes each has its own board (no collusion across processes).
   */
  board: Map<string, [Uint8Array, Uint8Array]>;
  /** A number in [0, n) from the host's randomness (the run's seed in the simulator). */
  int(n: number): number;
  sendProposal(to: string, proposal: Proposal, block: Uint8Array): void;
  sendVote(to: string, vote: Vote): void;
  /** Bytes on the vote topic to one peer that are no valid vote. */
  sendJunk(to: string, bytes: Uint8Array): void;
  /** Signs with the validator's key and no double-sign guard. */
  signProposal(unsigned: Omit<Proposal, 'signature'>): Proposal;
  signVote(unsigned: { type: VoteType; height: number; round: number; blockHash: Uint8Array }): Vote;
  /** A block for this height and round as the driver would build it. */
  buildBlock(height: number, round: number): Promise<BuiltBlock>;
}

export interface ByzantineStrategy {
  readonly name: ByzantineStrategyName;
  beforeStep?(core: ConsensusState): void;
  /** Whether blocks this validator builds are valid (default true). */
  readonly validBlocks?: boolean;
  sendProposal?(ctx: ByzantineContext, proposal: Proposal, block: Uint8Array): Promise<boolean>;
  sendVote?(ctx: ByzantineContext, vote: Vote): boolean;
  /** Every FLOOD_INTERVAL_MS while the node runs. */
  tick?(ctx: ByzantineContext, height: number): void;
}

export const FLOOD_INTERVAL_MS = 50;

/** The two sides equivocation splits the peers into: alternate peers in the stable order. */
const halves = (peers: readonly string[]): [string[], string[]] => [peers.filter((_, k) => k % 2 === 0), peers.filter((_, k) => k % 2 === 1)];

const NIL = new Uint8Array(0);

/** A different block than `built` for the same height and round: its time moved on by `salt` ms. */
export function saltedBlock(built: BuiltBlock, salt: number): BuiltBlock {
  const block = decodeBlock(built.bytes);
  const header = { ...block.header, time: block.header.time + salt };
  return { bytes: encodeBlock({ ...block, header }), hash: headerHash(header) };
}

/** `built` with one more transaction that does not decode: the header is consistent, the application refuses it. */
export function invalidBlock(built: BuiltBlock): BuiltBlock {
  const block = decodeBlock(built.bytes);
  const txs = [...block.txs, Uint8Array.of(0xc3, 0x01, 0x02)];
  const header = { ...block.header, dataHash: dataHash(txs) };
  return { bytes: encodeBlock({ ...block, header, txs }), hash: headerHash(header) };
}

/**
 * Sends side 0 and side 1 different votes of `vote`'s type: for the two blocks a colluding
 * proposer showed them when there are two, otherwise the vote to one side and its opposite
 * (nil for a block, a made-up block for nil) to the other.
 */
function doubleVote(ctx: ByzantineContext, vote: Vote, type?: number): boolean {
  if (type !== undefined && vote.type !== type) return false;
  const [a, b] = halves(ctx.peers());
  const split = ctx.board.get(`${vote.height}/${vote.round}`);
  const hashes = split ?? [vote.blockHash, vote.blockHash.length === 0 ? new Uint8Array(32).fill(0xbb) : NIL];
  // The index is the core's, for the vote's height: the chain state may already hold the next height's set, without this validator.
  const votes = hashes.map((blockHash) => ({ ...ctx.signVote({ type: vote.type, height: vote.height, round: vote.round, blockHash }), validatorIndex: vote.validatorIndex }));
  for (const to of a) ctx.sendVote(to, votes[0] as Vote);
  for (const to of b) ctx.sendVote(to, votes[1] as Vote);
  return true;
}

const STRATEGIES: Record<ByzantineStrategyName, ByzantineStrategy> = {
  'equivocating-proposer': {
    name: 'equivocating-proposer',
    async sendProposal(ctx, proposal, block) {
      const [a, b] = halves(ctx.peers());
      const other = saltedBlock(await ctx.buildBlock(proposal.height, proposal.round), 0xe9);
      const twin = ctx.signProposal({ height: proposal.height, round: proposal.round, polRound: -1, blockHash: other.hash });
      ctx.board.set(`${proposal.height}/${proposal.round}`, [proposal.blockHash, twin.blockHash]);
      for (const to of a) ctx.sendProposal(to, proposal, block);
      for (const to of b) ctx.sendProposal(to, twin, other.bytes);
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
  silence: { name: 'silence', sendProposal: async () => true, sendVote: () => true },
  'invalid-proposal': { name: 'invalid-proposal', validBlocks: false },
  'withhold-votes': {
    name: 'withhold-votes',
    sendVote(ctx, vote) {
      for (const to of halves(ctx.peers())[0]) ctx.sendVote(to, vote);
      return true;
    },
  },
  flood: {
    name: 'flood',
    tick(ctx) {
      for (const to of ctx.peers()) {
        const junk = new Uint8Array(64 + ctx.int(512));
        for (let k = 0; k < junk.length; k++) junk[k] = ctx.int(256);
        ctx.sendJunk(to, junk);
      }
    },
  },
};

export function strategy(name: ByzantineStrategyName): ByzantineStrategy {
  return STRATEGIES[name];
}

/** The driver hooks of `s`, acting through `ctx`. */
export function adversaryOf(s: ByzantineStrategy, ctx: ByzantineContext): DriverAdversary {
  return {
    ...(s.beforeStep ? { beforeStep: (core: ConsensusState) => s.beforeStep?.(core) } : {}),
    ...(s.validBlocks === false ? { alterProposalBlock: async (_h: number, _r: number, built: BuiltBlock) => invalidBlock(built) } : {}),
    ...(s.sendProposal ? { sendProposal: (proposal: Proposal, block: Uint8Array) => s.sendProposal?.(ctx, proposal, block) ?? Promise.resolve(false) } : {}),
    ...(s.sendVote ? { sendVote: async (vote: Vote) => s.sendVote?.(ctx, vote) ?? false } : {}),
  };
}

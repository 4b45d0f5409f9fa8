/**
 * Consensus over the network: signed proposals and votes go out on gossip topics; messages
 * from peers are checked (message-checks.ts) before the consensus core sees them. A node that
 * stops making progress asks a peer what it holds for the current height (the votes and
 * proposals it missed, as CometBFT's vote bit-arrays let peers re-send), and fetches committed
 * blocks when the peer is ahead (block sync). Messages for the next height are verified
 * like any other, then held (bounded in bytes per peer and in total) until this node gets
 * there. A block body is taken from a peer only once it is proven to be the body of the signed
 * block id; a peer that serves another body is scored, and the body is fetched elsewhere.
 */
import { bodyMismatch, decodeBlock, EMPTY_COMMIT, headerHash, type Block } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { encode } from '../codec/schema.js';
import {
  BlockAnswer,
  BlockRequest,
  CatchUpAnswer,
  CatchUpRequest,
  MAX_PROPOSALS_PER_ANSWER,
  MAX_VOTES_PER_ANSWER,
  decodeProposalMessage,
  ProposalBlockRequest,
  encodeProposalMessage,
  type ProposalMessage,
} from '../codec/gossip.js';
import { decodeVote, encodeVote, type Proposal, type Vote } from '../codec/vote.js';
import { verifyCommit } from '../consensus/commit.js';
import type { BlockStore } from '../store/block-store.js';
import type { ConsensusBroadcaster, ConsensusDriver } from './consensus-driver.js';
import { FutureHold } from './future-hold.js';
import type { Logger } from './logger.js';
import { checkProposal, checkVote, type CheckResult } from './message-checks.js';
import { protocolsFor, topicsFor, type GossipNetwork, type Verdict } from './network.js';
import { decodeRequest, requestDecoded } from './peer-request.js';
import type { ChainState } from './chain-state.js';
import { P2PError } from '../p2p/errors.js';

export interface GossipCounters {
  received: number;
  rejected: number;
  ignored: number;
  held: number;
  syncedBlocks: number;
}

export interface ConsensusGossipOptions {
  /** Without progress for this long, ask a peer for what we missed. */
  stallMs: number;
  /** How often to look for a stall. */
  tickMs: number;
  requestTimeoutMs: number;
  /** Messages for the next height held at most. */
  maxHeld: number;
  /** Bytes of messages for the next height held at most, from all peers together. */
  maxHeldBytes: number;
  /** ...and from any one peer (what it relayed to us). */
  maxHeldBytesPerPeer: number;
  /** Larger blocks leave the proposal message and are fetched by request. */
  maxInlineBlockBytes: number;
}

/** Block requests in flight during block sync. */
const SYNC_WINDOW = 16;
/** Room in an answer for its framing beside the block or messages it carries. */
const ANSWER_SLACK_BYTES = 64 * 1024;
/** What one commit signature adds to a block answer, at most (flag, address, signature, framing). */
const COMMIT_SIG_BYTES = 128;

/** The largest block answer worth reading now: a block the chain allows, its commit and framing. */
function blockAnswerLimit(chain: ChainState): number {
  return chain.consensusParams.blockMaxBytes + chain.validators.size * COMMIT_SIG_BYTES + ANSWER_SLACK_BYTES;
}

/** Peers asked in turn for the block of a proposal gossiped without it, starting with its sender. */
const PROPOSAL_BLOCK_SOURCES = 3;
/** What a proposal message adds to its block's bytes, and what a vote weighs, for the hold's count of catch-up messages. */
const PROPOSAL_OVERHEAD_BYTES = 256;
/**
 * A catch-up answer is built within this many bytes: proposals newest first (a block that does
 * not fit goes without it, and the asker fetches it by proposal-block request), then votes.
 */
export const MAX_CATCH_UP_ANSWER_BYTES = 16 * 1024 * 1024;
const VOTE_BYTES = 160;

const DEFAULTS: ConsensusGossipOptions = {
  stallMs: 1500,
  tickMs: 500,
  requestTimeoutMs: 5000,
  maxHeld: 10_000,
  maxHeldBytes: 64 * 1024 * 1024,
  maxHeldBytesPerPeer: 8 * 1024 * 1024,
  maxInlineBlockBytes: 1024 * 1024,
};

type Held = { kind: 'proposal'; msg: ProposalMessage } | { kind: 'vote'; vote: Vote };

export class ConsensusGossip implements ConsensusBroadcaster {
  readonly counters: GossipCounters = { received: 0, rejected: 0, ignored: 0, held: 0, syncedBlocks: 0 };
  private readonly topics: ReturnType<typeof topicsFor>;
  private readonly protocols: ReturnType<typeof protocolsFor>;
  private readonly options: ConsensusGossipOptions;
  private readonly held: FutureHold<Held>;
  private timer: NodeJS.Timeout | undefined;
  private lastPosition = '';
  private lastProgressAt = 0;
  private catchingUp = false;
  private peerCursor = 0;

  constructor(
    private readonly net: GossipNetwork,
    private readonly driver: ConsensusDriver,
    private readonly blockStore: BlockStore,
    private readonly logger: Logger,
    options: Partial<ConsensusGossipOptions> = {},
  ) {
    const chainId = driver.chainState.chainId;
    this.topics = topicsFor(chainId);
    this.protocols = protocolsFor(chainId);
    this.options = { ...DEFAULTS, ...options };
    this.held = new FutureHold({ maxMessages: this.options.maxHeld, maxBytes: this.options.maxHeldBytes, maxBytesPerPeer: this.options.maxHeldBytesPerPeer });
  }

  /** Bytes held for the next height, in total and from one peer. */
  get heldBytes(): number {
    return this.held.bytes;
  }

  heldBytesOf(peer: string): number {
    return this.held.bytesOf(peer);
  }

  start(): void {
    this.net.subscribe(this.topics.proposal, (data, from) => this.onProposal(data, from));
    this.net.subscribe(this.topics.vote, (data, from) => this.onVote(data, from));
    this.net.handle(this.protocols.catchUp, (data) => this.answerCatchUp(data));
    this.net.handle(this.protocols.block, (data) => this.answerBlock(data));
    this.net.handle(this.protocols.proposalBlock, (data) => this.answerProposalBlock(data));
    this.lastProgressAt = Date.now();
    this.timer = setInterval(() => void this.tick(), this.options.tickMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.held.take();
  }

  /**
   * A block too large for one gossip message goes without it: peers fetch it from whoever
   * forwarded the proposal (every forwarder holds it: it accepted the proposal only once it had
   * the block), so a large block spreads like the proposal does, one hop at a time.
   */
  proposal(proposal: Proposal, block: Uint8Array): void {
    const inline = block.length <= this.options.maxInlineBlockBytes;
    this.publish(this.topics.proposal, encodeProposalMessage({ proposal, block: inline ? block : new Uint8Array(0) }));
  }

  vote(vote: Vote): void {
    this.publish(this.topics.vote, encodeVote(vote));
  }

  /** The driver started `height`: messages held for it are checked again and fed in. */
  onStartHeight(): void {
    for (const { item, from, bytes } of this.held.take()) {
      if (item.kind === 'proposal') void this.handleProposal(item.msg, from, bytes);
      else this.handleVote(item.vote, from, bytes);
    }
  }

  private publish(topic: string, data: Uint8Array): void {
    this.net.publish(topic, data).catch((err: unknown) => this.logger.warn({ err: (err as Error).message, topic }, 'publish failed'));
  }

  private checkProposalMessage(msg: ProposalMessage): CheckResult {
    return checkProposal(this.driver.chainState, this.driver.consensusState, msg);
  }

  private onProposal(data: Uint8Array, from: string): Verdict | Promise<Verdict> {
    let msg: ProposalMessage;
    try {
      msg = decodeProposalMessage(data);
    } catch (err) {
      return this.apply({ kind: 'reject', reason: (err as Error).message }, from);
    }
    return this.handleProposal(msg, from, data.length);
  }

  /**
   * Checks a proposal and acts on the outcome: feed it in, hold it, fetch its block, or drop
   * it. `bytes` is what it weighs in the hold: its size as it arrived.
   */
  private handleProposal(msg: ProposalMessage, from: string, bytes: number): Verdict | Promise<Verdict> {
    const result = this.checkProposalMessage(msg);
    if (result.kind === 'future') return this.hold({ kind: 'proposal', msg }, from, bytes);
    if (result.kind === 'fetch') return this.fetchProposalBlock(msg, from);
    return this.apply(result, from);
  }

  private handleVote(vote: Vote, from: string, bytes: number): Verdict {
    const result = checkVote(this.driver.chainState, this.driver.consensusState, vote);
    if (result.kind === 'future') return this.hold({ kind: 'vote', vote }, from, bytes);
    return this.apply(result, from);
  }

  /**
   * Fetches the block of a (verified) proposal gossiped without it: from the peer that sent the
   * proposal, then from others in turn, until one serves the block of the signed id. A peer
   * that serves another body is scored for it; the proposal itself is genuine, so it is
   * accepted and forwarded once its block is here. Gossip drops copies of the same bytes from
   * other peers, which is why a bad answer is followed by asking someone else.
   */
  private async fetchProposalBlock(msg: ProposalMessage, from: string): Promise<Verdict> {
    const others = this.net.peers().map((p) => p.peerId).filter((peer) => peer !== from);
    for (const peer of [from, ...others].slice(0, PROPOSAL_BLOCK_SOURCES)) {
      let block: Uint8Array;
      try {
        block = await this.net.request(peer, this.protocols.proposalBlock, encode(ProposalBlockRequest, { blockHash: msg.proposal.blockHash }), {
          maxResponseBytes: this.driver.chainState.consensusParams.blockMaxBytes + ANSWER_SLACK_BYTES,
          timeoutMs: this.options.requestTimeoutMs,
        });
      } catch (err) {
        this.logger.debug({ peer, err: (err as Error).message }, 'could not fetch a proposed block');
        continue;
      }
      if (block.length === 0) {
        // The sender announced the proposal, so it must hold the block; another peer may not have it yet.
        if (peer === from) this.net.reportInvalid(from, 'proposal block not served by the peer that sent the proposal');
        continue;
      }
      const result = this.checkProposalMessage({ proposal: msg.proposal, block });
      if (result.kind === 'reject') {
        this.counters.rejected++;
        this.net.reportInvalid(peer, `served a block that is not the proposal's: ${result.reason}`);
        continue;
      }
      // This node moved on while fetching (future, fetch, ignore): nothing to feed in.
      return result.kind === 'accept' ? this.apply(result, from) : 'ignore';
    }
    return 'ignore';
  }

  private async answerProposalBlock(data: Uint8Array): Promise<Uint8Array> {
    const { blockHash } = decodeRequest(ProposalBlockRequest, data, 'proposal block request');
    return this.driver.consensusState.blocks.get(toHex(blockHash)) ?? new Uint8Array(0);
  }

  private onVote(data: Uint8Array, from: string): Verdict {
    let vote: Vote;
    try {
      vote = decodeVote(data);
    } catch (err) {
      return this.apply({ kind: 'reject', reason: (err as Error).message }, from);
    }
    return this.handleVote(vote, from, data.length);
  }

  /** Holds a verified message for the next height if it fits the hold's bounds. */
  private hold(message: Held, from: string, bytes: number): Verdict {
    if (!this.held.add(message, from, bytes)) return 'ignore';
    this.counters.held++;
    // Forwarded: peers at that height can use it even though this node cannot yet.
    return 'accept';
  }

  private apply(result: CheckResult, from: string): Verdict {
    switch (result.kind) {
      case 'accept':
        this.counters.received++;
        this.driver.enqueue(result.event);
        return 'accept';
      case 'future':
      case 'fetch':
        return 'ignore';
      case 'ignore':
        this.counters.ignored++;
        return 'ignore';
      case 'reject':
        this.counters.rejected++;
        this.logger.debug({ peer: from, reason: result.reason }, 'rejected a consensus message');
        return 'reject';
    }
  }

  private async answerCatchUp(data: Uint8Array): Promise<Uint8Array> {
    const { height, haveProposals } = decodeRequest(CatchUpRequest, data, 'catch-up request');
    const skip = new Set(haveProposals);
    const core = this.driver.consensusState;
    const lastHeight = this.driver.chainState.lastBlockHeight;
    if (core.height !== height || !core.votes) return encode(CatchUpAnswer, { lastHeight, proposals: [], votes: [] });
    let budget = MAX_CATCH_UP_ANSWER_BYTES - PROPOSAL_OVERHEAD_BYTES;
    const proposals: ProposalMessage[] = [];
    const newest = [...core.proposals.values()].sort((a, b) => b.round - a.round).slice(0, MAX_PROPOSALS_PER_ANSWER);
    for (const proposal of newest) {
      if (skip.has(proposal.round)) continue;
      const block = core.blocks.get(toHex(proposal.blockHash));
      if (!block) continue;
      const fits = block.length + PROPOSAL_OVERHEAD_BYTES <= budget;
      proposals.push({ proposal, block: fits ? block : new Uint8Array(0) });
      budget -= PROPOSAL_OVERHEAD_BYTES + (fits ? block.length : 0);
    }
    const votes = core.votes.allVotes().slice(0, Math.min(MAX_VOTES_PER_ANSWER, Math.max(0, Math.floor(budget / VOTE_BYTES))));
    return encode(CatchUpAnswer, { lastHeight, proposals, votes });
  }

  private async answerBlock(data: Uint8Array): Promise<Uint8Array> {
    const { height } = decodeRequest(BlockRequest, data, 'block request');
    const lastHeight = this.blockStore.height;
    const bytes = await this.blockStore.loadBlockBytes(height);
    const commit = bytes ? await this.blockStore.loadSeenCommit(height) : undefined;
    if (!bytes || !commit) return encode(BlockAnswer, { lastHeight, block: new Uint8Array(0), commit: EMPTY_COMMIT });
    return encode(BlockAnswer, { lastHeight, block: bytes, commit });
  }

  /** A stall is no change of height, round or step for stallMs while no block is being applied. */
  private async tick(): Promise<void> {
    const core = this.driver.consensusState;
    const position = `${this.driver.chainState.lastBlockHeight}/${core.height}/${core.round}/${core.step}`;
    const now = Date.now();
    if (position !== this.lastPosition || this.driver.isApplying) {
      this.lastPosition = position;
      this.lastProgressAt = now;
      return;
    }
    if (this.catchingUp || now - this.lastProgressAt < this.options.stallMs) return;
    const peers = this.net.peers();
    if (peers.length === 0) return;
    const peer = (peers[this.peerCursor++ % peers.length] as (typeof peers)[number]).peerId;
    this.catchingUp = true;
    try {
      await this.catchUpFrom(peer);
    } catch (err) {
      this.logger.debug({ peer, err: (err as Error).message }, 'catch-up request failed');
    } finally {
      this.catchingUp = false;
    }
  }

  /** Asks `peer` about our height; replays what it holds, or syncs blocks if it is ahead. */
  private async catchUpFrom(peer: string): Promise<void> {
    const height = this.driver.chainState.lastBlockHeight + 1;
    const core = this.driver.consensusState;
    const haveProposals = core.height === height ? [...core.proposals.keys()].sort((a, b) => b - a).slice(0, MAX_PROPOSALS_PER_ANSWER) : [];
    const request = encode(CatchUpRequest, { height, haveProposals });
    const answer = await requestDecoded(this.net, peer, {
      protocol: this.protocols.catchUp,
      request,
      codec: CatchUpAnswer,
      what: 'catch-up answer',
      timeoutMs: this.options.requestTimeoutMs,
      maxResponseBytes: MAX_CATCH_UP_ANSWER_BYTES + ANSWER_SLACK_BYTES,
    });
    if (answer.lastHeight >= height) {
      await this.syncBlocks(peer, answer.lastHeight);
      return;
    }
    // One invalid message proves the answer bad: it counts against the peer, and the rest is not read.
    // So does one message twice (an honest answer lists each once): copies would each cost a signature check.
    const seen = new Set<string>();
    const firstTime = (signature: Uint8Array): boolean => {
      const key = toHex(signature);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    };
    for (const msg of answer.proposals) {
      if (!firstTime(msg.proposal.signature)) return this.net.reportInvalid(peer, 'catch-up answer with the same proposal twice');
      if ((await this.handleProposal(msg, peer, msg.block.length + PROPOSAL_OVERHEAD_BYTES)) === 'reject') return this.net.reportInvalid(peer, 'catch-up answer with an invalid proposal');
    }
    for (const vote of answer.votes) {
      if (!firstTime(vote.signature)) return this.net.reportInvalid(peer, 'catch-up answer with the same vote twice');
      if (this.handleVote(vote, peer, VOTE_BYTES) === 'reject') return this.net.reportInvalid(peer, 'catch-up answer with an invalid vote');
    }
  }

  /**
   * Fetches, verifies and applies committed blocks from `peer` up to `target`. Requests run
   * ahead of application (SYNC_WINDOW at a time), so the round trip to the peer overlaps the
   * work of applying the previous blocks.
   */
  private async syncBlocks(peer: string, target: number): Promise<void> {
    // Blocks ahead are asked for within today's block limit: a peer cannot make this node buffer
    // SYNC_WINDOW answers of the structural cap. A block that governance let grow since is
    // asked for again, within its own limit, when its turn comes.
    const fetch = (height: number, maxResponseBytes: number): { limit: number; answer: Promise<BlockAnswer> } => {
      const request = encode(BlockRequest, { height });
      const answer = requestDecoded(this.net, peer, { protocol: this.protocols.block, request, codec: BlockAnswer, what: 'block answer', timeoutMs: this.options.requestTimeoutMs, maxResponseBytes });
      // Handled when its turn comes; until then a failure must not count as unhandled.
      answer.catch(() => undefined);
      return { limit: maxResponseBytes, answer };
    };
    const ahead = new Map<number, { limit: number; answer: Promise<BlockAnswer> }>();
    while (this.driver.chainState.lastBlockHeight < target) {
      const chain = this.driver.chainState;
      const height = chain.lastBlockHeight + 1;
      const limit = blockAnswerLimit(chain);
      for (let h = height; h <= Math.min(target, height + SYNC_WINDOW - 1); h++) {
        if (!ahead.has(h)) ahead.set(h, fetch(h, limit));
      }
      for (const h of ahead.keys()) if (h < height) ahead.delete(h);
      const asked = ahead.get(height) as { limit: number; answer: Promise<BlockAnswer> };
      ahead.delete(height);
      let answer: BlockAnswer;
      try {
        answer = await asked.answer;
      } catch (err) {
        if (!(err instanceof P2PError && err.code === 'P2P_MESSAGE_TOO_LARGE')) throw err;
        if (asked.limit >= limit) return this.net.reportInvalid(peer, `block answer for height ${height} larger than the chain allows`);
        answer = await fetch(height, limit).answer;
      }
      if (answer.block.length === 0) return;
      let block: Block;
      let hash: Uint8Array;
      try {
        block = decodeBlock(answer.block);
        hash = headerHash(block.header);
        if (block.header.height !== height) throw new Error(`asked for block ${height}, got ${block.header.height}`);
        verifyCommit(chain.chainId, chain.validators, height, hash, answer.commit);
        // The commit vouches for the header only; the body must be the one the header commits to.
        const mismatch = bodyMismatch(block);
        if (mismatch) throw new Error(mismatch);
      } catch (err) {
        this.net.reportInvalid(peer, `bad synced block: ${(err as Error).message}`);
        return;
      }
      const invalid = await this.driver.checkCommittedBlock(block, answer.block.length);
      if (invalid) {
        this.net.reportInvalid(peer, `bad synced block: height ${height}: ${invalid}`);
        return;
      }
      if (!(await this.driver.applyCommittedBlock(block, answer.block, hash, answer.commit))) return;
      this.counters.syncedBlocks++;
    }
  }
}

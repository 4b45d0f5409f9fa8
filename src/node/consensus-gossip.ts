/**
 * Consensus over the network: signed proposals and votes go out on gossip topics; messages
 * from peers are checked (message-checks.ts) before the consensus core sees them. A node that
 * stops making progress asks a peer what it holds for the current height (the votes and
 * proposals it missed, as CometBFT's vote bit-arrays let peers re-send), and fetches committed
 * blocks when the peer is ahead (block sync). Messages for the next height are held until
 * this node gets there.
 */
import { decodeBlock, EMPTY_COMMIT, headerHash } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import { decode, encode } from '../codec/schema.js';
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
import type { Logger } from './logger.js';
import { checkProposal, checkVote, type CheckResult } from './message-checks.js';
import { protocolsFor, topicsFor, type GossipNetwork, type Verdict } from './network.js';

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
  /** Larger blocks leave the proposal message and are fetched by request. */
  maxInlineBlockBytes: number;
}

/** Block requests in flight during block sync. */
const SYNC_WINDOW = 16;

const DEFAULTS: ConsensusGossipOptions = { stallMs: 1500, tickMs: 500, requestTimeoutMs: 5000, maxHeld: 10_000, maxInlineBlockBytes: 1024 * 1024 };

type Held = { kind: 'proposal'; msg: ProposalMessage; from: string } | { kind: 'vote'; vote: Vote; from: string };

export class ConsensusGossip implements ConsensusBroadcaster {
  readonly counters: GossipCounters = { received: 0, rejected: 0, ignored: 0, held: 0, syncedBlocks: 0 };
  private readonly topics: ReturnType<typeof topicsFor>;
  private readonly protocols: ReturnType<typeof protocolsFor>;
  private readonly options: ConsensusGossipOptions;
  private held: Held[] = [];
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
    this.held = [];
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
    const held = this.held;
    this.held = [];
    for (const h of held) {
      if (h.kind === 'proposal') void this.handleProposal(h.msg, h.from);
      else this.handleVote(h.vote, h.from);
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
    return this.handleProposal(msg, from);
  }

  /** Checks a proposal and acts on the outcome: feed it in, hold it, fetch its block, or drop it. */
  private handleProposal(msg: ProposalMessage, from: string): Verdict | Promise<Verdict> {
    const result = this.checkProposalMessage(msg);
    if (result.kind === 'future') return this.hold({ kind: 'proposal', msg, from });
    if (result.kind === 'fetch') return this.fetchProposalBlock(msg, from);
    return this.apply(result, from);
  }

  private handleVote(vote: Vote, from: string): Verdict {
    const result = checkVote(this.driver.chainState, this.driver.consensusState, vote);
    if (result.kind === 'future') return this.hold({ kind: 'vote', vote, from });
    return this.apply(result, from);
  }

  /** Fetches a proposal's block from the peer that sent the proposal, then checks the whole. */
  private async fetchProposalBlock(msg: ProposalMessage, from: string): Promise<Verdict> {
    let block: Uint8Array;
    try {
      const raw = await this.net.request(from, this.protocols.proposalBlock, encode(ProposalBlockRequest, { blockHash: msg.proposal.blockHash }), {
        timeoutMs: this.options.requestTimeoutMs,
      });
      block = raw;
    } catch (err) {
      this.logger.debug({ peer: from, err: (err as Error).message }, 'could not fetch a proposed block');
      return 'ignore';
    }
    // A peer that announced the proposal must hold its block: an empty answer is its fault.
    if (block.length === 0) return this.apply({ kind: 'reject', reason: 'proposal block not served by the peer that sent the proposal' }, from);
    const result = this.checkProposalMessage({ proposal: msg.proposal, block });
    return result.kind === 'fetch' || result.kind === 'future' ? 'ignore' : this.apply(result, from);
  }

  private async answerProposalBlock(data: Uint8Array): Promise<Uint8Array> {
    const { blockHash } = decode(ProposalBlockRequest, data, 'proposal block request');
    return this.driver.consensusState.blocks.get(toHex(blockHash)) ?? new Uint8Array(0);
  }

  private onVote(data: Uint8Array, from: string): Verdict {
    let vote: Vote;
    try {
      vote = decodeVote(data);
    } catch (err) {
      return this.apply({ kind: 'reject', reason: (err as Error).message }, from);
    }
    return this.handleVote(vote, from);
  }

  private hold(message: Held): Verdict {
    if (this.held.length >= this.options.maxHeld) return 'ignore';
    this.held.push(message);
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
    const { height, haveProposals } = decode(CatchUpRequest, data, 'catch-up request');
    const skip = new Set(haveProposals);
    const core = this.driver.consensusState;
    const lastHeight = this.driver.chainState.lastBlockHeight;
    if (core.height !== height || !core.votes) return encode(CatchUpAnswer, { lastHeight, proposals: [], votes: [] });
    const proposals: ProposalMessage[] = [];
    const newest = [...core.proposals.values()].sort((a, b) => b.round - a.round).slice(0, MAX_PROPOSALS_PER_ANSWER);
    for (const proposal of newest) {
      if (skip.has(proposal.round)) continue;
      const block = core.blocks.get(toHex(proposal.blockHash));
      if (block) proposals.push({ proposal, block });
    }
    return encode(CatchUpAnswer, { lastHeight, proposals, votes: core.votes.allVotes().slice(0, MAX_VOTES_PER_ANSWER) });
  }

  private async answerBlock(data: Uint8Array): Promise<Uint8Array> {
    const { height } = decode(BlockRequest, data, 'block request');
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
    const raw = await this.net.request(peer, this.protocols.catchUp, encode(CatchUpRequest, { height, haveProposals }), { timeoutMs: this.options.requestTimeoutMs });
    const answer = decode(CatchUpAnswer, raw, 'catch-up answer');
    if (answer.lastHeight >= height) {
      await this.syncBlocks(peer, answer.lastHeight);
      return;
    }
    for (const msg of answer.proposals) await this.handleProposal(msg, peer);
    for (const vote of answer.votes) this.handleVote(vote, peer);
  }

  /**
   * Fetches, verifies and applies committed blocks from `peer` up to `target`. Requests run
   * ahead of application (SYNC_WINDOW at a time), so the round trip to the peer overlaps the
   * work of applying the previous blocks.
   */
  private async syncBlocks(peer: string, target: number): Promise<void> {
    const fetch = (height: number): Promise<BlockAnswer> =>
      this.net
        .request(peer, this.protocols.block, encode(BlockRequest, { height }), { timeoutMs: this.options.requestTimeoutMs })
        .then((raw) => decode(BlockAnswer, raw, 'block answer'));
    const ahead = new Map<number, Promise<BlockAnswer>>();
    while (this.driver.chainState.lastBlockHeight < target) {
      const chain = this.driver.chainState;
      const height = chain.lastBlockHeight + 1;
      for (let h = height; h <= Math.min(target, height + SYNC_WINDOW - 1); h++) {
        if (ahead.has(h)) continue;
        const request = fetch(h);
        // Handled when its turn comes; until then a failure must not count as unhandled.
        request.catch(() => undefined);
        ahead.set(h, request);
      }
      for (const h of ahead.keys()) if (h < height) ahead.delete(h);
      const answer = await (ahead.get(height) as Promise<BlockAnswer>);
      ahead.delete(height);
      if (answer.block.length === 0) return;
      const block = decodeBlock(answer.block);
      const hash = headerHash(block.header);
      try {
        if (block.header.height !== height) throw new Error(`asked for block ${height}, got ${block.header.height}`);
        verifyCommit(chain.chainId, chain.validators, height, hash, answer.commit);
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

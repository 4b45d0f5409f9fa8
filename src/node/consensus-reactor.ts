/**
 * The consensus reactor (CometBFT's consensus/reactor.go, gossip half): signed proposals and
 * votes go out on gossip topics; messages from peers are checked (message-checks.ts) before
 * the consensus core sees them. Messages for the next height are verified like any other,
 * then held (bounded in bytes per peer and in total) until this node gets there. A block body
 * is taken from a peer only once it is proven to be the body of the signed block id; a peer
 * that serves another body is scored, and the body is fetched elsewhere. It reads no clock.
 */
import { toHex } from '../codec/bytes.js';
import { encode } from '../codec/schema.js';
import { decodeProposalMessage, encodeProposalMessage, ProposalBlockRequest, type ProposalMessage } from '../codec/gossip.js';
import { decodeVote, encodeVote, type Proposal, type Vote } from '../codec/vote.js';
import { ANSWER_SLACK_BYTES } from './answer-limits.js';
import type { ConsensusBroadcaster, ConsensusDriver } from './consensus-driver.js';
import { FutureHold } from './future-hold.js';
import type { Logger } from './logger.js';
import { checkProposal, checkVote, type CheckResult } from './message-checks.js';
import { protocolsFor, topicsFor, type GossipNetwork, type Verdict } from './network.js';
import { decodeRequest } from './peer-request.js';

/** What the reactor needs of the driver: the states messages are checked against, and the core's queue. */
export type ReactorDriver = Pick<ConsensusDriver, 'chainState' | 'consensusState' | 'enqueue'>;

export interface ReactorCounters {
  received: number;
  rejected: number;
  ignored: number;
  held: number;
}

export interface ConsensusReactorOptions {
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

/** Peers asked in turn for the block of a proposal gossiped without it, starting with its sender. */
const PROPOSAL_BLOCK_SOURCES = 3;

type Held = { kind: 'proposal'; msg: ProposalMessage } | { kind: 'vote'; vote: Vote };

export class ConsensusReactor implements ConsensusBroadcaster {
  private readonly topics: ReturnType<typeof topicsFor>;
  private readonly protocols: ReturnType<typeof protocolsFor>;
  private readonly held: FutureHold<Held>;

  constructor(
    private readonly net: GossipNetwork,
    private readonly driver: ReactorDriver,
    private readonly logger: Logger,
    private readonly counters: ReactorCounters,
    private readonly options: ConsensusReactorOptions,
  ) {
    const chainId = driver.chainState.chainId;
    this.topics = topicsFor(chainId);
    this.protocols = protocolsFor(chainId);
    this.held = new FutureHold({ maxMessages: options.maxHeld, maxBytes: options.maxHeldBytes, maxBytesPerPeer: options.maxHeldBytesPerPeer });
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
    this.net.handle(this.protocols.proposalBlock, (data) => this.answerProposalBlock(data));
  }

  stop(): void {
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

  /**
   * Checks a proposal and acts on the outcome: feed it in, hold it, fetch its block, or drop
   * it. `bytes` is what it weighs in the hold: its size as it arrived. The catch-up reactor
   * feeds the proposals of its answers through here too.
   */
  handleProposal(msg: ProposalMessage, from: string, bytes: number): Verdict | Promise<Verdict> {
    const result = this.checkProposalMessage(msg);
    if (result.kind === 'future') return this.hold({ kind: 'proposal', msg }, from, bytes);
    if (result.kind === 'fetch') return this.fetchProposalBlock(msg, from);
    return this.apply(result, from);
  }

  handleVote(vote: Vote, from: string, bytes: number): Verdict {
    const result = checkVote(this.driver.chainState, this.driver.consensusState, vote);
    if (result.kind === 'future') return this.hold({ kind: 'vote', vote }, from, bytes);
    return this.apply(result, from);
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

  private onVote(data: Uint8Array, from: string): Verdict {
    let vote: Vote;
    try {
      vote = decodeVote(data);
    } catch (err) {
      return this.apply({ kind: 'reject', reason: (err as Error).message }, from);
    }
    return this.handleVote(vote, from, data.length);
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
}

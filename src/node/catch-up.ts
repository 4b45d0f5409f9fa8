/**
 * The catch-up reactor: gossip is not retransmitted, so a node that stops making progress asks
 * a peer for what it lacks of the current height — the request says which proposals and, per
 * round, which validators' votes it holds (CometBFT's vote bit arrays), and the answer carries
 * only the rest (catch-up-votes.ts) — and hands over to block sync when the peer is ahead. It
 * asks its peers in turn, one a tick; once PEERS_PER_BACKOFF of them (or all, if fewer) brought
 * nothing new, it waits twice as long as the last time (up to MAX_BACKOFF_TICKS ticks; any
 * progress starts over). So a height stuck for good costs a few small requests every few
 * seconds, and once a partition heals every peer is asked again within about that wait. It
 * also answers such requests. Time comes from the Clock port only, so
 * the simulator runs it on virtual time.
 */
import { toHex } from '../codec/bytes.js';
import { CatchUpAnswer, CatchUpRequest, MAX_PROPOSALS_PER_ANSWER, MAX_VOTES_PER_ANSWER, type ProposalMessage } from '../codec/gossip.js';
import { encode } from '../codec/schema.js';
import type { Vote } from '../codec/vote.js';
import { every, type Clock, type Timer } from '../runtime/clock.js';
import { ANSWER_SLACK_BYTES } from './answer-limits.js';
import { heldVoteBits, missingVotes } from './catch-up-votes.js';
import type { ConsensusDriver } from './consensus-driver.js';
import type { Logger } from './logger.js';
import { protocolsFor, type GossipNetwork, type Verdict } from './network.js';
import { decodeRequest, requestDecoded } from './peer-request.js';

/** What catch-up needs of the driver: where consensus stands, and whether a block is being applied. */
export type CatchUpDriver = Pick<ConsensusDriver, 'chainState' | 'consensusState' | 'isApplying'>;

/** Where the messages of an answer go: the consensus reactor's checks, as if gossiped. */
export interface MessageSink {
  handleProposal(msg: ProposalMessage, from: string, bytes: number): Verdict | Promise<Verdict>;
  handleVote(vote: Vote, from: string, bytes: number): Verdict;
}

export interface CatchUpOptions {
  /** Without progress for this long, ask a peer for what we missed. */
  stallMs: number;
  /** How often to look for a stall. */
  tickMs: number;
  requestTimeoutMs: number;
  clock: Clock;
}

/**
 * A catch-up answer is built within this many bytes: proposals newest first (a block that does
 * not fit goes without it, and the asker fetches it by proposal-block request), then votes.
 */
export const MAX_CATCH_UP_ANSWER_BYTES = 16 * 1024 * 1024;
/** What a proposal message adds to its block's bytes, and what a vote weighs, for the hold's count of catch-up messages. */
const PROPOSAL_OVERHEAD_BYTES = 256;
const VOTE_BYTES = 160;
/** The longest wait between requests that bring nothing new, in ticks (8 × 500 ms on a node). */
export const MAX_BACKOFF_TICKS = 8;
/** Empty answers in a row that make the wait double: one from each of this many peers at most. */
export const PEERS_PER_BACKOFF = 4;

export class CatchUp {
  private readonly protocols: ReturnType<typeof protocolsFor>;
  private timer: Timer | undefined;
  private lastPosition = '';
  private lastProgressAt = 0;
  private catchingUp = false;
  private peerCursor = 0;
  /** Ticks to wait before the next request: 1, doubled by each answer with nothing new. */
  private backoffTicks = 1;
  private nextAskAt = 0;
  private emptyAnswers = 0;

  constructor(
    private readonly net: GossipNetwork,
    private readonly driver: CatchUpDriver,
    private readonly sink: MessageSink,
    private readonly sync: { sync(peer: string, target: number): Promise<void> },
    private readonly logger: Logger,
    private readonly options: CatchUpOptions,
  ) {
    this.protocols = protocolsFor(driver.chainState.chainId);
  }

  start(): void {
    this.net.handle(this.protocols.catchUp, (data) => this.answerCatchUp(data));
    this.lastProgressAt = this.options.clock.now();
    this.timer = every(this.options.clock, this.options.tickMs, () => void this.tick());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** A stall is no change of height, round or step for stallMs while no block is being applied. */
  private async tick(): Promise<void> {
    const core = this.driver.consensusState;
    const position = `${this.driver.chainState.lastBlockHeight}/${core.height}/${core.round}/${core.step}`;
    const now = this.options.clock.now();
    if (position !== this.lastPosition || this.driver.isApplying) {
      this.lastPosition = position;
      this.lastProgressAt = now;
      this.backoffTicks = 1;
      this.nextAskAt = 0;
      this.emptyAnswers = 0;
      return;
    }
    if (this.catchingUp || now - this.lastProgressAt < this.options.stallMs || now < this.nextAskAt) return;
    const peers = this.net.peers();
    if (peers.length === 0) return;
    const peer = (peers[this.peerCursor++ % peers.length] as (typeof peers)[number]).peerId;
    this.catchingUp = true;
    let fresh = false;
    try {
      fresh = await this.catchUpFrom(peer);
    } catch (err) {
      this.logger.debug({ peer, err: (err as Error).message }, 'catch-up request failed');
    } finally {
      this.catchingUp = false;
    }
    // Nothing new from this peer: the next one is asked on the next tick, until a round of peers
    // had nothing; then the wait doubles, up to the cap.
    this.nextAskAt = 0;
    if (fresh) {
      this.backoffTicks = 1;
      this.emptyAnswers = 0;
    } else if (++this.emptyAnswers >= Math.min(peers.length, PEERS_PER_BACKOFF)) {
      this.emptyAnswers = 0;
      this.backoffTicks = Math.min(MAX_BACKOFF_TICKS, this.backoffTicks * 2);
      this.nextAskAt = this.options.clock.now() + this.backoffTicks * this.options.tickMs;
    }
  }

  /**
   * Asks `peer` about our height; replays what it holds that we lack, or syncs blocks if it is
   * ahead. True when something new came of it.
   */
  private async catchUpFrom(peer: string): Promise<boolean> {
    const height = this.driver.chainState.lastBlockHeight + 1;
    const core = this.driver.consensusState;
    const current = core.height === height;
    const haveProposals = current ? [...core.proposals.keys()].sort((a, b) => b - a).slice(0, MAX_PROPOSALS_PER_ANSWER) : [];
    const request = encode(CatchUpRequest, { height, haveProposals, round: current ? core.round : 0, haveVotes: current ? heldVoteBits(core) : [] });
    const answer = await requestDecoded(this.net, peer, {
      protocol: this.protocols.catchUp,
      request,
      codec: CatchUpAnswer,
      what: 'catch-up answer',
      timeoutMs: this.options.requestTimeoutMs,
      maxResponseBytes: MAX_CATCH_UP_ANSWER_BYTES + ANSWER_SLACK_BYTES,
    });
    if (answer.lastHeight >= height) {
      await this.sync.sync(peer, answer.lastHeight);
      // New only if blocks came: a peer that claims heights it cannot serve must not reset the back-off.
      return this.driver.chainState.lastBlockHeight >= height;
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
    const invalid = (why: string): false => {
      this.net.reportInvalid(peer, why);
      return false;
    };
    let fresh = false;
    for (const msg of answer.proposals) {
      if (!firstTime(msg.proposal.signature)) return invalid('catch-up answer with the same proposal twice');
      const verdict = await this.sink.handleProposal(msg, peer, msg.block.length + PROPOSAL_OVERHEAD_BYTES);
      if (verdict === 'reject') return invalid('catch-up answer with an invalid proposal');
      fresh ||= verdict === 'accept';
    }
    for (const vote of answer.votes) {
      if (!firstTime(vote.signature)) return invalid('catch-up answer with the same vote twice');
      const verdict = this.sink.handleVote(vote, peer, VOTE_BYTES);
      if (verdict === 'reject') return invalid('catch-up answer with an invalid vote');
      fresh ||= verdict === 'accept';
    }
    return fresh;
  }

  private async answerCatchUp(data: Uint8Array): Promise<Uint8Array> {
    const { height, haveProposals, round, haveVotes } = decodeRequest(CatchUpRequest, data, 'catch-up request');
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
    const votes = missingVotes(core, round, haveVotes, Math.min(MAX_VOTES_PER_ANSWER, Math.max(0, Math.floor(budget / VOTE_BYTES))));
    return encode(CatchUpAnswer, { lastHeight, proposals, votes });
  }
}

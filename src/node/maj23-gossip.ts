/**
 * +2/3 claims between peers (CometBFT's VoteSetMaj23; spec/consensus.md, "Claims of +2/3"):
 * this node tells each peer, directly, what it holds +2/3 for in the rounds that matter
 * (consensus/maj23.ts): at once when that changes, and while it does not, again after an
 * interval that doubles up to MAX_CLAIM_BACKOFF (repeats are how a failed fetch is retried;
 * doubling keeps a height stuck with a polka from costing a claim per peer every second). A peer that receives a claim notes it (its vote set then
 * keeps conflicting votes for that block), and if it lacks +2/3 for the block it asks the
 * claimant for the votes that count for it. That is how a polka one side saw, made with a
 * Byzantine validator's vote the other side got a conflicting version of, reaches every
 * correct validator. Claims go over request/response, not gossipsub: gossipsub drops a
 * repeated message as a duplicate, and the receiver must know which peer claimed.
 */
import { toHex } from '../codec/bytes.js';
import { encode } from '../codec/schema.js';
import { Maj23Claim, VotesForBlockAnswer } from '../codec/gossip.js';
import { PREVOTE } from '../codec/vote.js';
import { ownClaims } from '../consensus/maj23.js';
import type { VoteSet } from '../consensus/vote-set.js';
import { every, systemClock, type Clock, type Timer } from '../runtime/clock.js';
import type { ConsensusDriver } from './consensus-driver.js';
import type { Logger } from './logger.js';
import { checkVote } from './message-checks.js';
import { protocolsFor, type GossipNetwork } from './network.js';
import { decodeRequest, requestDecoded } from './peer-request.js';

export const MAJ23_INTERVAL_MS = 1000;
/** Unchanged claims are repeated at most this many intervals apart. */
export const MAX_CLAIM_BACKOFF = 8;
/** Peer, round and type triples remembered per height; past this, new claims are dropped until the next height. */
const MAX_CLAIMS_REMEMBERED = 100_000;

const EMPTY = new Uint8Array(0);
/** An encoded vote at most: type, height, round, hash, address, index, signature and framing. */
const MAX_VOTE_BYTES = 200;

export class Maj23Gossip {
  private readonly protocols: ReturnType<typeof protocolsFor>;
  private timer: Timer | undefined;
  private readonly clock: Clock;
  /** One vote fetch per peer at a time: a peer's claims cannot queue work for us. */
  private readonly fetching = new Set<string>();
  /**
   * At the current height, when each peer's claim for a round and type last made us fetch votes.
   * Consensus counts only a peer's first claim per round and type, and every event it gets is
   * written to the WAL, so a repeat goes no further than here; a claimant repeats its claims
   * every interval, which is how a fetch that failed is retried, and no more often than that.
   */
  private claims = { height: -1, lastFetch: new Map<string, number>() };
  /** Per peer: the claims last sent to it, when, and how long until they are repeated unchanged. */
  private readonly sent = new Map<string, { key: string; at: number; waitMs: number }>();

  constructor(
    private readonly net: GossipNetwork,
    private readonly driver: ConsensusDriver,
    private readonly logger: Logger,
    /** `clock`: the host's time (the wall clock unless given: the simulator gives virtual time). */
    private readonly options: { intervalMs: number; requestTimeoutMs: number; clock?: Clock } = { intervalMs: MAJ23_INTERVAL_MS, requestTimeoutMs: 5000 },
  ) {
    this.protocols = protocolsFor(driver.chainState.chainId);
    this.clock = options.clock ?? systemClock;
  }

  start(): void {
    this.net.handle(this.protocols.maj23, (data, from) => this.onClaim(data, from));
    this.net.handle(this.protocols.votesForBlock, (data) => this.answerVotes(data));
    this.timer = every(this.clock, this.options.intervalMs, () => this.sendClaims());
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private sendClaims(): void {
    const claims = ownClaims(this.driver.consensusState);
    const now = this.clock.now();
    const key = claims.map((c) => `${c.height}/${c.round}/${c.voteType}/${toHex(c.blockHash)}`).join(' ');
    const peers = this.net.peers();
    // Peers gone are forgotten: the map holds at most the connected peers.
    if (this.sent.size > peers.length) for (const peer of [...this.sent.keys()]) if (!peers.some((p) => p.peerId === peer)) this.sent.delete(peer);
    if (claims.length === 0) return;
    for (const { peerId } of peers) {
      const last = this.sent.get(peerId);
      if (last && last.key === key && now - last.at < last.waitMs) continue;
      const waitMs = last && last.key === key ? Math.min(MAX_CLAIM_BACKOFF * this.options.intervalMs, last.waitMs * 2) : this.options.intervalMs;
      this.sent.set(peerId, { key, at: now, waitMs });
      for (const claim of claims) {
        this.net.request(peerId, this.protocols.maj23, encode(Maj23Claim, claim), { timeoutMs: this.options.requestTimeoutMs, maxResponseBytes: 1024 }).catch(() => undefined);
      }
    }
  }

  /** The vote set a claim is about, if it is for the height and a round this node has reached. */
  private setOf(claim: Maj23Claim): VoteSet | null {
    const core = this.driver.consensusState;
    if (!core.votes || core.height !== claim.height || core.height !== this.driver.chainState.lastBlockHeight + 1 || claim.round > core.round) return null;
    return claim.voteType === PREVOTE ? core.votes.prevotes(claim.round) : core.votes.precommits(claim.round);
  }

  private async onClaim(data: Uint8Array, from: string): Promise<Uint8Array> {
    const claim = decodeRequest(Maj23Claim, data, 'maj23 claim');
    const set = this.setOf(claim);
    if (!set) return EMPTY;
    if (this.claims.height !== claim.height) this.claims = { height: claim.height, lastFetch: new Map() };
    const key = `${claim.round}/${claim.voteType}/${from}`;
    const last = this.claims.lastFetch.get(key);
    if (last === undefined) {
      if (this.claims.lastFetch.size >= MAX_CLAIMS_REMEMBERED) return EMPTY;
      this.driver.enqueue({ type: 'maj23Claim', peer: from, ...claim });
    }
    const now = this.clock.now();
    if (last !== undefined && now - last < this.options.intervalMs) return EMPTY;
    this.claims.lastFetch.set(key, now);
    if (!set.hasTwoThirdsFor(claim.blockHash) && !this.fetching.has(from)) {
      this.fetching.add(from);
      void this.fetchVotes(claim, from).finally(() => this.fetching.delete(from));
    }
    return EMPTY;
  }

  /** Asks the claimant for the votes behind its claim and feeds those that pass the usual checks. */
  private async fetchVotes(claim: Maj23Claim, from: string): Promise<void> {
    let votes;
    try {
      votes = await requestDecoded(this.net, from, {
        protocol: this.protocols.votesForBlock,
        request: encode(Maj23Claim, claim),
        codec: VotesForBlockAnswer,
        what: 'votes for a block',
        timeoutMs: this.options.requestTimeoutMs,
        // One vote per validator is all an honest answer holds.
        maxResponseBytes: this.driver.chainState.validators.size * MAX_VOTE_BYTES + 1024,
      });
    } catch (err) {
      this.logger.debug({ peer: from, err: (err as Error).message }, 'could not fetch the votes behind a claim');
      return;
    }
    const chain = this.driver.chainState;
    for (const vote of votes.slice(0, chain.validators.size)) {
      const result = checkVote(chain, this.driver.consensusState, vote);
      if (result.kind === 'accept') this.driver.enqueue(result.event);
      else if (result.kind === 'reject') {
        this.net.reportInvalid(from, `votes for a claim: ${result.reason}`);
        return;
      }
    }
  }

  private async answerVotes(data: Uint8Array): Promise<Uint8Array> {
    const claim = decodeRequest(Maj23Claim, data, 'votes request');
    return encode(VotesForBlockAnswer, this.setOf(claim)?.votesFor(claim.blockHash) ?? []);
  }
}

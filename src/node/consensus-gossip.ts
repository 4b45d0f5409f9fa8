/**
 * Consensus over the network, as three reactors with one job each (spec/consensus.md, "The
 * reactors"): the consensus reactor (proposals and votes on gossip topics, their checks, the
 * hold for the next height, fetching a large proposal's block), catch-up (stall detection and
 * the catch-up request) and block sync (committed blocks, each verified before it is applied).
 * This class composes them so the node wires one object; it is what the driver broadcasts
 * through. Time comes only from the Clock port (systemClock unless the host gives another).
 */
import type { BlockStore } from '../store/block-store.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { BlockSync } from './block-sync.js';
import { CatchUp } from './catch-up.js';
import type { ConsensusBroadcaster, ConsensusDriver } from './consensus-driver.js';
import { ConsensusReactor, type ReactorCounters } from './consensus-reactor.js';
import type { Logger } from './logger.js';
import type { GossipNetwork } from './network.js';
import type { Proposal, Vote } from '../codec/vote.js';

export { MAX_CATCH_UP_ANSWER_BYTES } from './catch-up.js';

export interface GossipCounters extends ReactorCounters {
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
  /** The host's time: the wall clock on a real process, virtual time in the simulator. */
  clock: Clock;
}

const DEFAULTS: ConsensusGossipOptions = {
  stallMs: 1500,
  tickMs: 500,
  requestTimeoutMs: 5000,
  maxHeld: 10_000,
  maxHeldBytes: 64 * 1024 * 1024,
  maxHeldBytesPerPeer: 8 * 1024 * 1024,
  maxInlineBlockBytes: 1024 * 1024,
  clock: systemClock,
};

export class ConsensusGossip implements ConsensusBroadcaster {
  readonly counters: GossipCounters = { received: 0, rejected: 0, ignored: 0, held: 0, syncedBlocks: 0 };
  readonly reactor: ConsensusReactor;
  readonly catchUp: CatchUp;
  readonly blockSync: BlockSync;

  constructor(net: GossipNetwork, driver: ConsensusDriver, blockStore: BlockStore, logger: Logger, options: Partial<ConsensusGossipOptions> = {}) {
    const o = { ...DEFAULTS, ...options };
    this.reactor = new ConsensusReactor(net, driver, logger, this.counters, o);
    this.blockSync = new BlockSync(net, driver, blockStore, this.counters, o);
    this.catchUp = new CatchUp(net, driver, this.reactor, this.blockSync, logger, o);
  }

  /** Bytes held for the next height, in total and from one peer. */
  get heldBytes(): number {
    return this.reactor.heldBytes;
  }

  heldBytesOf(peer: string): number {
    return this.reactor.heldBytesOf(peer);
  }

  start(): void {
    this.reactor.start();
    this.catchUp.start();
    this.blockSync.start();
  }

  stop(): void {
    this.catchUp.stop();
    this.reactor.stop();
  }

  proposal(proposal: Proposal, block: Uint8Array): void {
    this.reactor.proposal(proposal, block);
  }

  vote(vote: Vote): void {
    this.reactor.vote(vote);
  }

  /** The driver started a height: messages held for it are checked again and fed in. */
  onStartHeight(): void {
    this.reactor.onStartHeight();
  }
}

/**
 * ConsensusGossip (and its reactors) in memory: a network whose peers are scripted (what each answers to a
 * request), and a driver that records what reaches the core. Tests play a peer by calling the
 * topic handler with its bytes and read the verdict gossipsub would act on.
 */
import type { Block } from '../../src/codec/block.js';
import { createConsensusState, type ConsensusState } from '../../src/consensus/index.js';
import type { ConsensusEvent } from '../../src/consensus/types.js';
import type { ChainState } from '../../src/node/chain-state.js';
import type { ConsensusDriver } from '../../src/node/consensus-driver.js';
import { ConsensusGossip, type ConsensusGossipOptions } from '../../src/node/consensus-gossip.js';
import { silentLogger } from '../../src/node/logger.js';
import { topicsFor, type GossipNetwork, type Verdict } from '../../src/node/network.js';
import type { BlockStore } from '../../src/store/block-store.js';

type Responder = (protocol: string, data: Uint8Array) => Promise<Uint8Array>;

export class ScriptedNetwork implements GossipNetwork {
  readonly peerId = 'self';
  readonly handlers = new Map<string, (data: Uint8Array, from: string) => Verdict | Promise<Verdict>>();
  readonly published: { topic: string; data: Uint8Array }[] = [];
  readonly reports: { peerId: string; reason: string }[] = [];
  /** Every request made, in order. */
  readonly requests: { peerId: string; protocol: string }[] = [];
  readonly responders = new Map<string, Responder>();
  onRequest: (() => void) | null = null;

  constructor(readonly peerIds: string[]) {}

  subscribe(topic: string, handler: (data: Uint8Array, from: string) => Verdict | Promise<Verdict>): void {
    this.handlers.set(topic, handler);
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    this.published.push({ topic, data });
  }

  handle(): void {}

  async request(peerId: string, protocol: string, data: Uint8Array): Promise<Uint8Array> {
    this.requests.push({ peerId, protocol });
    this.onRequest?.();
    const responder = this.responders.get(peerId);
    if (!responder) throw new Error(`no route to ${peerId}`);
    return responder(protocol, data);
  }

  peers(): { peerId: string; addr: string; direction: 'inbound' | 'outbound' }[] {
    return this.peerIds.map((peerId) => ({ peerId, addr: '/memory', direction: 'outbound' as const }));
  }

  reportInvalid(peerId: string, reason: string): void {
    this.reports.push({ peerId, reason });
  }

  /** Delivers gossip bytes on `topic` as if `from` relayed them; the verdict gossipsub acts on. */
  deliver(topic: string, data: Uint8Array, from: string): Promise<Verdict> {
    const handler = this.handlers.get(topic);
    if (!handler) throw new Error(`nothing subscribed to ${topic}`);
    return Promise.resolve(handler(data, from));
  }
}

/** The part of the driver ConsensusGossip uses, recording the events it feeds the core. */
export class RecordingDriver {
  readonly events: ConsensusEvent[] = [];
  readonly applied: Block[] = [];
  readonly consensusState: ConsensusState;
  isApplying = false;
  onEvent: ((event: ConsensusEvent) => void) | null = null;
  /** Called after each block is applied: tests await a sync instead of sleeping. */
  onApplied: ((block: Block) => void) | null = null;

  constructor(public chainState: ChainState) {
    this.consensusState = createConsensusState({ chainId: chainState.chainId, selfAddress: null });
    this.consensusState.height = chainState.lastBlockHeight + 1;
  }

  enqueue(event: ConsensusEvent): void {
    this.events.push(event);
    this.onEvent?.(event);
  }

  /** Accepts every block: the gossip layer must have proven the body itself. */
  async checkCommittedBlock(): Promise<string | null> {
    return null;
  }

  async applyCommittedBlock(block: Block): Promise<boolean> {
    this.applied.push(block);
    this.chainState = { ...this.chainState, lastBlockHeight: block.header.height };
    this.onApplied?.(block);
    return true;
  }
}

export function startGossip(net: ScriptedNetwork, driver: RecordingDriver, options: Partial<ConsensusGossipOptions> = {}): ConsensusGossip {
  const gossip = new ConsensusGossip(net, driver as unknown as ConsensusDriver, {} as BlockStore, silentLogger(), { tickMs: 60_000, ...options });
  gossip.start();
  return gossip;
}

export { topicsFor };

/**
 * What the node needs from the peer-to-peer layer, and the names it uses on it. P2PHost
 * (src/p2p) provides it over libp2p; tests can provide it in memory.
 */
export type Verdict = 'accept' | 'reject' | 'ignore';

export interface GossipNetwork {
  readonly peerId: string;
  /** `handler` validates and processes; only accepted messages travel on to other peers. */
  subscribe(topic: string, handler: (data: Uint8Array, from: string) => Verdict | Promise<Verdict>): void;
  publish(topic: string, data: Uint8Array): Promise<void>;
  /**
   * Gives `data` to one peer as if gossiped on `topic`: it checks it like any gossip and relays
   * it if accepted. Only Byzantine strategies send to single peers; a host without it publishes.
   */
  sendTo?(peerId: string, topic: string, data: Uint8Array): Promise<void>;
  handle(protocol: string, handler: (request: Uint8Array, from: string) => Promise<Uint8Array>): void;
  /** `maxResponseBytes`: a longer answer fails with P2P_MESSAGE_TOO_LARGE as it starts to arrive, unscored. */
  request(peerId: string, protocol: string, data: Uint8Array, options?: { timeoutMs?: number; maxResponseBytes?: number }): Promise<Uint8Array>;
  peers(): { peerId: string; addr: string; direction: 'inbound' | 'outbound' }[];
  /** Counts against the peer; enough reports disconnect and ban it. */
  reportInvalid(peerId: string, reason: string): void;
}

/**
 * The largest request any of the node's protocols sends: each is a height, a hash or a claim
 * (tens of bytes; a catch-up request lists at most 64 rounds). Answers can be whole blocks;
 * requests never need more than this, so a peer gets no more room than that to fill.
 */
export const MAX_REQUEST_BYTES = 4 * 1024;

/** Topics carry the chain id, so nodes of different chains never process each other's messages. */
export function topicsFor(chainId: string): { proposal: string; vote: string; txs: string; evidence: string } {
  return {
    proposal: `/cmt/${chainId}/proposal/1`,
    vote: `/cmt/${chainId}/vote/1`,
    txs: `/cmt/${chainId}/txs/1`,
    evidence: `/cmt/${chainId}/evidence/1`,
  };
}

export function protocolsFor(chainId: string): { catchUp: string; block: string; proposalBlock: string; maj23: string; votesForBlock: string } {
  return {
    catchUp: `/cmt/${chainId}/catch-up/2`,
    block: `/cmt/${chainId}/block/1`,
    proposalBlock: `/cmt/${chainId}/proposal-block/1`,
    maj23: `/cmt/${chainId}/maj23/1`,
    votesForBlock: `/cmt/${chainId}/votes-for-block/1`,
  };
}

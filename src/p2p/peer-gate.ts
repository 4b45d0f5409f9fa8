/**
 * Who may connect: banned peers never (either direction), persistent peers always, anyone else
 * inbound only while the node has fewer than `maxPeers` peers. The check runs in libp2p's
 * connection gater right after the Noise handshake — the first moment the remote's peer id is
 * known — so a refused peer costs one handshake and never reaches gossipsub or a protocol.
 * One identity gets at most MAX_INBOUND_CONNECTIONS_PER_PEER inbound connections: more would
 * multiply its stream limits and fill libp2p's connection table, which persistent peers share.
 */
import type { Connection, ConnectionGater, PeerId } from '@libp2p/interface';
import type { Logger } from 'pino';
import type { Counters } from './counters.js';
import type { PeerScores } from './peer-scores.js';

/** Two allow a reconnect that overlaps the connection it replaces. */
export const MAX_INBOUND_CONNECTIONS_PER_PEER = 2;

export interface PeerGateOptions {
  scores: PeerScores;
  persistent: ReadonlySet<string>;
  maxPeers: number;
  dropped: Counters;
  logger: Logger;
}

export class PeerGate {
  /** Set once libp2p exists; the gater is handed to libp2p before that. */
  private connections: () => Connection[] = () => [];

  constructor(private readonly options: PeerGateOptions) {}

  attach(connections: () => Connection[]): void {
    this.connections = connections;
  }

  gater(): ConnectionGater {
    const banned = (peer: PeerId): boolean => this.options.scores.isBanned(peer.toString());
    return {
      denyDialPeer: banned,
      denyOutboundEncryptedConnection: banned,
      denyInboundEncryptedConnection: (peer) => this.denyInbound(peer.toString()),
    };
  }

  /**
   * The gater checks one handshake at a time; several finishing together can all pass it. Called
   * for each new connection, this closes the excess: only connections that opened earlier count,
   * so a burst keeps its first arrivals instead of each member closing itself because of the others.
   */
  enforce(conn: Connection): void {
    const peerId = conn.remotePeer.toString();
    if (conn.direction !== 'inbound') return;
    const earlier = new Set<string>();
    let mine = 0;
    for (const c of this.connections()) {
      const first = c.timeline.open < conn.timeline.open || (c.timeline.open === conn.timeline.open && c.id < conn.id);
      if (c.status !== 'open' || !first) continue;
      earlier.add(c.remotePeer.toString());
      if (c.direction === 'inbound' && c.remotePeer.toString() === peerId) mine++;
    }
    if (mine >= MAX_INBOUND_CONNECTIONS_PER_PEER) return this.refuse(conn, 'inbound_connections_per_peer');
    if (this.options.persistent.has(peerId) || earlier.has(peerId) || earlier.size < this.options.maxPeers) return;
    this.refuse(conn, 'inbound_peer_cap');
  }

  private refuse(conn: Connection, reason: string): void {
    this.options.dropped.inc(reason);
    this.options.logger.debug({ peer: conn.remotePeer.toString(), reason }, 'closing inbound connection');
    conn.close().catch((err: unknown) => conn.abort(err instanceof Error ? err : new Error(reason)));
  }

  private denyInbound(peerId: string): boolean {
    const { scores, persistent, maxPeers, dropped, logger } = this.options;
    if (scores.isBanned(peerId)) {
      dropped.inc('banned_connection');
      return true;
    }
    if (persistent.has(peerId)) return false;
    const connected = new Set(this.connections().map((c) => c.remotePeer.toString()));
    if (connected.has(peerId) || connected.size < maxPeers) return false;
    dropped.inc('inbound_peer_cap');
    logger.debug({ peer: peerId, maxPeers }, 'inbound connection refused: peer cap reached');
    return true;
  }
}

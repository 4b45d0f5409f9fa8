/**
 * The node's network endpoint: libp2p over TCP with Noise and Yamux, gossipsub for broadcast,
 * length-prefixed request/response for point-to-point exchanges, persistent peers with back-off
 * redial, a peer cap, misbehaviour scoring with temporary bans, and the direct push protocol
 * (direct-push.ts: a gossip message handed to one peer, judged there as gossip). It moves bytes and never
 * decides validity: callers judge each gossip message and each request themselves.
 * spec/p2p.md is the reference for every limit and threshold used here.
 */
import type { LinkFaults } from './link-faults.js';
import './polyfill.js'; // first: libp2p 3 needs Promise.withResolvers, missing on Node 20
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { gossipsub, TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub';
import { identify, type Identify } from '@libp2p/identify';
import type { Libp2p } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import { ping, type Ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr';
import { createLibp2p } from 'libp2p';
import type { Logger } from 'pino';
import { Counters } from './counters.js';
import { decodePush, decodeVerdict, DIRECT_PUSH_PROTOCOL, encodePush, encodeVerdict, PUSH_HEADER_MAX_BYTES, PUSHES_IN_FLIGHT_PER_PEER, PUSHES_IN_FLIGHT_TOTAL, PUSHES_PER_SECOND } from './direct-push.js';
import { describeError, P2PError } from './errors.js';
import { GOSSIPSUB_MAX_RPC_BYTES, gossipOptions, maxGossipBytes } from './gossip-config.js';
import { gossipValidator, type GossipHandler, type Verdict } from './gossip-validator.js';
import type { NodeKey } from './node-key.js';
import { PeerGate } from './peer-gate.js';
import { DEFAULT_BAN_MS, DEFAULT_INVALID_THRESHOLD, DEFAULT_INVALID_WINDOW_MS, PeerScores } from './peer-scores.js';
import { PushBudget, PushRate } from './push-limits.js';
import { SeenIds } from './seen-ids.js';
import { Redialer, type PersistentPeer } from './redial.js';
import { RequestResponse, type RequestHandler, type RequestOptions } from './request-response.js';
import { ServeBudget } from './serve-budget.js';

export type { GossipContext, GossipHandler, Verdict } from './gossip-validator.js';
export type { RequestHandler, RequestOptions } from './request-response.js';

export interface P2PHostOptions {
  nodeKey: NodeKey;
  /** IP address to bind. Default 127.0.0.1; 0.0.0.0 (or ::) accepts peers from other machines. */
  listenHost?: string;
  /** TCP port; 0 (the default) lets the OS pick a free one, see `listenPort` on the host. */
  listenPort?: number;
  /** Multiaddrs with /p2p/<peer id>, e.g. /ip4/10.0.0.2/tcp/26656/p2p/12D3KooW…; the node's own is skipped. */
  persistentPeers?: string[];
  /** Inbound connections beyond this many peers are refused; persistent peers always get in. Default 50. */
  maxPeers?: number;
  /**
   * Largest request and response payload, and largest gossip message up to gossipsub's ceiling of
   * 4 MiB − 64 KiB (see `maxGossipBytes`). Default 4 MiB.
   */
  maxMessageBytes?: number;
  /** Largest request payload, sent or served; a larger one is refused and scored. Default maxMessageBytes. */
  maxRequestBytes?: number;
  /** Requests one peer may have in flight here at once; more are reset unserved. Default 32. */
  maxRequestsPerPeer?: number;
  logger: Logger;
  /** How long a banned peer stays banned. Default 10 minutes. */
  banMs?: number;
  /** Invalid reports within `invalidWindowMs` that ban a peer. Default 3. */
  invalidThreshold?: number;
  /** Default 60 s. */
  invalidWindowMs?: number;
  /** Host (IP or DNS name) to advertise instead of the bound one, e.g. a public IP in front of NAT. */
  announceHost?: string;
  /** Default timeout of `request`, and how long an inbound request may take to arrive. Default 10 s. */
  requestTimeoutMs?: number;
  /** Gossipsub heartbeat. Default 700 ms. */
  gossipHeartbeatMs?: number;
  /** Injected link faults (the chaos runner's admin endpoint); absent in normal operation. */
  linkFaults?: LinkFaults;
  /** Direct pushes one peer may make per second (and in a burst). Default PUSHES_PER_SECOND (200). */
  pushesPerSecond?: number;
}

export interface PeerInfo {
  peerId: string;
  /** Remote multiaddr of the oldest open connection. */
  addr: string;
  direction: 'inbound' | 'outbound';
}

export interface PeerEvent {
  type: 'connect' | 'disconnect';
  peerId: string;
}

export interface P2PStats {
  peers: number;
  inboundPeers: number;
  outboundPeers: number;
  bannedPeers: number;
  /** Bans imposed since start. */
  bans: number;
  gossipAccepted: number;
  gossipPublished: number;
  requestsSent: number;
  /** Direct pushes (`sendTo`) sent, and received ones whose topic handler accepted them. */
  pushesSent: number;
  pushesAccepted: number;
  /** Messages, frames and connections dropped, by reason (spec/p2p.md lists them). */
  dropped: Record<string, number>;
  /** Invalid reports (internal and the caller's `reportInvalid`), by reason label. */
  invalid: Record<string, number>;
  /** Peers with requests being served, and bytes of answers waiting for their requesters to read them. */
  serving: { peers: number; answerBytes: number };
}

export const DEFAULT_MAX_PEERS = 50;
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_REQUESTS_PER_PEER = 32;
/** New inbound connections per remote IP per second; loopback devnets open many from one address. */
const INBOUND_CONNECTIONS_PER_SECOND = 25;
/** Time for an inbound connection's Noise handshake and muxer negotiation: a few round trips. */
const INBOUND_HANDSHAKE_TIMEOUT_MS = 5_000;
/** Inbound connections still in their handshake at once, from all addresses. */
const MAX_PENDING_INBOUND_CONNECTIONS = 256;

type Services = { identify: Identify; ping: Ping; pubsub: GossipSub };

interface HostSettings {
  maxGossipBytes: number;
  banMs: number;
  linkFaults: LinkFaults | undefined;
  pushesPerSecond: number;
}

function parsePersistentPeer(addr: string): PersistentPeer {
  let ma: Multiaddr;
  try {
    ma = multiaddr(addr);
  } catch (err) {
    throw new P2PError('INVALID_PEER_ADDRESS', `persistent peer "${addr}" is not a multiaddr`, { cause: err });
  }
  const peerId = ma.getComponents().findLast((c) => c.name === 'p2p')?.value;
  if (!peerId) throw new P2PError('INVALID_PEER_ADDRESS', `persistent peer "${addr}" has no /p2p/<peer id> part`);
  try {
    peerIdFromString(peerId);
  } catch (err) {
    throw new P2PError('INVALID_PEER_ADDRESS', `persistent peer "${addr}": "${peerId}" is not a peer id`, { cause: err });
  }
  return { peerId, addr: ma.toString() };
}

/** Rewrites the advertised addresses to `announceHost`, keeping each bound port. */
function announceAs(announceHost: string, peerId: string): (addrs: Multiaddr[]) => Multiaddr[] {
  const family = isIP(announceHost);
  const proto = family === 4 ? 'ip4' : family === 6 ? 'ip6' : 'dns';
  return (addrs) => {
    const ports = new Set(addrs.flatMap((a) => a.getComponents().filter((c) => c.name === 'tcp').map((c) => c.value)));
    return [...ports].map((port) => multiaddr(`/${proto}/${announceHost}/tcp/${port}/p2p/${peerId}`));
  };
}

/** The label counted for a reason: the text before the first ':' ("label: details"). */
function reasonLabel(reason: string): string {
  return reason.split(':', 1)[0]!.trim() || 'unspecified';
}

export class P2PHost {
  readonly peerId: string;
  /** The largest gossip payload: min(maxMessageBytes, 4 MiB − 64 KiB). Larger data needs request/response. */
  readonly maxGossipBytes: number;
  private readonly subscriptions = new Map<string, GossipHandler>();
  private readonly protocols = new Set<string>();
  private readonly peerListeners = new Set<(event: PeerEvent) => void>();
  private readonly invalid = new Counters();
  private readonly rr: RequestResponse;
  private readonly budget: ServeBudget;
  /** Direct pushes: their own request limit (a whole gossip payload), budget and rate. */
  private readonly pushes: RequestResponse;
  private readonly pushBudget: PushBudget;
  private readonly pushRate: PushRate;
  /** What was pushed here lately, as gossip's seen cache (a copy is answered without its handler). */
  private readonly pushSeen = new SeenIds();
  private pushesSent = 0;
  private pushesAccepted = 0;
  private stopping: Promise<void> | null = null;
  private gossipAccepted = 0;
  private gossipPublished = 0;
  private requestsSent = 0;
  private bans = 0;
  private readonly linkFaults: LinkFaults | undefined;

  private constructor(
    private readonly node: Libp2p<Services>,
    private readonly scores: PeerScores,
    private readonly gate: PeerGate,
    private readonly redialer: Redialer,
    private readonly settings: HostSettings,
    private readonly logger: Logger,
    /** Shared with the peer gate, which counts refused connections before the host exists. */
    private readonly dropped: Counters,
    limits: { maxMessageBytes: number; maxRequestBytes: number; maxRequestsPerPeer: number; requestTimeoutMs: number },
  ) {
    this.peerId = node.peerId.toString();
    this.maxGossipBytes = settings.maxGossipBytes;
    this.linkFaults = settings.linkFaults;
    this.pushRate = new PushRate(settings.pushesPerSecond);
    const { maxMessageBytes, maxRequestBytes, requestTimeoutMs } = limits;
    // Room for a few maximal answers per peer, and for several peers at once.
    this.budget = new ServeBudget({ requestsPerPeer: limits.maxRequestsPerPeer, answerBytesPerPeer: 2 * maxMessageBytes + 1024, answerBytesTotal: 4 * maxMessageBytes + 4096 });
    this.rr = new RequestResponse({
      libp2p: node,
      maxMessageBytes,
      maxRequestBytes,
      budget: this.budget,
      timeoutMs: requestTimeoutMs,
      logger,
      dropped,
      reportInvalid: (peer, reason) => this.reportInvalid(peer, reason),
      isBanned: (peer) => scores.isBanned(peer),
    });
    // Answers to pushes are a verdict byte or a short error: a few KiB each is ample.
    this.pushBudget = new PushBudget({ requestsPerPeer: PUSHES_IN_FLIGHT_PER_PEER, answerBytesPerPeer: PUSHES_IN_FLIGHT_PER_PEER * 2048, answerBytesTotal: PUSHES_IN_FLIGHT_TOTAL * 2048 }, PUSHES_IN_FLIGHT_TOTAL);
    this.pushes = new RequestResponse({
      libp2p: node,
      maxMessageBytes: 2048,
      maxRequestBytes: this.maxGossipBytes + PUSH_HEADER_MAX_BYTES,
      budget: this.pushBudget,
      timeoutMs: requestTimeoutMs,
      logger,
      dropped,
      reportInvalid: (peer, reason) => this.reportInvalid(peer, reason),
      isBanned: (peer) => scores.isBanned(peer),
    });
  }

  static async start(options: P2PHostOptions): Promise<P2PHost> {
    const maxPeers = options.maxPeers ?? DEFAULT_MAX_PEERS;
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    const maxRequestBytes = Math.min(options.maxRequestBytes ?? maxMessageBytes, maxMessageBytes);
    const maxRequestsPerPeer = options.maxRequestsPerPeer ?? DEFAULT_MAX_REQUESTS_PER_PEER;
    const banMs = options.banMs ?? DEFAULT_BAN_MS;
    const listenHost = options.listenHost ?? '127.0.0.1';
    const listenPort = options.listenPort ?? 0;
    const { logger, nodeKey } = options;
    if (!Number.isInteger(maxPeers) || maxPeers < 0) throw new P2PError('P2P_USAGE', `maxPeers must be a non-negative integer, got ${maxPeers}`);
    if (!Number.isSafeInteger(maxMessageBytes) || maxMessageBytes < 1) throw new P2PError('P2P_USAGE', `maxMessageBytes must be a positive integer, got ${maxMessageBytes}`);
    if (!Number.isSafeInteger(maxRequestBytes) || maxRequestBytes < 1) throw new P2PError('P2P_USAGE', `maxRequestBytes must be a positive integer, got ${maxRequestBytes}`);
    if (!Number.isSafeInteger(maxRequestsPerPeer) || maxRequestsPerPeer < 1) throw new P2PError('P2P_USAGE', `maxRequestsPerPeer must be a positive integer, got ${maxRequestsPerPeer}`);
    const family = isIP(listenHost);
    if (family === 0) throw new P2PError('P2P_LISTEN_FAILED', `p2p listen host must be an IP address, got "${listenHost}"`);

    const persistent = new Map<string, PersistentPeer>();
    for (const addr of options.persistentPeers ?? []) {
      const peer = parsePersistentPeer(addr);
      // One persistent_peers list shared by all validators is common: a node skips itself.
      if (peer.peerId !== nodeKey.peerId) persistent.set(peer.peerId, peer);
    }
    const scores = new PeerScores({
      threshold: options.invalidThreshold ?? DEFAULT_INVALID_THRESHOLD,
      windowMs: options.invalidWindowMs ?? DEFAULT_INVALID_WINDOW_MS,
      banMs,
    });
    const dropped = new Counters();
    const gate = new PeerGate({ scores, persistent: new Set(persistent.keys()), maxPeers, dropped, logger });

    const node = await createLibp2p<Services>({
      start: false,
      privateKey: nodeKey.privateKey,
      addresses: {
        listen: [`/${family === 4 ? 'ip4' : 'ip6'}/${listenHost}/tcp/${listenPort}`],
        ...(options.announceHost ? { announceFilter: announceAs(options.announceHost, nodeKey.peerId) } : {}),
      },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: gate.gater(),
      connectionManager: {
        // The peer gate is the real limit. libp2p's own must sit well above it, or libp2p would
        // refuse persistent peers and its pruner would close their connections.
        maxConnections: 2 * (maxPeers + persistent.size) + 16,
        inboundConnectionThreshold: INBOUND_CONNECTIONS_PER_SECOND,
        // A connection that has not finished its handshake holds a slot among libp2p's pending
        // ones. libp2p's defaults (10 slots, 10 s) let one silent client lock every peer out; with
        // these, one address (25 new connections a second) can hold at most 125 of 256.
        inboundUpgradeTimeout: INBOUND_HANDSHAKE_TIMEOUT_MS,
        maxIncomingPendingConnections: MAX_PENDING_INBOUND_CONNECTIONS,
        // Redial is ours (redial.ts); libp2p's keep-alive reconnect gives up after a few tries.
        reconnectRetries: 0,
      },
      services: {
        identify: identify(),
        ping: ping(),
        pubsub: gossipsub(gossipOptions({ maxMessageBytes, heartbeatMs: options.gossipHeartbeatMs })),
      },
    });
    gate.attach(() => node.getConnections());

    const redialer = new Redialer({
      peers: [...persistent.values()],
      dial: async (peer, signal) => {
        await node.dial(multiaddr(peer.addr), { signal });
      },
      isConnected: (id) => node.getConnections(peerIdFromString(id)).length > 0,
      bannedUntil: (id) => scores.bannedUntil(id),
      logger,
    });
    const pushesPerSecond = options.pushesPerSecond ?? PUSHES_PER_SECOND;
    if (!(pushesPerSecond > 0)) throw new P2PError('P2P_USAGE', `pushesPerSecond must be positive, got ${pushesPerSecond}`);
    const settings = { maxGossipBytes: maxGossipBytes(maxMessageBytes), banMs, linkFaults: options.linkFaults, pushesPerSecond };
    const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const host = new P2PHost(node, scores, gate, redialer, settings, logger, dropped, { maxMessageBytes, maxRequestBytes, maxRequestsPerPeer, requestTimeoutMs });
    host.wireEvents();
    try {
      await node.start();
    } catch (err) {
      try {
        await node.stop();
      } catch {
        // Already failing; the listen error is the one worth reporting.
      }
      throw new P2PError('P2P_LISTEN_FAILED', `cannot listen on ${listenHost}:${listenPort}: ${describeError(err)}`, { cause: err });
    }
    await host.pushes.handle(DIRECT_PUSH_PROTOCOL, (request, from) => host.servePush(request, from));
    for (const peer of persistent.values()) {
      // The tag keeps libp2p's pruner away from persistent peers; the address lets identify and
      // request() reach them without a dial of ours first.
      await node.peerStore.merge(peerIdFromString(peer.peerId), {
        multiaddrs: [multiaddr(peer.addr.slice(0, peer.addr.lastIndexOf('/p2p/')))],
        tags: { 'cmt-persistent': { value: 100 } },
      });
    }
    redialer.start();
    // The default 4 MiB is knowingly trimmed by the envelope; only a larger request is worth a warning.
    if (maxMessageBytes > GOSSIPSUB_MAX_RPC_BYTES) {
      logger.debug(
        { maxMessageBytes, maxGossipBytes: settings.maxGossipBytes, gossipsubRpcLimit: GOSSIPSUB_MAX_RPC_BYTES },
        'gossip messages are capped below maxMessageBytes by gossipsub; send larger payloads over request/response',
      );
    }
    logger.info({ peerId: host.peerId, addrs: host.listenAddrs, persistentPeers: persistent.size, maxPeers }, 'p2p listening');
    return host;
  }

  /**
   * The libp2p node, for the files service only (src/files/): Helia's bitswap registers its own
   * protocol on it. Nothing else may reach past the host's limits this way.
   */
  libp2pForFiles(): Libp2p {
    return this.node;
  }

  /** Addresses peers can dial, each ending in /p2p/<id> (using announceHost when set). */
  get listenAddrs(): string[] {
    return this.node.getMultiaddrs().map((a) => a.toString());
  }

  /** The bound TCP port (what listenPort 0 turned into). */
  get listenPort(): number {
    const port = this.node.getMultiaddrs()[0]?.getComponents().find((c) => c.name === 'tcp')?.value;
    return port === undefined ? 0 : Number(port);
  }

  get running(): boolean {
    return this.stopping === null;
  }

  /**
   * Joins a topic. The handler is the single place where a message is judged and processed: it
   * runs inside gossipsub validation, so only messages it accepts are forwarded to other peers;
   * 'reject' also counts against the peer that sent it. Messages over maxGossipBytes are
   * rejected before it runs. Keep it fast (well under 100 ms) — it sits on the propagation path.
   * A handler that throws counts as 'ignore'. Returns a function that leaves the topic.
   */
  subscribe(topic: string, handler: GossipHandler): () => void {
    this.assertRunning();
    if (this.subscriptions.has(topic)) throw new P2PError('P2P_USAGE', `already subscribed to topic "${topic}"`);
    const pubsub = this.node.services.pubsub;
    this.subscriptions.set(topic, handler);
    pubsub.topicValidators.set(
      topic,
      gossipValidator(topic, handler, {
        maxMessageBytes: this.maxGossipBytes,
        isBanned: (peer) => this.scores.isBanned(peer),
        reportInvalid: (peer, reason) => this.reportInvalid(peer, reason),
        onAccept: () => this.gossipAccepted++,
        dropped: this.dropped,
        logger: this.logger,
        ...(this.linkFaults ? { linkFaults: this.linkFaults } : {}),
      }),
    );
    pubsub.subscribe(topic);
    return () => {
      if (this.subscriptions.get(topic) !== handler) return;
      this.subscriptions.delete(topic);
      pubsub.topicValidators.delete(topic);
      if (this.running) pubsub.unsubscribe(topic);
    };
  }

  /**
   * Broadcasts to the topic's subscribers. Data over `maxGossipBytes` throws P2P_MESSAGE_TOO_LARGE. With no
   * subscribed peer yet it logs at debug and returns without marking the bytes as seen, so the
   * same bytes published later do go out. Bytes already seen within 2 minutes are not re-sent.
   */
  async publish(topic: string, data: Uint8Array): Promise<void> {
    this.assertRunning();
    const limit = this.maxGossipBytes;
    if (data.length > limit) throw new P2PError('P2P_MESSAGE_TOO_LARGE', `gossip message of ${data.length} bytes exceeds the ${limit}-byte gossip limit`);
    const pubsub = this.node.services.pubsub;
    if (pubsub.getSubscribers(topic).length === 0) {
      this.dropped.inc('publish_no_peers');
      this.logger.debug({ topic, bytes: data.length }, 'publish: no peer subscribed to the topic yet');
      return;
    }
    const { recipients } = await pubsub.publish(topic, data);
    if (recipients.length > 0) {
      this.gossipPublished++;
    } else {
      this.dropped.inc('publish_duplicate');
      this.logger.debug({ topic }, 'publish: bytes already seen, not re-sent');
    }
  }

  /**
   * Gives `data` to one peer as if gossiped on `topic` (the direct push protocol, spec/p2p.md):
   * the peer judges it with its handler for the topic and relays it through gossip if that
   * accepts it. Only Byzantine strategies on test chains send to single peers; correct nodes
   * publish. Throws P2PError like `request`, and P2P_MESSAGE_TOO_LARGE for data over
   * `maxGossipBytes`.
   */
  async sendTo(peerId: string, topic: string, data: Uint8Array): Promise<void> {
    await this.push(peerId, topic, data);
  }

  /** `sendTo`, resolving with the peer's verdict on the message. */
  async push(peerId: string, topic: string, data: Uint8Array): Promise<Verdict> {
    this.assertRunning();
    if (data.length > this.maxGossipBytes) throw new P2PError('P2P_MESSAGE_TOO_LARGE', `push of ${data.length} bytes exceeds the ${this.maxGossipBytes}-byte gossip limit`);
    let frame: Uint8Array;
    try {
      frame = encodePush({ topic, data });
    } catch (err) {
      throw new P2PError('P2P_USAGE', describeError(err), { cause: err });
    }
    if (this.linkFaults?.drops(peerId)) throw new P2PError('P2P_REQUEST_FAILED', `link to ${peerId} cut by an injected fault`);
    this.pushesSent++;
    const answer = await this.pushes.request(peerId, DIRECT_PUSH_PROTOCOL, frame);
    const verdict = decodeVerdict(answer);
    if (verdict === null) {
      this.reportInvalid(peerId, 'push_bad_verdict');
      throw new P2PError('P2P_PROTOCOL_ERROR', `push to ${peerId}: the answer is no verdict`);
    }
    return verdict;
  }

  /** Peers known to be subscribed to a topic (diagnostics, tests). */
  topicPeers(topic: string): string[] {
    return this.node.services.pubsub.getSubscribers(topic).map((p) => p.toString());
  }

  /** Peers in this node's gossipsub mesh for a topic: those it forwards to (diagnostics, tests). */
  meshPeers(topic: string): string[] {
    // getMeshPeers is on gossipsub's implementation but not on its exported interface.
    const impl = this.node.services.pubsub as unknown as { getMeshPeers?: (topic: string) => string[] };
    return impl.getMeshPeers?.(topic) ?? [];
  }

  /**
   * Serves a request/response protocol, e.g. '/cmt/<chain-id>/block/1'. The handler is in place
   * when this returns; the promise only finishes advertising the protocol and is safe to leave
   * un-awaited. A second handler for the same protocol throws P2P_USAGE synchronously.
   */
  handle(protocol: string, handler: RequestHandler): Promise<void> {
    this.assertRunning();
    if (this.protocols.has(protocol)) throw new P2PError('P2P_USAGE', `protocol "${protocol}" already has a handler`);
    this.protocols.add(protocol);
    const faults = this.linkFaults;
    const guarded: RequestHandler = faults
      ? async (data, from) => {
          if (faults.drops(from)) throw new P2PError('P2P_REQUEST_FAILED', 'link fault injected');
          await faults.delay(from);
          return handler(data, from);
        }
      : handler;
    const registered = this.rr.handle(protocol, guarded);
    registered.catch((err: unknown) => this.logger.error({ protocol, err: describeError(err) }, 'registering a protocol handler failed'));
    return registered;
  }

  async unhandle(protocol: string): Promise<void> {
    if (!this.protocols.delete(protocol)) return;
    if (this.running) await this.rr.unhandle(protocol);
  }

  /**
   * One request, one response, on a fresh stream. Throws P2PError: P2P_MESSAGE_TOO_LARGE,
   * P2P_PEER_BANNED, P2P_TIMEOUT, P2P_REMOTE_ERROR (the remote handler failed),
   * P2P_REQUEST_FAILED (unreachable, protocol not served, stream reset), P2P_PROTOCOL_ERROR.
   */
  async request(peerId: string, protocol: string, data: Uint8Array, options?: RequestOptions): Promise<Uint8Array> {
    this.assertRunning();
    this.requestsSent++;
    if (this.linkFaults?.drops(peerId)) throw new P2PError('P2P_REQUEST_FAILED', `link to ${peerId} cut by an injected fault`);
    return this.rr.request(peerId, protocol, data, options);
  }

  /**
   * Counts one piece of misbehaviour against a peer, e.g. a bad block in a response. `reason` is
   * "label" or "label: details"; stats count the label, the log gets all of it. Enough reports in
   * the window disconnect the peer and ban it for banMs.
   */
  reportInvalid(peerId: string, reason: string): void {
    if (peerId === this.peerId) return;
    this.invalid.inc(reasonLabel(reason));
    this.logger.debug({ peer: peerId, reason }, 'invalid report');
    if (this.scores.report(peerId)) this.ban(peerId, reason);
  }

  isBanned(peerId: string): boolean {
    return this.scores.isBanned(peerId);
  }

  /** 0 for a clean peer, minus one per invalid report in the current window. */
  score(peerId: string): number {
    return this.scores.score(peerId);
  }

  peers(): PeerInfo[] {
    const byPeer = new Map<string, PeerInfo>();
    for (const conn of this.node.getConnections()) {
      const peerId = conn.remotePeer.toString();
      if (conn.status !== 'open' || byPeer.has(peerId)) continue;
      byPeer.set(peerId, { peerId, addr: conn.remoteAddr.toString(), direction: conn.direction });
    }
    return [...byPeer.values()];
  }

  /** Calls `listener` on each peer connect and disconnect; returns a function that unsubscribes. */
  onPeerChange(listener: (event: PeerEvent) => void): () => void {
    this.peerListeners.add(listener);
    return () => this.peerListeners.delete(listener);
  }

  stats(): P2PStats {
    const peers = this.peers();
    return {
      peers: peers.length,
      inboundPeers: peers.filter((p) => p.direction === 'inbound').length,
      outboundPeers: peers.filter((p) => p.direction === 'outbound').length,
      bannedPeers: this.scores.bannedPeers().length,
      bans: this.bans,
      gossipAccepted: this.gossipAccepted,
      gossipPublished: this.gossipPublished,
      requestsSent: this.requestsSent,
      pushesSent: this.pushesSent,
      pushesAccepted: this.pushesAccepted,
      dropped: this.dropped.snapshot(),
      invalid: this.invalid.snapshot(),
      serving: { peers: this.budget.peers, answerBytes: this.budget.answerBytes },
    };
  }

  /** Closes every connection and the listener and cancels redials. Safe to call more than once. */
  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    this.redialer.stop();
    const stopping = Promise.resolve(this.node.stop()).then(() => {
      this.peerListeners.clear();
      this.logger.info('p2p stopped');
    });
    this.stopping = stopping;
    return stopping;
  }

  private ban(peerId: string, reason: string): void {
    this.bans++;
    this.logger.warn({ peer: peerId, reason, banMs: this.settings.banMs }, 'peer banned for repeated invalid messages');
    let target;
    try {
      target = peerIdFromString(peerId);
    } catch {
      return; // not a peer id, so never connected: the ban alone is enough
    }
    this.node.hangUp(target).catch((err: unknown) => this.logger.debug({ peer: peerId, err: describeError(err) }, 'hang-up after ban failed'));
  }

  /**
   * One push from `from`: judged by the topic's gossip validator (bans, size limit, link faults,
   * the handler, the scoring of a rejected message: all as for gossip), then published to this
   * node's mesh if accepted. Gossip ids are content hashes, so peers that already have the
   * bytes drop the copy. The handler may see bytes it already had through gossip: the node's
   * handlers take duplicates, as they do for a message gossiped again after the seen cache.
   */
  private async servePush(request: Uint8Array, from: string): Promise<Uint8Array> {
    if (!this.pushRate.take(from)) {
      this.dropped.inc('push_over_rate');
      throw new P2PError('P2P_REQUEST_FAILED', `over ${this.settings.pushesPerSecond} pushes a second`);
    }
    const { topic, data } = decodePush(request);
    const validate = this.subscriptions.has(topic) ? this.node.services.pubsub.topicValidators.get(topic) : undefined;
    if (!validate) {
      // Not the sender's fault for sure (its node may run a protocol version with other topics): refused, not scored.
      this.dropped.inc('push_unknown_topic');
      throw new P2PError('P2P_REQUEST_FAILED', 'no subscription to that topic here');
    }
    // A copy of a message pushed before is answered without judging it again, as gossip's seen cache does.
    if (this.pushSeen.check(createHash('sha256').update(topic).update('\0').update(data).digest('base64'))) {
      this.dropped.inc('push_duplicate');
      return encodeVerdict('ignore');
    }
    const result = await validate(peerIdFromString(from), { type: 'unsigned', topic, data });
    const verdict: Verdict = result === TopicValidatorResult.Accept ? 'accept' : result === TopicValidatorResult.Reject ? 'reject' : 'ignore';
    if (verdict === 'accept') {
      this.pushesAccepted++;
      if (this.running) {
        this.publish(topic, data).catch((err: unknown) => this.logger.debug({ topic, err: describeError(err) }, 'relaying a pushed message failed'));
      }
    }
    return encodeVerdict(verdict);
  }

  private assertRunning(): void {
    if (!this.running) throw new P2PError('P2P_STOPPED', 'the p2p host is stopped');
  }

  private emitPeerEvent(event: PeerEvent): void {
    for (const listener of this.peerListeners) {
      try {
        listener(event);
      } catch (err) {
        this.logger.error({ err: describeError(err) }, 'peer change listener threw');
      }
    }
  }

  private wireEvents(): void {
    this.node.addEventListener('peer:connect', (evt) => {
      const peerId = evt.detail.toString();
      this.logger.info({ peer: peerId }, 'peer connected');
      this.redialer.peerConnected(peerId);
      this.emitPeerEvent({ type: 'connect', peerId });
    });
    this.node.addEventListener('peer:disconnect', (evt) => {
      const peerId = evt.detail.toString();
      this.logger.info({ peer: peerId }, 'peer disconnected');
      this.emitPeerEvent({ type: 'disconnect', peerId });
      this.redialer.peerDisconnected(peerId);
    });
    this.node.addEventListener('connection:open', (evt) => this.gate.enforce(evt.detail));
  }
}

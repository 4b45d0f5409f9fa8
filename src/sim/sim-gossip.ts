/**
 * The simulated network the node's own reactors run on: each validator gets a GossipNetwork
 * port (src/node/network.ts) that behaves like the libp2p host's, on virtual time. Gossip is
 * flood-published and relayed as gossipsub does it: a message id is the hash of its bytes,
 * each node hands a message to its handler once, and only an accepted message is forwarded to
 * its other peers; so a vote a one-way cut keeps from a peer still reaches it through a third.
 * Requests and answers travel on streams (stream-crossing.ts): a random loss only delays
 * them by TCP's retransmissions; they are lost when the link is cut or either end's
 * connection dies, and the asker times out on its own clock. As on the libp2p host, a rejected message and a `reportInvalid` count against the
 * peer (p2p/peer-scores.ts, the host's own rule and defaults): enough of them and the two are
 * disconnected for the ban's length, in both directions. Every crossing takes the delay, loss and duplication of the link model
 * (network.ts) with the run's faults.
 */
import { hash } from 'node:crypto';
import { P2PError } from '../p2p/errors.js';
import { SeenIds } from '../p2p/seen-ids.js';
import { DEFAULT_BAN_MS, DEFAULT_INVALID_THRESHOLD, DEFAULT_INVALID_WINDOW_MS, PeerScores } from '../p2p/peer-scores.js';
import type { Clock } from '../runtime/clock.js';
import type { GossipNetwork, Verdict } from '../node/network.js';

/** What the hub needs from the simulator. */
export interface HubHost {
  /** When copies of a message sent now from `from` to `to` arrive: none (lost), one, or two. `gossip`: the message, when it is gossip. */
  arrivals(from: number, to: number, gossip?: { topic: string; data: Uint8Array }): number[];
  /** When a stream message (a request or an answer) sent now from `from` to `to` arrives: null if the link is cut. */
  streamArrival(from: number, to: number): number | null;
  /** Runs `run` at `at` on `node` if that incarnation (`epoch`) is still up (and once it is unpaused). */
  schedule(at: number, node: number, epoch: number, run: () => void): void;
  epochOf(node: number): number;
}

export interface HubStats {
  sent: number;
  /** Bytes of every crossing (gossip, requests and answers; a lost message counts, as it was sent). */
  bytes: number;
  /** Requests sent, and the bytes of their answers, per protocol (its last two path segments, as `catch-up/2`). */
  requests: Record<string, { count: number; answers: number; answerBytes: number }>;
  lost: number;
  /** Messages a receiver's checks rejected. */
  junk: number;
  /** reportInvalid calls and rejected messages: a peer scored for what it sent. */
  reports: number;
  /** Bans those reports caused (each disconnects two nodes for the ban's length). */
  bans: number;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

type TopicHandler = (data: Uint8Array, from: string) => Verdict | Promise<Verdict>;
type ProtocolHandler = (request: Uint8Array, from: string) => Promise<Uint8Array>;

export class GossipHub {
  readonly stats: HubStats = { sent: 0, bytes: 0, requests: {}, lost: 0, junk: 0, reports: 0, bans: 0 };
  private readonly ports: (HubPort | null)[];
  private readonly index: Map<string, number>;
  /** Observes every gossip message as it leaves its origin (the double-sign checker listens here). */
  onOriginate: ((from: number, topic: string, data: Uint8Array) => void) | null = null;

  constructor(
    private readonly host: HubHost,
    readonly names: readonly string[],
  ) {
    this.ports = names.map(() => null);
    this.index = new Map(names.map((n, i) => [n, i]));
  }

  /** The port of a new incarnation of `node` (after a start or a restart). */
  attach(node: number, clock: Clock): HubPort {
    const port = new HubPort(this, node, clock);
    this.ports[node] = port;
    return port;
  }

  /** `node` crashed: it is nobody's peer until it comes back. */
  detach(node: number): void {
    this.ports[node] = null;
  }

  nodeOf(peerId: string): number {
    return this.index.get(peerId) ?? -1;
  }

  portOf(node: number): HubPort | null {
    return this.ports[node] ?? null;
  }

  connectedPeers(node: number): number[] {
    const out: number[] = [];
    for (let j = 0; j < this.ports.length; j++) if (j !== node && this.connected(node, j)) out.push(j);
    return out;
  }

  /** Both up, and neither has banned the other (a ban closes the connection). */
  connected(a: number, b: number): boolean {
    const pa = this.ports[a];
    const pb = this.ports[b];
    return !!pa && !!pb && !pa.hasBanned(b) && !pb.hasBanned(a);
  }

  /**
   * One crossing of the link from → to; `deliver` runs at each arrival if the receiver is still
   * the incarnation `epoch` (default: the one up now): a restarted node has new connections,
   * and what was in flight on the old ones is lost.
   */
  transmit(from: number, to: number, deliver: () => void, bytes: number, epoch = this.host.epochOf(to), gossip?: { topic: string; data: Uint8Array }): void {
    this.stats.sent++;
    this.stats.bytes += bytes;
    const arrivals = this.host.arrivals(from, to, gossip);
    if (arrivals.length === 0) this.stats.lost++;
    // What a ban cut off while in flight is lost with the connection.
    for (const at of arrivals) this.host.schedule(at, to, epoch, () => void (this.connected(from, to) && deliver()));
  }

  /**
   * One stream message from → to (a request or an answer): delayed, never dropped, by a lossy
   * link; lost if the link is cut, or if either end restarts before it arrives (the
   * connection it travelled on is gone).
   */
  stream(from: number, to: number, deliver: () => void, bytes: number, epoch = this.host.epochOf(to)): void {
    this.stats.sent++;
    this.stats.bytes += bytes;
    const at = this.host.streamArrival(from, to);
    if (at === null) {
      this.stats.lost++;
      return;
    }
    const sender = this.host.epochOf(from);
    this.host.schedule(at, to, epoch, () => void (this.connected(from, to) && this.host.epochOf(from) === sender && deliver()));
  }

  epochOf(node: number): number {
    return this.host.epochOf(node);
  }

  /** Gossip from `from` to each of its peers but `except`. */
  flood(from: number, topic: string, data: Uint8Array, id: string, except: number): void {
    for (const to of this.connectedPeers(from)) {
      if (to !== except) this.transmit(from, to, () => this.portOf(to)?.receive(from, topic, data, id), data.length, this.host.epochOf(to), { topic, data });
    }
  }

  send(from: number, to: number, topic: string, data: Uint8Array, id: string): void {
    this.transmit(from, to, () => this.portOf(to)?.receive(from, topic, data, id), data.length, this.host.epochOf(to), { topic, data });
  }

  /** Counts a request on `protocol`; the returned function counts its answer. */
  countRequest(protocol: string): (answerBytes: number) => void {
    const name = protocol.split('/').slice(-2).join('/');
    const entry = (this.stats.requests[name] ??= { count: 0, answers: 0, answerBytes: 0 });
    entry.count++;
    return (answerBytes) => {
      entry.answers++;
      entry.answerBytes += answerBytes;
    };
  }
}

const messageId = (data: Uint8Array): string => hash('sha256', data, 'base64');

export class HubPort implements GossipNetwork {
  readonly peerId: string;
  private readonly topics = new Map<string, TopicHandler>();
  private readonly protocols = new Map<string, ProtocolHandler>();
  private readonly seen: SeenIds;
  private readonly scores: PeerScores;

  constructor(
    private readonly hub: GossipHub,
    private readonly node: number,
    private readonly clock: Clock,
  ) {
    this.peerId = hub.names[node] as string;
    this.seen = new SeenIds(() => clock.now());
    this.scores = new PeerScores({ threshold: DEFAULT_INVALID_THRESHOLD, windowMs: DEFAULT_INVALID_WINDOW_MS, banMs: DEFAULT_BAN_MS, now: () => clock.now() });
  }

  hasBanned(node: number): boolean {
    return this.scores.isBanned(this.hub.names[node] as string);
  }

  subscribe(topic: string, handler: TopicHandler): void {
    this.topics.set(topic, handler);
  }

  handle(protocol: string, handler: ProtocolHandler): void {
    this.protocols.set(protocol, handler);
  }

  /** False once this incarnation crashed: what its leftover code sends goes nowhere. */
  private get live(): boolean {
    return this.hub.portOf(this.node) === this;
  }

  async publish(topic: string, data: Uint8Array): Promise<void> {
    if (!this.live) return;
    const id = messageId(data);
    this.seen.check(id);
    this.hub.onOriginate?.(this.node, topic, data);
    this.hub.flood(this.node, topic, data, id, -1);
  }

  async sendTo(peerId: string, topic: string, data: Uint8Array): Promise<void> {
    const to = this.hub.nodeOf(peerId);
    if (to < 0 || to === this.node || !this.live || !this.hub.connected(this.node, to)) return;
    const id = messageId(data);
    this.seen.check(id);
    this.hub.onOriginate?.(this.node, topic, data);
    this.hub.send(this.node, to, topic, data, id);
  }

  peers(): { peerId: string; addr: string; direction: 'inbound' | 'outbound' }[] {
    return this.hub.connectedPeers(this.node).map((j) => ({ peerId: this.hub.names[j] as string, addr: `/sim/${j}`, direction: 'outbound' as const }));
  }

  reportInvalid(peerId: string): void {
    this.hub.stats.reports++;
    if (peerId !== this.peerId && this.scores.report(peerId)) this.hub.stats.bans++;
  }

  request(peerId: string, protocol: string, data: Uint8Array, options: { timeoutMs?: number; maxResponseBytes?: number } = {}): Promise<Uint8Array> {
    const to = this.hub.nodeOf(peerId);
    return new Promise((resolve, reject) => {
      if (to < 0 || !this.live || !this.hub.connected(this.node, to)) {
        reject(new P2PError('P2P_REQUEST_FAILED', `${peerId} is not connected`));
        return;
      }
      let settled = false;
      const asker = this.hub.epochOf(this.node);
      const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
      const timer = this.clock.after(timeoutMs, () => {
        if (settled) return;
        settled = true;
        reject(new P2PError('P2P_TIMEOUT', `${protocol} request to ${peerId} timed out after ${timeoutMs} ms`));
      });
      const counted = this.hub.countRequest(protocol);
      const answer = (outcome: { ok: Uint8Array } | { error: string }): void => {
        const size = 'ok' in outcome ? outcome.ok.length : outcome.error.length;
        counted(size);
        this.hub.stream(to, this.node, () => {
          if (settled) return;
          settled = true;
          timer.cancel();
          if ('error' in outcome) reject(new P2PError('P2P_REMOTE_ERROR', `${peerId}: ${outcome.error}`));
          else if (options.maxResponseBytes !== undefined && outcome.ok.length > options.maxResponseBytes) {
            reject(new P2PError('P2P_MESSAGE_TOO_LARGE', `answer of ${outcome.ok.length} bytes over the limit of ${options.maxResponseBytes}`));
          } else resolve(outcome.ok);
        }, size, asker);
      };
      this.hub.stream(this.node, to, () => {
        const handler = this.hub.portOf(to)?.protocols.get(protocol);
        if (!handler) return answer({ error: `no handler for ${protocol}` });
        Promise.resolve()
          .then(() => handler(data, this.peerId))
          .then(
            (ok) => answer({ ok }),
            (err: unknown) => answer({ error: (err as Error).message }),
          );
      }, data.length);
    });
  }

  /** A gossip message from peer `from`: handled once, relayed to the other peers if accepted. */
  receive(from: number, topic: string, data: Uint8Array, id: string): void {
    if (this.seen.check(id)) return;
    const handler = this.topics.get(topic);
    if (!handler) return;
    let verdict: Verdict | Promise<Verdict>;
    try {
      verdict = handler(data, this.hub.names[from] as string);
    } catch {
      // As on the libp2p host: a handler that fails ignores the message; it is not the sender's fault for sure.
      verdict = 'ignore';
    }
    void Promise.resolve(verdict).then(
      (v) => {
        if (v === 'accept' && this.live) this.hub.flood(this.node, topic, data, id, from);
        else if (v === 'reject') this.rejected(from);
      },
      () => undefined,
    );
  }

  /** gossipsub's 'reject' counts against the peer that sent the message. */
  private rejected(from: number): void {
    this.hub.stats.junk++;
    this.reportInvalid(this.hub.names[from] as string);
  }
}

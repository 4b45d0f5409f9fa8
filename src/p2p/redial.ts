/**
 * Keeps persistent peers connected: each is dialled at start and, whenever it is not connected,
 * re-dialled after a back-off that starts at 1 s and doubles up to 30 s. A connection that stays
 * up for 10 s resets the back-off, so a peer that restarts after running a while is back within
 * about a second. "Success" means a connection that lasted, not a dial that completed: a peer
 * that refuses us after the handshake (we are over its peer cap, or it banned us) lets the dial
 * complete and then closes, and must not be re-dialled every second forever.
 * Timers are unref'd and cancelled by stop(), which also aborts dials in flight.
 */
import type { Logger } from 'pino';
import { describeError } from './errors.js';

export interface PersistentPeer {
  peerId: string;
  /** Full multiaddr including /p2p/<peerId>. */
  addr: string;
}

export interface RedialerOptions {
  peers: PersistentPeer[];
  dial: (peer: PersistentPeer, signal: AbortSignal) => Promise<void>;
  isConnected: (peerId: string) => boolean;
  /** End of the peer's ban (ms since the epoch) or null: a banned persistent peer waits it out. */
  bannedUntil: (peerId: string) => number | null;
  logger: Logger;
  initialDelayMs?: number;
  maxDelayMs?: number;
  stableConnectionMs?: number;
}

export const REDIAL_INITIAL_DELAY_MS = 1_000;
export const REDIAL_MAX_DELAY_MS = 30_000;
export const REDIAL_STABLE_CONNECTION_MS = 10_000;

interface PeerState {
  peer: PersistentPeer;
  /** Delay before the next retry; doubles with each retry until a stable connection. */
  backoffMs: number;
  timer: NodeJS.Timeout | null;
  dialing: boolean;
  connectedAt: number | null;
  failures: number;
}

export class Redialer {
  private readonly states = new Map<string, PeerState>();
  private readonly abort = new AbortController();
  private readonly initialDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly stableConnectionMs: number;
  private stopped = false;

  constructor(private readonly options: RedialerOptions) {
    this.initialDelayMs = options.initialDelayMs ?? REDIAL_INITIAL_DELAY_MS;
    this.maxDelayMs = options.maxDelayMs ?? REDIAL_MAX_DELAY_MS;
    this.stableConnectionMs = options.stableConnectionMs ?? REDIAL_STABLE_CONNECTION_MS;
    for (const peer of options.peers) {
      this.states.set(peer.peerId, { peer, backoffMs: this.initialDelayMs, timer: null, dialing: false, connectedAt: null, failures: 0 });
    }
  }

  has(peerId: string): boolean {
    return this.states.has(peerId);
  }

  start(): void {
    for (const state of this.states.values()) this.schedule(state, 0);
  }

  /** Called on every peer connect, whichever side dialled. */
  peerConnected(peerId: string): void {
    const state = this.states.get(peerId);
    if (!state) return;
    state.connectedAt = Date.now();
    state.failures = 0;
  }

  /** Called on every peer disconnect; only persistent peers are re-dialled. */
  peerDisconnected(peerId: string): void {
    const state = this.states.get(peerId);
    if (!state || this.stopped) return;
    if (state.connectedAt !== null && Date.now() - state.connectedAt >= this.stableConnectionMs) state.backoffMs = this.initialDelayMs;
    state.connectedAt = null;
    this.retry(state);
  }

  /** The delay the next retry of a peer would wait (diagnostics, tests). */
  backoffOf(peerId: string): number | null {
    return this.states.get(peerId)?.backoffMs ?? null;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    for (const state of this.states.values()) {
      if (state.timer) clearTimeout(state.timer);
      state.timer = null;
    }
  }

  private retry(state: PeerState): void {
    const delay = state.backoffMs;
    state.backoffMs = Math.min(state.backoffMs * 2, this.maxDelayMs);
    this.schedule(state, delay);
  }

  private schedule(state: PeerState, delayMs: number): void {
    if (this.stopped || state.timer !== null || state.dialing) return;
    const until = this.options.bannedUntil(state.peer.peerId);
    const wait = until === null ? delayMs : Math.max(delayMs, until - Date.now());
    state.timer = setTimeout(() => {
      state.timer = null;
      void this.attempt(state);
    }, wait);
    state.timer.unref();
  }

  private async attempt(state: PeerState): Promise<void> {
    const { peer } = state;
    if (this.stopped || this.options.isConnected(peer.peerId)) return;
    if (this.options.bannedUntil(peer.peerId) !== null) return this.schedule(state, 0);
    state.dialing = true;
    let failed = false;
    try {
      await this.options.dial(peer, this.abort.signal);
    } catch (err) {
      if (this.stopped) return;
      failed = true;
      state.failures++;
      // The first failure is worth an operator's attention; the retries that follow are noise.
      const level = state.failures === 1 ? 'info' : 'debug';
      this.options.logger[level]({ peer: peer.addr, retryInMs: state.backoffMs, err: describeError(err) }, 'persistent peer dial failed');
    } finally {
      state.dialing = false;
    }
    // A dial that completed onto a connection that closed again at once counts as a failure
    // too; its disconnect event may have fired while `dialing` blocked a retry.
    if (failed || !this.options.isConnected(peer.peerId)) this.retry(state);
  }
}

/**
 * Misbehaviour accounting. Every invalid report (a rejected gossip message, a malformed or
 * oversize frame, or a caller's `reportInvalid`) counts against the peer; `threshold` reports
 * within `windowMs` ban it for `banMs`. A sliding window rather than a decaying score keeps the
 * rule explainable in one sentence in the operator docs, and one honest mistake (a message that
 * raced a height change) never bans a peer on its own.
 */

export interface PeerScoresOptions {
  /** Reports within the window that trigger a ban. */
  threshold: number;
  windowMs: number;
  banMs: number;
  now?: () => number;
}

export const DEFAULT_INVALID_THRESHOLD = 3;
export const DEFAULT_INVALID_WINDOW_MS = 60_000;
export const DEFAULT_BAN_MS = 10 * 60_000;

/** Peers tracked at once before stale entries are swept; bounds memory against id churn. */
const SWEEP_AT = 1024;

export class PeerScores {
  private readonly reports = new Map<string, number[]>();
  private readonly bans = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: PeerScoresOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Records one invalid report; returns true when this report caused a new ban. */
  report(peerId: string): boolean {
    if (this.isBanned(peerId)) return false;
    const now = this.now();
    const recent = (this.reports.get(peerId) ?? []).filter((t) => now - t < this.options.windowMs);
    recent.push(now);
    if (recent.length >= this.options.threshold) {
      this.reports.delete(peerId);
      this.bans.set(peerId, now + this.options.banMs);
      return true;
    }
    this.reports.set(peerId, recent);
    if (this.reports.size > SWEEP_AT) this.sweep(now);
    return false;
  }

  /** 0 for a clean peer, minus one per report still inside the window. */
  score(peerId: string): number {
    const now = this.now();
    const recent = (this.reports.get(peerId) ?? []).filter((t) => now - t < this.options.windowMs).length;
    return recent === 0 ? 0 : -recent;
  }

  isBanned(peerId: string): boolean {
    return this.bannedUntil(peerId) !== null;
  }

  /** When the ban ends (ms since the epoch), or null if the peer is not banned. */
  bannedUntil(peerId: string): number | null {
    const until = this.bans.get(peerId);
    if (until === undefined) return null;
    if (until > this.now()) return until;
    this.bans.delete(peerId);
    return null;
  }

  bannedPeers(): { peerId: string; until: number }[] {
    const out: { peerId: string; until: number }[] = [];
    for (const peerId of [...this.bans.keys()]) {
      const until = this.bannedUntil(peerId);
      if (until !== null) out.push({ peerId, until });
    }
    return out;
  }

  unban(peerId: string): void {
    this.bans.delete(peerId);
    this.reports.delete(peerId);
  }

  private sweep(now: number): void {
    for (const [peerId, times] of this.reports) {
      if (times.every((t) => now - t >= this.options.windowMs)) this.reports.delete(peerId);
    }
  }
}

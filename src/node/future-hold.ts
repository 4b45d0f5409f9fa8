/**
 * Verified messages for the next height, held until this node gets there. The hold is bounded
 * in messages, in bytes per peer that sent them, and in bytes in total, so no peer can take
 * more than its share: a message that does not fit is dropped (and not relayed), and the peer
 * that sent it loses nothing else.
 */
export interface FutureHoldLimits {
  maxMessages: number;
  maxBytes: number;
  maxBytesPerPeer: number;
}

export class FutureHold<T> {
  private items: { item: T; from: string; bytes: number }[] = [];
  private readonly byPeer = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: FutureHoldLimits) {}

  /** Holds `item` of `bytes` from `from` if it fits every bound; answers whether it did. */
  add(item: T, from: string, bytes: number): boolean {
    const mine = this.byPeer.get(from) ?? 0;
    if (this.items.length >= this.limits.maxMessages || mine + bytes > this.limits.maxBytesPerPeer || this.total + bytes > this.limits.maxBytes) return false;
    this.items.push({ item, from, bytes });
    this.byPeer.set(from, mine + bytes);
    this.total += bytes;
    return true;
  }

  /** Everything held, oldest first, with who sent it; the hold is empty afterwards. */
  take(): { item: T; from: string; bytes: number }[] {
    const items = this.items;
    this.items = [];
    this.byPeer.clear();
    this.total = 0;
    return items;
  }

  get bytes(): number {
    return this.total;
  }

  bytesOf(peer: string): number {
    return this.byPeer.get(peer) ?? 0;
  }

  get size(): number {
    return this.items.length;
  }
}

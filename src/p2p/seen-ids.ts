/**
 * Message ids seen recently, as gossipsub keeps them (its seen cache): a copy of a message seen
 * within the TTL is recognised and not processed again. Bounded in time and in count (the oldest
 * ids go first), so a sender of many distinct messages cannot grow it: such a sender is
 * rate-limited and scored long before the bound matters. The libp2p host keeps one for direct
 * pushes; the simulator's network keeps one per node for its gossip.
 */

/** gossipsub's seenTTL: how long an id is remembered. */
export const SEEN_TTL_MS = 120_000;
/** Ids remembered at most. */
export const SEEN_MAX = 65_536;

export class SeenIds {
  private readonly seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True if `id` was seen within the TTL; remembers it (as seen now) either way. */
  check(id: string): boolean {
    const now = this.now();
    const at = this.seen.get(id);
    if (at !== undefined && now - at < SEEN_TTL_MS) return true;
    this.seen.delete(id);
    this.seen.set(id, now);
    if (this.seen.size > SEEN_MAX) this.seen.delete(this.seen.keys().next().value as string);
    return false;
  }

  get size(): number {
    return this.seen.size;
  }
}

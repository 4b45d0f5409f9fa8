/**
 * Injected link faults (the chaos runner, spec/faults.md): per remote peer, a probability of
 * losing what it sends us and a delay range before we take it in. Applied where messages
 * enter this node — gossip validation and inbound requests — and to our requests to that
 * peer, so a partition is the same rule on both sides. Off unless the node was started with
 * the chaos admin endpoint; never part of consensus.
 */
export interface LinkRule {
  /** Remote peer id. */
  peer: string;
  /** Probability in [0, 1] that a message from it is lost; 1 cuts the link. */
  drop: number;
  minDelayMs: number;
  maxDelayMs: number;
}

export class InvalidLinkRuleError extends Error {}

export class LinkFaults {
  private rules = new Map<string, LinkRule>();

  /** Replaces every rule. Throws InvalidLinkRuleError (naming the rule) on a malformed one, changing nothing. */
  set(rules: readonly unknown[]): void {
    const next = new Map<string, LinkRule>();
    rules.forEach((raw, i) => {
      const r = raw as Partial<LinkRule>;
      const ok =
        typeof r?.peer === 'string' &&
        r.peer.length > 0 &&
        typeof r.drop === 'number' &&
        r.drop >= 0 &&
        r.drop <= 1 &&
        Number.isInteger(r.minDelayMs) &&
        Number.isInteger(r.maxDelayMs) &&
        (r.minDelayMs as number) >= 0 &&
        (r.maxDelayMs as number) >= (r.minDelayMs as number) &&
        (r.maxDelayMs as number) <= 600_000;
      if (!ok) throw new InvalidLinkRuleError(`rules[${i}]: expected {peer, drop 0..1, minDelayMs, maxDelayMs integers 0..600000, min <= max}`);
      next.set(r.peer as string, { peer: r.peer as string, drop: r.drop as number, minDelayMs: r.minDelayMs as number, maxDelayMs: r.maxDelayMs as number });
    });
    this.rules = next;
  }

  list(): LinkRule[] {
    return [...this.rules.values()];
  }

  /** Whether a message from `peer` is lost now. */
  drops(peer: string): boolean {
    const r = this.rules.get(peer);
    return r !== undefined && r.drop > 0 && Math.random() < r.drop;
  }

  /** Waits the delay the rule for `peer` asks for (nothing without a rule). */
  async delay(peer: string): Promise<void> {
    const r = this.rules.get(peer);
    if (!r || r.maxDelayMs === 0) return;
    const ms = r.minDelayMs + Math.floor(Math.random() * (r.maxDelayMs - r.minDelayMs + 1));
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/**
 * What serving peers' requests may hold at once: requests in flight per peer (from the moment a
 * stream opens until its answer is sent or abandoned), and bytes of answers waiting to be read,
 * per peer and in total. A peer that opens streams and never finishes them, or asks and never
 * reads, fills its own share and nobody else's; entries leave the maps when they reach zero, so
 * the maps hold only peers with something in flight.
 */
export interface ServeBudgetLimits {
  requestsPerPeer: number;
  answerBytesPerPeer: number;
  answerBytesTotal: number;
}

export class ServeBudget {
  private readonly requests = new Map<string, number>();
  private readonly bytes = new Map<string, number>();
  private totalBytes = 0;

  constructor(readonly limits: ServeBudgetLimits) {}

  /** Takes one request slot for `peer`; false when it has all its slots in use. */
  openRequest(peer: string): boolean {
    const open = this.requests.get(peer) ?? 0;
    if (open >= this.limits.requestsPerPeer) return false;
    this.requests.set(peer, open + 1);
    return true;
  }

  closeRequest(peer: string): void {
    const open = (this.requests.get(peer) ?? 0) - 1;
    if (open > 0) this.requests.set(peer, open);
    else this.requests.delete(peer);
  }

  /** Reserves room for an answer of `size` bytes to `peer`; false when it would exceed a share. */
  reserveAnswer(peer: string, size: number): boolean {
    const mine = this.bytes.get(peer) ?? 0;
    if (mine + size > this.limits.answerBytesPerPeer || this.totalBytes + size > this.limits.answerBytesTotal) return false;
    this.bytes.set(peer, mine + size);
    this.totalBytes += size;
    return true;
  }

  releaseAnswer(peer: string, size: number): void {
    const mine = (this.bytes.get(peer) ?? 0) - size;
    if (mine > 0) this.bytes.set(peer, mine);
    else this.bytes.delete(peer);
    this.totalBytes -= size;
  }

  /** Peers with something in flight (diagnostics, tests). */
  get peers(): number {
    return new Set([...this.requests.keys(), ...this.bytes.keys()]).size;
  }

  get answerBytes(): number {
    return this.totalBytes;
  }

  requestsOf(peer: string): number {
    return this.requests.get(peer) ?? 0;
  }
}

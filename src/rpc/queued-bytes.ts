/**
 * Bytes of answers and events handed to client connections and not yet taken by the kernel,
 * over all clients (rpc.max_queued_bytes). Each connection has its own bound (8 answers in
 * flight over HTTP, its write buffer over WebSocket), but those multiply by the number of
 * connections; this one does not. An HTTP answer counts until its response finishes (flushed
 * to the kernel) or its connection closes; a WebSocket message until ws's write callback.
 */

import { clientOf } from '../node/query-gate.js';

/** Answers this small are always given: the error replacing one would be no shorter. */
export const ALWAYS_QUEUED_BYTES = 1024;

/** The part of the queue one client (an IPv4 address or an IPv6 /64) may hold. */
export const CLIENT_SHARE = 4;

export class QueuedBytes {
  private held = 0;
  private refusals = 0;
  private readonly byClient = new Map<string, number>();

  /** `largestAnswer`: a client's share is never less, so any one answer can be given (rpc.max_response_bytes). */
  constructor(
    readonly max: number,
    private readonly largestAnswer = 0,
  ) {}

  get bytes(): number {
    return this.held;
  }

  /** Answers and events replaced by a short error, or cancelled, because they did not fit. */
  get refused(): number {
    return this.refusals;
  }

  /**
   * Whether `bytes` more may be queued now for the client at `remoteAddress`: within the node's
   * budget, and within a quarter of it for that client, so clients that read just fast enough
   * to stay connected cannot take the whole queue from one address.
   */
  admits(bytes: number, remoteAddress: string): boolean {
    if (bytes <= ALWAYS_QUEUED_BYTES) return true;
    const mine = this.byClient.get(clientOf(remoteAddress)) ?? 0;
    return this.held + bytes <= this.max && mine + bytes <= Math.max(this.max / CLIENT_SHARE, this.largestAnswer);
  }

  /** Counts `bytes` as queued for the client; the returned function (idempotent) stops counting them. */
  hold(bytes: number, remoteAddress: string): () => void {
    const client = clientOf(remoteAddress);
    this.held += bytes;
    this.byClient.set(client, (this.byClient.get(client) ?? 0) + bytes);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
      const left = (this.byClient.get(client) ?? bytes) - bytes;
      if (left <= 0) this.byClient.delete(client);
      else this.byClient.set(client, left);
    };
  }

  /** Why an answer was not queued, for the error that replaces it; counts it as refused. */
  refusal(bytes: number): string {
    this.refusals++;
    return `the node holds ${this.held} bytes of answers its clients have not read yet; this ${bytes}-byte answer would pass rpc.max_queued_bytes (${this.max}) or this client's quarter of it; read, then ask again`;
  }
}

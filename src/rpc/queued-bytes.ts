/**
 * Bytes of answers and events handed to client connections and not yet taken by the kernel,
 * over all clients (rpc.max_queued_bytes). Each connection has its own bound (8 answers in
 * flight over HTTP, its write buffer over WebSocket), but those multiply by the number of
 * connections; this one does not. An HTTP answer counts until its response finishes (flushed
 * to the kernel) or its connection closes; a WebSocket message until ws's write callback.
 */

/** Answers this small are always given: the error replacing one would be no shorter. */
export const ALWAYS_QUEUED_BYTES = 1024;

export class QueuedBytes {
  private held = 0;

  constructor(readonly max: number) {}

  get bytes(): number {
    return this.held;
  }

  /** Whether `bytes` more may be queued now. */
  admits(bytes: number): boolean {
    return bytes <= ALWAYS_QUEUED_BYTES || this.held + bytes <= this.max;
  }

  /** Counts `bytes` as queued; the returned function (idempotent) stops counting them. */
  hold(bytes: number): () => void {
    this.held += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= bytes;
    };
  }

  /** Why an answer was not queued, for the error that replaces it. */
  refusal(bytes: number): string {
    return `the node holds ${this.held} bytes of answers its clients have not read yet; this ${bytes}-byte answer would pass rpc.max_queued_bytes (${this.max}); read, then ask again`;
  }
}

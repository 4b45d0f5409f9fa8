/**
 * Requests of one connection worked on at once. A transport cannot be trusted to deliver one
 * request at a time: one TCP read may hold hundreds of pipelined HTTP requests or WebSocket
 * frames, and both Node's HTTP parser and ws hand over every request in a read before
 * pausing the socket can take effect. So the node counts for itself.
 */
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Requests of one connection being answered, or answered and not yet read, at once. */
export const MAX_IN_FLIGHT_PER_CONNECTION = 8;

/**
 * Runs jobs at most `limit` at a time, in arrival order. `onBusy(true)` when a job has to wait
 * (the caller stops reading its socket, so at most the frames of reads already made wait),
 * `onBusy(false)` once nothing waits.
 */
export class ConnectionWork {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];

  constructor(
    private readonly onBusy: (busy: boolean) => void,
    private readonly limit = MAX_IN_FLIGHT_PER_CONNECTION,
  ) {}

  /** `job` must not reject. */
  add(job: () => Promise<void>): void {
    this.waiting.push(job);
    this.next();
  }

  /** Drops the jobs not started (the connection is gone). */
  clear(): void {
    this.waiting.length = 0;
  }

  private next(): void {
    while (this.running < this.limit && this.waiting.length > 0) {
      const job = this.waiting.shift() as () => Promise<void>;
      this.running++;
      void job().finally(() => {
        this.running--;
        this.next();
      });
    }
    this.onBusy(this.waiting.length > 0 || this.running >= this.limit);
  }
}

const openRequests = new WeakMap<Socket, number>();
const refusing = new WeakSet<Socket>();

/**
 * Admits an HTTP request of `req`'s connection, or says to refuse it: once a connection has
 * MAX_IN_FLIGHT_PER_CONNECTION requests whose answers are not yet taken by the kernel, this
 * and every later request on it are refused and the connection is closed after the refusal.
 * An answer counts until it is flushed, so a client that pipelines and never reads holds at
 * most that many answers.
 */
export function admitHttpRequest(req: IncomingMessage, res: ServerResponse): boolean {
  const socket = req.socket;
  const open = openRequests.get(socket) ?? 0;
  if (refusing.has(socket) || open >= MAX_IN_FLIGHT_PER_CONNECTION) {
    refusing.add(socket);
    return false;
  }
  openRequests.set(socket, open + 1);
  let done = false;
  const finished = (): void => {
    if (done) return;
    done = true;
    openRequests.set(socket, (openRequests.get(socket) ?? 1) - 1);
  };
  res.once('finish', finished);
  res.once('close', finished);
  return true;
}

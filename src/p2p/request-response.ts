/**
 * Request/response over libp2p streams: one stream per exchange carrying exactly one request
 * frame and one response frame (see frame.ts). The response frame starts with a status byte so
 * that a failing handler reaches the requester as an error with a reason rather than as a reset.
 * Every read is bounded by a frame limit (requests by their own, smaller one) and every stage of
 * an exchange by a timeout: the request's arrival, the handler, and the answer's delivery. What
 * one peer's requests hold at once is bounded by a ServeBudget, and a request the handler
 * refuses as malformed (BadRequestError) counts against the peer that sent it.
 */
import { setMaxListeners } from 'node:events';
import type { Connection, Libp2p, Stream } from '@libp2p/interface';
import { peerIdFromString } from '@libp2p/peer-id';
import type { Logger } from 'pino';
import { CmtError } from '../codec/errors.js';
import type { Counters } from './counters.js';
import { BadRequestError, describeError, P2PError } from './errors.js';
import { encodeFrame, FrameError, readFrame } from './frame.js';
import type { ServeBudget } from './serve-budget.js';

export type RequestHandler = (request: Uint8Array, from: string) => Promise<Uint8Array>;

export interface RequestOptions {
  /** Covers dialling, opening the stream, sending and receiving. Default: the host's requestTimeoutMs. */
  timeoutMs?: number;
  /**
   * The largest answer the caller can use (at most the host's maxMessageBytes, the default). A
   * longer one is refused as its length prefix arrives, with P2P_MESSAGE_TOO_LARGE and without
   * scoring the peer: only the caller knows whether the peer should have known better.
   */
  maxResponseBytes?: number;
}

export const STATUS_OK = 0;
export const STATUS_ERROR = 1;
/** Error text sent back to the requester is cut to this many bytes. */
const MAX_ERROR_TEXT = 1024;
/** Concurrent streams per protocol and connection; beyond this libp2p resets new streams. */
const MAX_STREAMS_PER_CONNECTION = 32;

export interface RequestResponseContext {
  libp2p: Libp2p;
  /** Largest answer, read or sent. */
  maxMessageBytes: number;
  /** Largest request, read or sent. */
  maxRequestBytes: number;
  budget: ServeBudget;
  timeoutMs: number;
  logger: Logger;
  dropped: Counters;
  reportInvalid: (peerId: string, reason: string) => void;
  isBanned: (peerId: string) => boolean;
}

function errorText(err: unknown): string {
  // Only errors thrown on purpose are described to the remote; anything else may carry internals.
  const text = err instanceof CmtError ? `${err.code}: ${err.message}` : 'internal error';
  return Buffer.from(text, 'utf8').subarray(0, MAX_ERROR_TEXT).toString('utf8');
}

function withStatus(status: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = status;
  out.set(body, 1);
  return out;
}

/** Runs `onExpire` after `ms` unless the returned function is called first. */
function deadline(ms: number, onExpire: () => void): () => void {
  const timer = setTimeout(onExpire, ms);
  return () => clearTimeout(timer);
}

/** The handler's answer, or P2P_TIMEOUT after `ms`; a late answer is dropped. */
function withinTime<T>(work: Promise<T>, ms: number): Promise<T> {
  let cancel = (): void => {};
  const expired = new Promise<never>((_, reject) => {
    cancel = deadline(ms, () => reject(new P2PError('P2P_TIMEOUT', `no answer within ${ms} ms`)));
  });
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(cancel);
}

export class RequestResponse {
  constructor(private readonly ctx: RequestResponseContext) {}

  async handle(protocol: string, handler: RequestHandler): Promise<void> {
    await this.ctx.libp2p.handle(protocol, (stream, connection) => this.serve(protocol, handler, stream, connection), {
      maxInboundStreams: MAX_STREAMS_PER_CONNECTION,
      maxOutboundStreams: MAX_STREAMS_PER_CONNECTION,
    });
  }

  async unhandle(protocol: string): Promise<void> {
    await this.ctx.libp2p.unhandle(protocol);
  }

  async request(peerId: string, protocol: string, data: Uint8Array, options: RequestOptions = {}): Promise<Uint8Array> {
    const { maxMessageBytes, maxRequestBytes } = this.ctx;
    if (data.length > maxRequestBytes) {
      throw new P2PError('P2P_MESSAGE_TOO_LARGE', `request of ${data.length} bytes exceeds the ${maxRequestBytes}-byte limit`);
    }
    if (this.ctx.isBanned(peerId)) throw new P2PError('P2P_PEER_BANNED', `peer ${peerId} is banned`);
    let target;
    try {
      target = peerIdFromString(peerId);
    } catch (err) {
      throw new P2PError('INVALID_PEER_ADDRESS', `not a peer id: ${peerId}`, { cause: err });
    }
    const timeoutMs = options.timeoutMs ?? this.ctx.timeoutMs;
    const controller = new AbortController();
    // libp2p hangs a listener on the signal per dial/negotiation step; the default cap of 10 warns.
    setMaxListeners(Infinity, controller.signal);
    let stream: Stream | undefined;
    const cancel = deadline(timeoutMs, () => {
      controller.abort();
      stream?.abort(new P2PError('P2P_TIMEOUT', 'request timed out'));
    });
    const what = `request ${protocol} to ${peerId}`;
    try {
      stream = await this.ctx.libp2p.dialProtocol(target, protocol, { signal: controller.signal });
      stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, maxMessageBytes + 16);
      stream.send(encodeFrame(data));
      // Half-close: the responder sees the end of our side, and the frame is flushed.
      await stream.close({ signal: controller.signal });
      const frame = await readFrame(stream, Math.min(options.maxResponseBytes ?? maxMessageBytes, maxMessageBytes) + 1);
      if (frame.length === 0) throw new FrameError('malformed', 'empty response frame');
      if (frame[0] === STATUS_OK) return frame.subarray(1);
      if (frame[0] === STATUS_ERROR) {
        throw new P2PError('P2P_REMOTE_ERROR', `${what} failed remotely: ${Buffer.from(frame.subarray(1)).toString('utf8')}`);
      }
      throw new FrameError('malformed', `unknown response status ${frame[0]}`);
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)));
      if (controller.signal.aborted) throw new P2PError('P2P_TIMEOUT', `${what} timed out after ${timeoutMs} ms`, { cause: err });
      if (err instanceof FrameError) {
        this.ctx.dropped.inc(`response_${err.fault}`);
        const callersLimit = err.fault === 'oversize' && options.maxResponseBytes !== undefined && options.maxResponseBytes < maxMessageBytes;
        if (!callersLimit) this.ctx.reportInvalid(peerId, `response_${err.fault}`);
        throw new P2PError(err.code, `${what}: ${err.message}`, { cause: err });
      }
      if (err instanceof P2PError) throw err;
      throw new P2PError('P2P_REQUEST_FAILED', `${what} failed: ${describeError(err)}`, { cause: err });
    } finally {
      cancel();
    }
  }

  private async serve(protocol: string, handler: RequestHandler, stream: Stream, connection: Connection): Promise<void> {
    const from = connection.remotePeer.toString();
    const { budget, dropped } = this.ctx;
    if (this.ctx.isBanned(from)) {
      dropped.inc('request_from_banned');
      stream.abort(new P2PError('P2P_PEER_BANNED', 'banned'));
      return;
    }
    if (!budget.openRequest(from)) {
      dropped.inc('request_over_capacity');
      stream.abort(new P2PError('P2P_REQUEST_FAILED', 'too many requests in flight'));
      return;
    }
    try {
      await this.serveOne(protocol, handler, stream, from);
    } finally {
      budget.closeRequest(from);
    }
  }

  private async serveOne(protocol: string, handler: RequestHandler, stream: Stream, from: string): Promise<void> {
    const { maxMessageBytes, maxRequestBytes, timeoutMs, logger, dropped, budget } = this.ctx;
    stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, maxRequestBytes + 16);
    const cancel = deadline(timeoutMs, () => stream.abort(new P2PError('P2P_TIMEOUT', 'request not received in time')));
    let request: Uint8Array;
    try {
      request = await readFrame(stream, maxRequestBytes);
    } catch (err) {
      cancel();
      if (err instanceof FrameError) {
        dropped.inc(`request_${err.fault}`);
        this.ctx.reportInvalid(from, `request_${err.fault}`);
      } else {
        dropped.inc('request_unreadable');
      }
      logger.debug({ peer: from, protocol, err: describeError(err) }, 'dropped request');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    cancel();
    let response: Uint8Array;
    try {
      const body = await withinTime(handler(request, from), timeoutMs);
      if (body.length > maxMessageBytes) {
        logger.warn({ protocol, bytes: body.length, limit: maxMessageBytes }, 'request handler produced an oversize response');
        dropped.inc('response_oversize_local');
        response = withStatus(STATUS_ERROR, Buffer.from('response too large', 'utf8'));
      } else {
        response = withStatus(STATUS_OK, body);
      }
    } catch (err) {
      if (err instanceof BadRequestError) {
        // The request is not one this protocol has: only a peer that is not running it sends that.
        dropped.inc('request_undecodable');
        this.ctx.reportInvalid(from, `request_undecodable: ${protocol}`);
      } else {
        dropped.inc('handler_error');
        logger.warn({ peer: from, protocol, err: describeError(err) }, 'request handler failed');
      }
      response = withStatus(STATUS_ERROR, Buffer.from(errorText(err), 'utf8'));
    }
    // Answers waiting for a peer that does not read them are bounded per peer and in total.
    if (!budget.reserveAnswer(from, response.length)) {
      dropped.inc('response_over_budget');
      response = withStatus(STATUS_ERROR, Buffer.from('P2P_BUSY: too many answers waiting to be read', 'utf8'));
      if (!budget.reserveAnswer(from, response.length)) {
        stream.abort(new P2PError('P2P_REQUEST_FAILED', 'too many answers waiting to be read'));
        return;
      }
    }
    const controller = new AbortController();
    const cancelSend = deadline(timeoutMs, () => controller.abort());
    try {
      stream.send(encodeFrame(response));
      await stream.close({ signal: controller.signal });
    } catch (err) {
      // The requester gave up or went away; nothing to tell anyone.
      logger.debug({ peer: from, protocol, err: describeError(err) }, 'could not send response');
      stream.abort(err instanceof Error ? err : new Error(String(err)));
    } finally {
      cancelSend();
      budget.releaseAnswer(from, response.length);
    }
  }
}

/**
 * WebSocket sessions: JSON-RPC requests plus `subscribe` / `unsubscribe` /
 * `unsubscribe_all`. Pushed events carry the id of the subscribe request unchanged, as
 * CometBFT 0.38's (rpc/core/events.go) and as CosmJS's WebsocketClient filters them; an error
 * that cancels a subscription carries it too, so the client's stream for it ends with that
 * error (spec/rpc-events.md).
 * Idle connections get pings; a client over its subscription limit, or too slow to read
 * its events, gets an explicit error instead of silence.
 *
 * What one client can make the node hold is bounded: at most MAX_IN_FLIGHT_PER_CONNECTION
 * messages are worked on at once, the rest wait in order while the node stops reading the
 * socket (so TCP pushes back and only frames of reads already made wait), and
 * the bytes queued for the client and not yet read stay under its write buffer: an event that
 * would overflow it cancels the subscription, an answer closes the connection (1008).
 */
import type { WebSocket } from 'ws';
import type { Logger } from '../node/logger.js';
import type { ConsensusListener, NewBlockEvent, ValidatorSetUpdatesEvent } from '../node/event-bus.js';
import { CONSENSUS_EVENT_NAMES, type ConsensusEventName } from '../node/consensus-events.js';
import { RpcError, RPC_INVALID_REQUEST, RPC_LIMIT, invalidParams } from './errors.js';
import { matches, parseEventQuery, type EventQuery } from './event-query.js';
import { messageHead, sharedBlockEvents, sharedConsensusEvent, sharedValidatorSetUpdates, type SharedEvent } from './event-frames.js';
import { BLOCK_EVENT_NAMES, eventNamesMatching, txRoutesOf, type TxSubscriber } from './event-routes.js';
import { answerBody, errorResponse, parseRequestText, responseText, type AnswerLimits, type JsonRpcId, type JsonRpcRequest } from './json-rpc.js';
import type { MethodContext } from './methods.js';
import { ConnectionWork } from './connection-limits.js';
import type { QueuedBytes } from './queued-bytes.js';

const PING_INTERVAL_MS = 30_000;
/** Longest id (as JSON) a subscription keeps. */
const MAX_SUBSCRIPTION_ID_CHARS = 256;
/** Policy violation: the client does not read what it asked for. */
export const CLOSE_SLOW_CLIENT = 1008;

export interface WebSocketLimits {
  limits: AnswerLimits;
  maxSubscriptions: number;
  /** Shared by every client of the server. */
  allSubscriptions: SubscriptionCount;
  /** Bytes queued for all clients, HTTP ones included (rpc.max_queued_bytes). */
  queued: QueuedBytes;
  /** Bytes queued for the client and not yet read (rpc.websocket_write_buffer_bytes). */
  writeBufferBytes: number;
}

interface Subscription {
  /** Echoed as written in every event; the subscription is known by `query.normalized`. */
  query: EventQuery;
  id: JsonRpcId;
  stop(): void;
}

/** Subscriptions held over all clients, against rpc.max_subscriptions. */
export class SubscriptionCount {
  held = 0;
  constructor(readonly max: number) {}
}

/** The consensus events `query` matches: their only tag is `tm.event`, so this is decided once. */
export function consensusEventsMatching(query: EventQuery): ConsensusEventName[] {
  return CONSENSUS_EVENT_NAMES.filter((name) => matches(query, new Map([['tm.event', [name]]])));
}

export function serveWebSocket(socket: WebSocket, ctx: MethodContext, options: WebSocketLimits, logger: Logger): void {
  const { maxSubscriptions, allSubscriptions, writeBufferBytes, queued } = options;
  /** What this client's messages hold of the node's queue until ws has written them. */
  const holds = new Set<() => void>();
  const holdFor = (bytes: number): (() => void) => {
    const release = queued.hold(bytes, ctx.client ?? '');
    const done = (): void => {
      release();
      holds.delete(done);
    };
    holds.add(done);
    return done;
  };
  /** By the query's normalized form (CometBFT keys by query.String()): two writings of one query are one subscription. */
  const subscriptions = new Map<string, Subscription>();
  let alive = true;
  /**
   * Set on 'close', which stops what the connection holds: a subscribe still queued behind slower
   * requests (a batch) runs after it and must register nothing, since nothing would stop it.
   */
  let closed = false;
  // Pausing the socket stops further reads, not the frames of a read already made: those wait here.
  const work = new ConnectionWork((busy) => {
    if (busy && !socket.isPaused) socket.pause();
    else if (!busy && socket.isPaused) socket.resume();
  });

  const fits = (bytes: number): boolean => socket.bufferedAmount + bytes <= writeBufferBytes;

  const stopAll = (): void => {
    for (const sub of subscriptions.values()) sub.stop();
    subscriptions.clear();
  };

  /**
   * Queues an answer; one that would overflow the client's write buffer closes the connection
   * instead, and one that would overflow the node's queue is replaced by a short error.
   */
  const send = (text: string): void => {
    if (socket.readyState !== socket.OPEN) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (fits(bytes)) {
      const body = queued.admits(bytes, ctx.client ?? '') ? text : responseText(errorResponse(null, new RpcError(RPC_LIMIT, 'Node busy', queued.refusal(bytes))));
      socket.send(body, holdFor(Buffer.byteLength(body, 'utf8')));
      return;
    }
    logger.warn({ bufferedBytes: socket.bufferedAmount, limit: writeBufferBytes }, 'websocket client does not read its answers; closing');
    stopAll();
    socket.close(CLOSE_SLOW_CLIENT, `too slow: over ${writeBufferBytes} bytes of answers unread`);
  };

  const cancel = (sub: Subscription, reason: string): void => {
    sub.stop();
    subscriptions.delete(sub.query.normalized);
    send(responseText(errorResponse(sub.id, new RpcError(RPC_LIMIT, 'Subscription cancelled', reason))));
  };

  /** Queues an event as one text message in two frames: this subscription's head, then the bytes all share. */
  const push = (sub: Subscription, event: SharedEvent): void => {
    // A subscription cancelled while one event is being handed out gets none after its cancellation.
    if (socket.readyState !== socket.OPEN || subscriptions.get(sub.query.normalized) !== sub) return;
    let tail: Buffer;
    try {
      if (!matches(sub.query, event.tags)) return;
      tail = event.tail();
    } catch (err) {
      // Events are pushed by the code that applies a block: nothing may throw back into it.
      logger.error({ err }, 'an event could not be matched or serialized for a subscription');
      cancel(sub, `this event could not be sent (${err instanceof Error ? err.message : String(err)})`);
      return;
    }
    const head = messageHead(sub.id, sub.query.text);
    if (!fits(head.length + tail.length)) {
      cancel(sub, `client is not reading events fast enough (more than ${writeBufferBytes} bytes queued)`);
      return;
    }
    if (!queued.admits(head.length + tail.length, ctx.client ?? '')) {
      cancel(sub, queued.refusal(head.length + tail.length));
      return;
    }
    const release = holdFor(head.length + tail.length);
    socket.send(head, { binary: false, fin: false });
    socket.send(tail, { binary: false, fin: true }, release);
  };

  const subscribe = (id: JsonRpcId, text: string): void => {
    // The node keeps the id for as long as the subscription lives and repeats it in every event.
    if (JSON.stringify(id).length > MAX_SUBSCRIPTION_ID_CHARS) throw invalidParams(`the id of a subscribe request may have at most ${MAX_SUBSCRIPTION_ID_CHARS} characters as JSON: every event repeats it`);
    const query = parseEventQuery(text);
    // The client is gone: its answer will not be sent, and what this registered would never be stopped.
    if (closed || socket.readyState !== socket.OPEN) throw new RpcError(RPC_INVALID_REQUEST, 'Connection closed', 'the connection closed before this subscribe ran');
    if (subscriptions.has(query.normalized)) throw invalidParams(`already subscribed to "${query.normalized}"`);
    if (subscriptions.size >= maxSubscriptions) {
      throw new RpcError(RPC_LIMIT, 'Too many subscriptions', `at most ${maxSubscriptions} subscriptions per client; unsubscribe first`);
    }
    if (allSubscriptions.held >= allSubscriptions.max) {
      throw new RpcError(RPC_LIMIT, 'Too many subscriptions', `the node holds ${allSubscriptions.max} subscriptions over all clients (rpc.max_subscriptions); try again later`);
    }
    const bus = ctx.api.events;
    // The subscription registers only for the events its query can match (event-routes.ts):
    // the others cost it nothing as they are published.
    const names = eventNamesMatching(query);
    const wantsBlock = BLOCK_EVENT_NAMES.some((name) => names.has(name));
    const onBlock = (e: NewBlockEvent): void => {
      for (const event of sharedBlockEvents(e)) if (names.has(event.tags.get('tm.event')?.[0] ?? '')) push(sub, event);
    };
    const onValidatorSetUpdates = (e: ValidatorSetUpdatesEvent): void => push(sub, sharedValidatorSetUpdates(e));
    const txRoutes = names.has('Tx') ? txRoutesOf(bus) : undefined;
    const txSubscriber: TxSubscriber = { query, deliver: (event) => push(sub, event) };
    // A consensus event's only tag is its name: the names the query can match are known now,
    // and the driver builds no consensus event while no subscription wants one.
    const consensusNames = consensusEventsMatching(query);
    const onConsensus: ConsensusListener = (e) => push(sub, sharedConsensusEvent(e));
    let stopped = false;
    const sub: Subscription = {
      query,
      id,
      stop: () => {
        if (stopped) return;
        stopped = true;
        allSubscriptions.held--;
        if (wantsBlock) bus.off('newBlock', onBlock);
        txRoutes?.remove(txSubscriber);
        if (names.has('ValidatorSetUpdates')) bus.off('validatorSetUpdates', onValidatorSetUpdates);
        bus.offConsensus(consensusNames, onConsensus);
      },
    };
    allSubscriptions.held++;
    if (wantsBlock) bus.on('newBlock', onBlock);
    txRoutes?.add(txSubscriber);
    if (names.has('ValidatorSetUpdates')) bus.on('validatorSetUpdates', onValidatorSetUpdates);
    bus.onConsensus(consensusNames, onConsensus);
    subscriptions.set(query.normalized, sub);
  };

  const handle = async (request: JsonRpcRequest): Promise<unknown> => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    switch (request.method) {
      case 'subscribe':
        if (typeof params.query !== 'string') throw invalidParams('query is required, e.g. tm.event=\'NewBlock\'');
        subscribe(request.id ?? null, params.query);
        return {};
      case 'unsubscribe': {
        const key = typeof params.query === 'string' ? parseEventQuery(params.query).normalized : '';
        const sub = subscriptions.get(key);
        if (!sub) throw invalidParams(`not subscribed to "${key}"`);
        sub.stop();
        subscriptions.delete(key);
        return {};
      }
      case 'unsubscribe_all':
        for (const sub of subscriptions.values()) sub.stop();
        subscriptions.clear();
        return {};
      default:
        return undefined;
    }
  };

  const answer = async (text: string): Promise<void> => {
    if (socket.readyState !== socket.OPEN) return;
    const parsed = parseRequestText(text);
    if ('refused' in parsed) {
      send(responseText(errorResponse(null, parsed.refused)));
      return;
    }
    const answered = await answerBody(parsed.body, ctx, options.limits, handle);
    if (answered !== undefined) send(answered);
  };

  socket.on('message', (raw, isBinary) => {
    if (socket.readyState !== socket.OPEN) return;
    if (isBinary) {
      send(responseText(errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'send JSON-RPC as text frames'))));
      return;
    }
    const text = raw.toString();
    work.add(() =>
      answer(text).catch((err: unknown) => {
        // answerBody never rejects; this is the last line that keeps a client from crashing the node.
        logger.error({ err }, 'websocket request failed');
        send(responseText(errorResponse(null, err)));
      }),
    );
  });

  socket.on('pong', () => {
    alive = true;
  });
  const ping = setInterval(() => {
    if (!alive) {
      socket.terminate();
      return;
    }
    alive = false;
    socket.ping();
  }, PING_INTERVAL_MS);

  socket.on('close', () => {
    closed = true;
    clearInterval(ping);
    work.clear();
    stopAll();
    for (const release of [...holds]) release();
  });
  socket.on('error', () => socket.terminate());
}


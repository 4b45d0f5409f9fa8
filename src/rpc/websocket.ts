/**
 * WebSocket sessions: JSON-RPC requests plus `subscribe` / `unsubscribe` /
 * `unsubscribe_all`. Pushed events carry the id of the subscribe request, as CometBFT's.
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
import type { NewBlockEvent, TxEvent } from '../node/event-bus.js';
import { RpcError, RPC_INVALID_REQUEST, RPC_LIMIT, invalidParams } from './errors.js';
import { addTag, matches, parseEventQuery, type EventQuery, type EventTags } from './event-query.js';
import { answerBody, errorResponse, parseRequestText, responseText, type AnswerLimits, type JsonRpcId, type JsonRpcRequest } from './json-rpc.js';
import type { MethodContext } from './methods.js';
import { ConnectionWork } from './connection-limits.js';
import { base64, blockView, eventsView, hexUpper, txResultView } from './views.js';

const PING_INTERVAL_MS = 30_000;
/** Policy violation: the client does not read what it asked for. */
export const CLOSE_SLOW_CLIENT = 1008;

export interface WebSocketLimits {
  limits: AnswerLimits;
  maxSubscriptions: number;
  /** Bytes queued for the client and not yet read (rpc.websocket_write_buffer_bytes). */
  writeBufferBytes: number;
}

interface Subscription {
  query: EventQuery;
  id: JsonRpcId;
  stop(): void;
}

function blockTags(e: NewBlockEvent): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'NewBlock');
  addTag(tags, 'block.height', String(e.block.header.height));
  return tags;
}

function txTags(e: TxEvent): EventTags {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'Tx');
  addTag(tags, 'tx.hash', hexUpper(e.hash));
  addTag(tags, 'tx.height', String(e.height));
  for (const ev of e.result.events) for (const a of ev.attributes) addTag(tags, `${ev.type}.${a.key}`, a.value);
  return tags;
}

function tagsObject(tags: EventTags): Record<string, string[]> {
  return Object.fromEntries(tags);
}

export function serveWebSocket(socket: WebSocket, ctx: MethodContext, options: WebSocketLimits, logger: Logger): void {
  const { maxSubscriptions, writeBufferBytes } = options;
  const subscriptions = new Map<string, Subscription>();
  let alive = true;
  // Pausing the socket stops further reads, not the frames of a read already made: those wait here.
  const work = new ConnectionWork((busy) => {
    if (busy && !socket.isPaused) socket.pause();
    else if (!busy && socket.isPaused) socket.resume();
  });

  const fits = (text: string): boolean => socket.bufferedAmount + Buffer.byteLength(text, 'utf8') <= writeBufferBytes;

  const stopAll = (): void => {
    for (const sub of subscriptions.values()) sub.stop();
    subscriptions.clear();
  };

  /** Queues an answer; one that would overflow the client's write buffer closes the connection instead. */
  const send = (text: string): void => {
    if (socket.readyState !== socket.OPEN) return;
    if (fits(text)) {
      socket.send(text);
      return;
    }
    logger.warn({ bufferedBytes: socket.bufferedAmount, limit: writeBufferBytes }, 'websocket client does not read its answers; closing');
    stopAll();
    socket.close(CLOSE_SLOW_CLIENT, `too slow: over ${writeBufferBytes} bytes of answers unread`);
  };

  const cancel = (sub: Subscription, reason: string): void => {
    sub.stop();
    subscriptions.delete(sub.query.text);
    send(responseText(errorResponse(sub.id, new RpcError(RPC_LIMIT, 'Subscription cancelled', reason))));
  };

  const push = (sub: Subscription, data: unknown, tags: EventTags): void => {
    if (socket.readyState !== socket.OPEN) return;
    const text = responseText({ jsonrpc: '2.0', id: sub.id, result: { query: sub.query.text, data, events: tagsObject(tags) } });
    if (!fits(text)) {
      cancel(sub, `client is not reading events fast enough (more than ${writeBufferBytes} bytes queued)`);
      return;
    }
    socket.send(text);
  };

  const subscribe = (id: JsonRpcId, text: string): void => {
    const query = parseEventQuery(text);
    if (subscriptions.has(query.text)) throw invalidParams(`already subscribed to "${query.text}"`);
    if (subscriptions.size >= maxSubscriptions) {
      throw new RpcError(RPC_LIMIT, 'Too many subscriptions', `at most ${maxSubscriptions} subscriptions per client; unsubscribe first`);
    }
    const onBlock = (e: NewBlockEvent): void => {
      const tags = blockTags(e);
      if (matches(query, tags)) push(sub, { type: 'tendermint/event/NewBlock', value: { ...blockView(e.block, e.hash), result_finalize_block: { app_hash: hexUpper(e.response.appHash), events: eventsView(e.response.events) } } }, tags);
    };
    const onTx = (e: TxEvent): void => {
      const tags = txTags(e);
      if (matches(query, tags)) push(sub, { type: 'tendermint/event/Tx', value: { TxResult: { height: String(e.height), index: e.index, tx: base64(e.tx), hash: hexUpper(e.hash), result: txResultView(e.result) } } }, tags);
    };
    const sub: Subscription = {
      query,
      id,
      stop: () => {
        ctx.api.events.off('newBlock', onBlock);
        ctx.api.events.off('tx', onTx);
      },
    };
    ctx.api.events.on('newBlock', onBlock);
    ctx.api.events.on('tx', onTx);
    subscriptions.set(query.text, sub);
  };

  const handle = async (request: JsonRpcRequest): Promise<unknown> => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    switch (request.method) {
      case 'subscribe':
        if (typeof params.query !== 'string') throw invalidParams('query is required, e.g. tm.event=\'NewBlock\'');
        subscribe(request.id ?? null, params.query);
        return {};
      case 'unsubscribe': {
        const text = typeof params.query === 'string' ? parseEventQuery(params.query).text : '';
        const sub = subscriptions.get(text);
        if (!sub) throw invalidParams(`not subscribed to "${text}"`);
        sub.stop();
        subscriptions.delete(text);
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
    clearInterval(ping);
    work.clear();
    stopAll();
  });
  socket.on('error', () => socket.terminate());
}


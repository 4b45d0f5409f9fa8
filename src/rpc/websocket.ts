/**
 * WebSocket sessions: JSON-RPC requests plus `subscribe` / `unsubscribe` /
 * `unsubscribe_all`. Pushed events carry the id of the subscribe request, as CometBFT's.
 * Idle connections get pings; a client over its subscription limit, or too slow to read
 * its events, gets an explicit error instead of silence.
 */
import type { WebSocket } from 'ws';
import type { NewBlockEvent, TxEvent } from '../node/event-bus.js';
import { RpcError, RPC_INVALID_REQUEST, RPC_LIMIT, RPC_PARSE_ERROR, invalidParams } from './errors.js';
import { addTag, matches, parseEventQuery, type EventQuery, type EventTags } from './event-query.js';
import { dispatch, errorResponse, type JsonRpcId, type JsonRpcRequest } from './json-rpc.js';
import type { MethodContext } from './methods.js';
import { base64, blockView, eventsView, hexUpper, txResultView } from './views.js';

const PING_INTERVAL_MS = 30_000;
/** Past this much unsent data the client is not keeping up. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

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

export function serveWebSocket(socket: WebSocket, ctx: MethodContext, maxSubscriptions: number, maxBatch: number): void {
  const subscriptions = new Map<string, Subscription>();
  let alive = true;

  const send = (message: unknown): void => {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(JSON.stringify(message));
  };

  const cancel = (sub: Subscription, reason: string): void => {
    sub.stop();
    subscriptions.delete(sub.query.text);
    send(errorResponse(sub.id, new RpcError(RPC_LIMIT, 'Subscription cancelled', reason)));
  };

  const push = (sub: Subscription, data: unknown, tags: EventTags): void => {
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      cancel(sub, `client is not reading events fast enough (more than ${MAX_BUFFERED_BYTES} bytes queued)`);
      return;
    }
    send({ jsonrpc: '2.0', id: sub.id, result: { query: sub.query.text, data, events: tagsObject(tags) } });
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

  socket.on('message', (raw, isBinary) => {
    if (isBinary) {
      send(errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'send JSON-RPC as text frames')));
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw.toString());
    } catch {
      send(errorResponse(null, new RpcError(RPC_PARSE_ERROR, 'Parse error', 'message is not valid JSON')));
      return;
    }
    void dispatch(parsed, ctx, maxBatch, handle).then((response) => {
      if (response !== undefined) send(response);
    });
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
    for (const sub of subscriptions.values()) sub.stop();
    subscriptions.clear();
  });
  socket.on('error', () => socket.terminate());
}


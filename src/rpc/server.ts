/**
 * The RPC server: `GET /method?param=value` (CometBFT's URI form), JSON-RPC 2.0 by POST
 * (single or batch), and WebSocket at /websocket. Binds to loopback unless configured.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { CmtError } from '../codec/errors.js';
import type { NodeApi } from '../node/api.js';
import type { Logger } from '../node/logger.js';
import { httpStatusFor, invalidRequest, RpcError, RPC_LIMIT } from './errors.js';
import { answerBody, callMethod, errorResponse, fitResponse, parseRequestText, responseText, type AnswerLimits, type JsonRpcResponse } from './json-rpc.js';
import { METHODS, type MethodContext } from './methods.js';
import { serveWebSocket, SubscriptionCount } from './websocket.js';
import { admitHttpRequest, MAX_IN_FLIGHT_PER_CONNECTION } from './connection-limits.js';
import { QueuedBytes } from './queued-bytes.js';
import { AnswerSlots, MAX_SEARCHES_AT_ONCE } from './answer-slots.js';
import type { NodeConfig } from '../node/config.js';
import { loadDashboard, type DashboardOptions } from './dashboard.js';
import { IpfsGateway } from './ipfs-gateway.js';
import type { FileService } from '../files/file-service.js';

export type RpcServerOptions = NodeConfig['rpc'];

export interface WebSocketClientInfo {
  /** Bytes queued for the client that the kernel has not taken yet. */
  bufferedBytes: number;
  /** The node is closing the connection (e.g. the client was too slow to read). */
  closing: boolean;
}

export interface RpcServer {
  readonly url: string;
  readonly port: number;
  webSocketClients(): WebSocketClientInfo[];
  /** Bytes of answers and events queued for clients and not yet taken by the kernel (rpc.max_queued_bytes). */
  queuedBytes(): number;
  /** Answers and events refused since start because they would have passed rpc.max_queued_bytes. */
  refusedAnswers(): number;
  close(): Promise<void>;
}

export class RpcListenError extends CmtError {
  constructor(host: string, port: number, reason: string) {
    super('RPC_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${reason}`);
  }
}

class BodyTooLargeError extends Error {}

/**
 * Reads a request body up to `limit` bytes. A larger body is drained and then refused, so the
 * client reads a clean 413 instead of a reset connection; past 4 x the limit the connection is
 * cut, so nobody can make the node read forever.
 */
function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 4 * limit) {
        reject(new BodyTooLargeError());
        req.destroy();
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => (size > limit ? reject(new BodyTooLargeError()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

/** Where HTTP answers go: the node's queue of unread answers, and how long one may wait in it. */
interface HttpOut {
  queued: QueuedBytes;
  /** An answer the client has not taken by then closes its connection (rpc.write_timeout_ms). */
  writeTimeoutMs: number;
}

/**
 * Sends `text`, counted in the node's queue of unread answers until it is flushed; an answer
 * that would overflow that queue is replaced by a short −32003 error (HTTP `refusedStatus`).
 * HTTP has no other bound on how long a client may leave an answer unread.
 */
function sendText(res: ServerResponse, status: number, text: string, out: HttpOut, refusedStatus = httpStatusFor(RPC_LIMIT)): void {
  const { queued } = out;
  const connection = res.req.socket;
  // Nobody to send to: an answer queued now would never be flushed or closed, and never leave the queue.
  if (connection.destroyed) return;
  let body = text;
  let code = status;
  const bytes = Buffer.byteLength(text);
  const client = res.req.socket.remoteAddress ?? '';
  if (!queued.admits(bytes, client)) {
    body = responseText(errorResponse(null, new RpcError(RPC_LIMIT, 'Node busy', queued.refusal(bytes))));
    code = refusedStatus;
  }
  const release = queued.hold(Buffer.byteLength(body), client);
  // The connection, not the response: a pipelined response waiting for the ones before it has
  // no socket yet, and neither it nor its 'close' would ever come. Its connection closing ends
  // every answer queued on it.
  const unread = setTimeout(() => {
    connection.destroy();
    done();
  }, out.writeTimeoutMs);
  const done = (): void => {
    clearTimeout(unread);
    connection.off('close', done);
    release();
  };
  res.once('finish', done);
  res.once('close', done);
  connection.once('close', done);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One answer, within the byte budget, with the HTTP status its error code calls for. */
function sendResponse(res: ServerResponse, response: JsonRpcResponse, maxBytes: number, out: HttpOut): void {
  const { text, errorCode } = fitResponse(response, maxBytes);
  sendText(res, errorCode === undefined ? 200 : httpStatusFor(errorCode), text, out);
}

/** The path of a request target, or undefined when it is not one (`new URL` refuses it). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://rpc').pathname;
  } catch {
    return undefined;
  }
}

/** A request past the connection's in-flight limit: refused unread, and the connection closed after it. */
function refuseBusyConnection(res: ServerResponse): void {
  const text = responseText(errorResponse(null, new RpcError(RPC_LIMIT, 'Too many requests', `at most ${MAX_IN_FLIGHT_PER_CONNECTION} requests of one connection are answered at once (pipelined requests past that are refused and the connection closed); open another connection or wait for answers`)));
  res.shouldKeepAlive = false;
  res.writeHead(429, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text);
}

/**
 * CometBFT's cors_allowed_origins: a page from an allowed origin may read the answers. A
 * preflight (OPTIONS) is answered here; nothing else changes for a cross-origin request.
 */
function allowOrigin(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): void {
  if (allowed.length === 0) return;
  const any = allowed.includes('*');
  // The answer depends on the origin whenever one is named: a shared cache must not hand one origin's answer to another.
  if (!any) res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || (!any && !allowed.includes(origin))) return;
  res.setHeader('access-control-allow-origin', any ? '*' : origin);
}

export async function startRpcServer(api: NodeApi, options: RpcServerOptions, logger: Logger, dashboardOptions?: DashboardOptions, files?: () => FileService | undefined | Promise<FileService | undefined>): Promise<RpcServer> {
  // The files gateway (ipfs-gateway.ts), when the node runs a file store.
  const gateway = files ? new IpfsGateway({ files, writeTimeoutMs: options.writeTimeoutMs, logger }) : undefined;
  const dashboard = dashboardOptions ? await loadDashboard({ writeTimeoutMs: options.writeTimeoutMs, ...dashboardOptions }) : undefined;
  const ctx: MethodContext = { api, rpcAddress: '', timeoutBroadcastTxCommitMs: options.timeoutBroadcastTxCommitMs, maxResponseBytes: options.maxResponseBytes, slots: new AnswerSlots(), searches: new AnswerSlots(MAX_SEARCHES_AT_ONCE) };
  const limits: AnswerLimits = { maxBatchRequests: options.maxBatchRequests, maxResponseBytes: options.maxResponseBytes };
  const queued = new QueuedBytes(options.maxQueuedBytes, options.maxResponseBytes);
  const out: HttpOut = { queued, writeTimeoutMs: options.writeTimeoutMs };

  const server = createServer((req, res) => {
    allowOrigin(req, res, options.corsAllowedOrigins ?? []);
    if (!admitHttpRequest(req, res)) {
      refuseBusyConnection(res);
      return;
    }
    void handleHttp(req, res).catch((err: unknown) => {
      logger.error({ err }, 'rpc request failed');
      if (!res.headersSent) sendResponse(res, errorResponse(null, err), limits.maxResponseBytes, out);
      else res.destroy();
    });
  });
  server.maxConnections = options.maxOpenConnections;

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://rpc');
    } catch {
      sendResponse(res, errorResponse(null, invalidRequest('the request target is not a valid URL path')), limits.maxResponseBytes, out);
      return;
    }
    if (IpfsGateway.handles(url.pathname)) {
      if (gateway) await gateway.serve(req, res, url.pathname);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no file store on this server');
      return;
    }
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, options.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendText(res, 413, responseText(errorResponse(null, new RpcError(RPC_LIMIT, 'Request too large', `request body exceeds ${options.maxBodyBytes} bytes (rpc.max_body_bytes)`))), out);
          return;
        }
        throw err;
      }
      const parsed = parseRequestText(text);
      if ('refused' in parsed) {
        sendResponse(res, errorResponse(null, parsed.refused), limits.maxResponseBytes, out);
        return;
      }
      const answer = await answerBody(parsed.body, { ...ctx, client: req.socket.remoteAddress ?? '', gone: () => req.socket.destroyed }, limits);
      if (answer === undefined) res.writeHead(204).end();
      // POST answers are HTTP 200 with the errors inside, a refusal too.
      else sendText(res, 200, answer, out, 200);
      return;
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { allow: 'GET, POST, OPTIONS', 'access-control-allow-methods': 'GET, POST', 'access-control-allow-headers': 'content-type', 'access-control-max-age': '600' }).end();
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET, POST, OPTIONS' }).end();
      return;
    }
    if (url.pathname === '/ui' || url.pathname.startsWith('/ui/')) {
      if (dashboard) await dashboard.serve(req, res, url.pathname);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('no dashboard on this server');
      return;
    }
    const method = url.pathname.replace(/^\/+/, '');
    if (method === 'metrics') {
      const metrics = await api.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType }).end(metrics.text);
      return;
    }
    if (method === '') {
      sendResponse(res, { jsonrpc: '2.0', id: -1, result: { methods: [...Object.keys(METHODS).sort(), 'subscribe (websocket)', 'unsubscribe (websocket)', 'unsubscribe_all (websocket)'] } }, limits.maxResponseBytes, out);
      return;
    }
    const params = Object.fromEntries(url.searchParams);
    let response: JsonRpcResponse;
    try {
      response = { jsonrpc: '2.0', id: -1, result: await callMethod(method, params, { ...ctx, client: req.socket.remoteAddress ?? '', gone: () => req.socket.destroyed }) };
    } catch (err) {
      response = errorResponse(-1, err);
    }
    sendResponse(res, response, limits.maxResponseBytes, out);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  const allSubscriptions = new SubscriptionCount(options.maxSubscriptions);
  // Nothing thrown here may escape: an 'upgrade' listener runs outside any request handler, so
  // a throw (e.g. `new URL` on a target like `//[`) would be an uncaught exception.
  server.on('upgrade', (req, socket, head) => {
    try {
      const path = pathOf(req.url);
      if (path !== '/websocket') {
        socket.end(`HTTP/1.1 ${path === undefined ? '400 Bad Request' : '404 Not Found'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) =>
        serveWebSocket(ws, { ...ctx, client: req.socket.remoteAddress ?? '', gone: () => req.socket.destroyed }, { limits, maxSubscriptions: options.maxSubscriptionsPerClient, allSubscriptions, writeBufferBytes: options.websocketWriteBufferBytes, queued }, logger),
      );
    } catch (err) {
      logger.warn({ err }, 'websocket upgrade refused');
      socket.destroy();
    }
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new RpcListenError(options.host, options.port, err.code === 'EADDRINUSE' ? 'the port is in use (choose another with --rpc-port)' : err.message));
    };
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  ctx.rpcAddress = url;
  logger.info({ url }, 'rpc listening');

  return {
    url,
    port,
    queuedBytes() {
      return queued.bytes;
    },
    refusedAnswers() {
      return queued.refused;
    },
    webSocketClients() {
      return [...wss.clients].map((c) => ({ bufferedBytes: c.bufferedAmount, closing: c.readyState === c.CLOSING }));
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

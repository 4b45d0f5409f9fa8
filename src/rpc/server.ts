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
import { RpcError, RPC_LIMIT, RPC_METHOD_NOT_FOUND, RPC_NOT_FOUND, RPC_PARSE_ERROR } from './errors.js';
import { callMethod, dispatch, errorResponse } from './json-rpc.js';
import { METHODS, type MethodContext } from './methods.js';
import { serveWebSocket } from './websocket.js';
import type { NodeConfig } from '../node/config.js';

export type RpcServerOptions = NodeConfig['rpc'];

export interface RpcServer {
  readonly url: string;
  readonly port: number;
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

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function httpStatusFor(code: number | undefined): number {
  if (code === RPC_METHOD_NOT_FOUND || code === RPC_NOT_FOUND) return 404;
  if (code === -32602 || code === RPC_PARSE_ERROR) return 400;
  if (code === undefined) return 200;
  return code === RPC_LIMIT ? 429 : 500;
}

export async function startRpcServer(api: NodeApi, options: RpcServerOptions, logger: Logger): Promise<RpcServer> {
  const ctx: MethodContext = { api, rpcAddress: '', timeoutBroadcastTxCommitMs: options.timeoutBroadcastTxCommitMs };

  const server = createServer((req, res) => {
    void handleHttp(req, res).catch((err: unknown) => {
      logger.error({ err }, 'rpc request failed');
      if (!res.headersSent) sendJson(res, 500, errorResponse(null, err));
    });
  });

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://rpc');
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(req, options.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          sendJson(res, 413, errorResponse(null, new RpcError(RPC_LIMIT, 'Request too large', `request body exceeds ${options.maxBodyBytes} bytes`)));
          return;
        }
        throw err;
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        sendJson(res, 200, errorResponse(null, new RpcError(RPC_PARSE_ERROR, 'Parse error', 'request body is not valid JSON')));
        return;
      }
      const response = await dispatch(body, ctx, options.maxBatchRequests);
      if (response === undefined) {
        res.writeHead(204).end();
        return;
      }
      sendJson(res, 200, response);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET, POST' }).end();
      return;
    }
    const method = url.pathname.replace(/^\/+/, '');
    if (method === 'metrics') {
      const metrics = await api.metrics();
      res.writeHead(200, { 'content-type': metrics.contentType }).end(metrics.text);
      return;
    }
    if (method === '') {
      sendJson(res, 200, { jsonrpc: '2.0', id: -1, result: { methods: [...Object.keys(METHODS).sort(), 'subscribe (websocket)', 'unsubscribe (websocket)', 'unsubscribe_all (websocket)'] } });
      return;
    }
    const params = Object.fromEntries(url.searchParams);
    try {
      const result = await callMethod(method, params, ctx);
      sendJson(res, 200, { jsonrpc: '2.0', id: -1, result });
    } catch (err) {
      const response = errorResponse(-1, err);
      sendJson(res, httpStatusFor(response.error?.code), response);
    }
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxBodyBytes });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://rpc').pathname;
    if (path !== '/websocket') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => serveWebSocket(ws, ctx, options.maxSubscriptionsPerClient, options.maxBatchRequests));
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
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

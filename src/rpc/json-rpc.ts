/** JSON-RPC 2.0 envelopes: validating requests, running methods, shaping results and errors. */
import { CmtError } from '../codec/errors.js';
import { RpcError, RPC_INTERNAL_ERROR, RPC_INVALID_REQUEST, RPC_LIMIT, RPC_METHOD_NOT_FOUND } from './errors.js';
import { METHODS, type MethodContext } from './methods.js';

export type JsonRpcId = string | number | null;

export interface JsonRpcRequest {
  jsonrpc: '2.0';
  id?: JsonRpcId;
  method: string;
  params?: unknown;
}

export interface JsonRpcResponse {
  jsonrpc: '2.0';
  id: JsonRpcId;
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

/** Handles methods only some transports have (WebSocket subscriptions); undefined means "not mine". */
export type ExtraHandler = (request: JsonRpcRequest) => Promise<unknown>;

export function errorResponse(id: JsonRpcId, err: unknown): JsonRpcResponse {
  if (err instanceof RpcError) {
    return { jsonrpc: '2.0', id, error: { code: err.rpcCode, message: err.message, ...(err.data === undefined ? {} : { data: err.data }) } };
  }
  // A domain error (bad address, missing key...) is the caller's problem, said plainly; anything else is ours.
  if (err instanceof CmtError) return { jsonrpc: '2.0', id, error: { code: RPC_INTERNAL_ERROR, message: 'Internal error', data: `${err.code}: ${err.message}` } };
  return { jsonrpc: '2.0', id, error: { code: RPC_INTERNAL_ERROR, message: 'Internal error', data: err instanceof Error ? err.message : String(err) } };
}

function validId(id: unknown): id is JsonRpcId | undefined {
  return id === undefined || id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

export async function callMethod(method: string, params: unknown, ctx: MethodContext): Promise<unknown> {
  const fn = Object.hasOwn(METHODS, method) ? METHODS[method] : undefined;
  if (!fn) throw new RpcError(RPC_METHOD_NOT_FOUND, 'Method not found', `unknown method "${method}"; see GET / for the list`);
  if (params !== undefined && params !== null && (typeof params !== 'object' || Array.isArray(params))) {
    throw new RpcError(-32602, 'Invalid params', 'params must be an object of named parameters');
  }
  return fn((params ?? {}) as Record<string, unknown>, ctx);
}

async function handleOne(request: unknown, ctx: MethodContext, extra?: ExtraHandler): Promise<JsonRpcResponse | undefined> {
  const r = request as Partial<JsonRpcRequest> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r) || r.jsonrpc !== '2.0' || typeof r.method !== 'string' || !validId(r.id)) {
    const id = r && typeof r === 'object' && validId((r as { id?: unknown }).id) ? ((r as { id?: JsonRpcId }).id ?? null) : null;
    return errorResponse(id, new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'expected {"jsonrpc":"2.0","method":string,"id":...,"params":{...}}'));
  }
  const id = r.id ?? null;
  try {
    const special = extra ? await extra(r as JsonRpcRequest) : undefined;
    const result = special !== undefined ? special : await callMethod(r.method, r.params, ctx);
    return r.id === undefined ? undefined : { jsonrpc: '2.0', id, result };
  } catch (err) {
    return errorResponse(id, err);
  }
}

/**
 * A single request or a batch. A batch's calls start in order and run together, so
 * broadcasts of consecutive nonces reach the mempool in order and share one signature batch.
 */
export async function dispatch(body: unknown, ctx: MethodContext, maxBatch: number, extra?: ExtraHandler): Promise<JsonRpcResponse | JsonRpcResponse[] | undefined> {
  if (!Array.isArray(body)) return handleOne(body, ctx, extra);
  if (body.length === 0) return errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'empty batch'));
  if (body.length > maxBatch) return errorResponse(null, new RpcError(RPC_LIMIT, 'Batch too large', `at most ${maxBatch} requests per batch`));
  const responses = await Promise.all(body.map((request) => handleOne(request, ctx, extra)));
  const sent = responses.filter((r): r is JsonRpcResponse => r !== undefined);
  return sent.length > 0 ? sent : undefined;
}

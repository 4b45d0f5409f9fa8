/** JSON-RPC 2.0 envelopes: validating requests, running methods, shaping results and errors. */
import { CmtError } from '../codec/errors.js';
import { invalidRequest, RpcError, RPC_INTERNAL_ERROR, RPC_INVALID_PARAMS, RPC_PARSE_ERROR, RPC_INVALID_REQUEST, RPC_LIMIT, RPC_METHOD_NOT_FOUND, RPC_RESPONSE_TOO_LARGE } from './errors.js';
import { MAX_REQUEST_DEPTH, nestedDeeperThan } from './json-depth.js';
import { UNSLOTTED_METHODS } from './answer-slots.js';
import { checkQueryBatch, isGatedCall, METHODS, type MethodContext } from './methods.js';

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
  // Client mistakes are RpcErrors by the time they get here (params.ts); anything else is ours.
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
    throw new RpcError(RPC_INVALID_PARAMS, 'Invalid params', 'params must be an object of named parameters');
  }
  const run = (): Promise<unknown> => fn((params ?? {}) as Record<string, unknown>, ctx);
  // The answer is serialized as soon as this resolves (in the same turn), so the slot covers it in effect.
  // A gated method waits its turn in the query gate; holding a read slot meanwhile would keep reads out.
  const slotted = !UNSLOTTED_METHODS.has(method) && !isGatedCall(method, params);
  return ctx.slots && slotted ? ctx.slots.run(run, ctx.gone) : run();
}

async function handleOne(request: unknown, ctx: MethodContext, extra?: ExtraHandler): Promise<JsonRpcResponse | undefined> {
  const r = request as Partial<JsonRpcRequest> | null;
  if (r === null || typeof r !== 'object' || Array.isArray(r) || r.jsonrpc !== '2.0' || typeof r.method !== 'string' || !validId(r.id)) {
    return errorResponse(requestId(r), new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'expected {"jsonrpc":"2.0","method":string,"id":...,"params":{...}}'));
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
 * A request body's text as JSON, or the error refusing it: text nested deeper than any
 * request needs is refused before JSON.parse, so nothing after it recurses that deep.
 */
export function parseRequestText(text: string): { body: unknown } | { refused: RpcError } {
  if (nestedDeeperThan(text, MAX_REQUEST_DEPTH)) return { refused: invalidRequest(`JSON nested deeper than ${MAX_REQUEST_DEPTH} levels`) };
  try {
    return { body: JSON.parse(text) as unknown };
  } catch {
    return { refused: new RpcError(RPC_PARSE_ERROR, 'Parse error', 'request body is not valid JSON') };
  }
}

/** What bounds the answer to one request body. */
export interface AnswerLimits {
  maxBatchRequests: number;
  /** Largest answer, and largest sum of a batch's answers (rpc.max_response_bytes). */
  maxResponseBytes: number;
}

/** Calls of a batch, other than broadcasts, running at once: bounds what a batch holds in memory. */
const BATCH_WINDOW = 4;
/** Answers this small are always given: the error replacing one would be no shorter. */
const ALWAYS_FITS_BYTES = 1024;
/** Broadcasts of a batch start together, in order, so the mempool checks them as one batch. */
const STARTS_AT_ONCE = new Set(['broadcast_tx_async', 'broadcast_tx_sync', 'broadcast_tx_commit']);

/** A response as JSON text, with the error code it carries (after any replacement). */
export interface ResponseText {
  text: string;
  errorCode: number | undefined;
}

/**
 * JSON text of a response. Serialization never throws: an answer too long for a string
 * (RangeError) is "response too large", anything else an internal error, both for its id.
 */
export function serializeResponse(response: JsonRpcResponse): ResponseText {
  try {
    return { text: JSON.stringify(response), errorCode: response.error?.code };
  } catch (err) {
    const tooLong = err instanceof RangeError && /string length/i.test(err.message);
    const replacement = tooLong
      ? errorResponse(response.id, new RpcError(RPC_RESPONSE_TOO_LARGE, 'Response too large', 'the answer is longer than a string can hold'))
      : errorResponse(response.id, err);
    return { text: JSON.stringify(replacement), errorCode: replacement.error?.code };
  }
}

export const responseText = (response: JsonRpcResponse): string => serializeResponse(response).text;

/** One request's answer within rpc.max_response_bytes (GET URI requests). */
export function fitResponse(response: JsonRpcResponse, maxResponseBytes: number): ResponseText {
  return new AnswerBudget(maxResponseBytes).take(response);
}

/** Bytes left for the answers to one request body; once an answer does not fit, the rest of the batch is not run. */
class AnswerBudget {
  private used = 0;
  exhausted = false;

  constructor(private readonly maxBytes: number) {}

  take(response: JsonRpcResponse): ResponseText {
    const serialized = serializeResponse(response);
    const bytes = Buffer.byteLength(serialized.text, 'utf8');
    if (bytes <= ALWAYS_FITS_BYTES || this.used + bytes <= this.maxBytes) {
      this.used += bytes;
      return serialized;
    }
    this.exhausted = true;
    const why = bytes > this.maxBytes ? `the answer is ${bytes} bytes` : `the answer (${bytes} bytes) does not fit after the batch's earlier answers`;
    return { text: tooLarge(response.id, `${why}; answers are limited to ${this.maxBytes} bytes per request or batch (rpc.max_response_bytes)`), errorCode: RPC_RESPONSE_TOO_LARGE };
  }

  notRun(id: JsonRpcId): string {
    return tooLarge(id, `not run: the batch's answers reached ${this.maxBytes} bytes (rpc.max_response_bytes); send it again in a later batch`);
  }
}

function tooLarge(id: JsonRpcId, data: string): string {
  return JSON.stringify(errorResponse(id, new RpcError(RPC_RESPONSE_TOO_LARGE, 'Response too large', data)));
}

function requestId(request: unknown): JsonRpcId {
  const id = request !== null && typeof request === 'object' ? (request as { id?: unknown }).id : undefined;
  return validId(id) ? (id ?? null) : null;
}

/**
 * Answers a parsed request body (one request or a batch) as JSON text, within the byte
 * budget; undefined when nothing is owed (notifications only). Never rejects.
 */
export async function answerBody(body: unknown, ctx: MethodContext, limits: AnswerLimits, extra?: ExtraHandler): Promise<string | undefined> {
  const budget = new AnswerBudget(limits.maxResponseBytes);
  if (!Array.isArray(body)) {
    const response = await handleOne(body, ctx, extra);
    return response === undefined ? undefined : budget.take(response).text;
  }
  if (body.length === 0) return responseText(errorResponse(null, new RpcError(RPC_INVALID_REQUEST, 'Invalid request', 'empty batch')));
  if (body.length > limits.maxBatchRequests) {
    return responseText(errorResponse(null, new RpcError(RPC_LIMIT, 'Batch too large', `at most ${limits.maxBatchRequests} requests per batch (rpc.max_batch_requests)`)));
  }
  try {
    checkQueryBatch(body, ctx.api);
  } catch (err) {
    return responseText(errorResponse(null, err));
  }
  const texts: (string | undefined)[] = new Array<string | undefined>(body.length);
  const answer = async (i: number): Promise<void> => {
    const request: unknown = body[i];
    if (budget.exhausted) {
      texts[i] = budget.notRun(requestId(request));
      return;
    }
    const response = await handleOne(request, ctx, extra);
    texts[i] = response === undefined ? undefined : budget.take(response).text;
  };
  const startsAtOnce = (request: unknown): boolean => {
    const method = request !== null && typeof request === 'object' ? (request as { method?: unknown }).method : undefined;
    return typeof method === 'string' && STARTS_AT_ONCE.has(method);
  };
  const queued: number[] = [];
  const running: Promise<void>[] = [];
  body.forEach((request, i) => (startsAtOnce(request) ? running.push(answer(i)) : queued.push(i)));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < queued.length) await answer(queued[next++] as number);
  };
  for (let w = 0; w < Math.min(BATCH_WINDOW, queued.length); w++) running.push(worker());
  await Promise.all(running);
  const sent = texts.filter((t): t is string => t !== undefined);
  return sent.length > 0 ? `[${sent.join(',')}]` : undefined;
}

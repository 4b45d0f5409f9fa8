/**
 * Errors from a node as a person reads them. cmt's own calls throw an error with a `code`;
 * CosmJS throws an Error whose message is the JSON-RPC error as JSON, or "Bad status on
 * response" with the body in its cause. Not-found (-32001) is told apart so a page can say
 * what is missing rather than that something broke.
 */

export const NOT_FOUND = -32001;

interface RpcErrorShape {
  code?: number;
  message?: string;
  data?: string;
}

function parse(text: unknown): RpcErrorShape | undefined {
  if (typeof text !== 'string' || !text.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const v = value as Record<string, unknown>;
    // A whole JSON-RPC answer (an HTTP error's body) carries the error inside.
    const e = (typeof v.error === 'object' && v.error !== null ? v.error : v) as Record<string, unknown>;
    const shape: RpcErrorShape = {};
    if (typeof e.code === 'number') shape.code = e.code;
    if (typeof e.message === 'string') shape.message = e.message;
    if (typeof e.data === 'string') shape.data = e.data;
    return shape.code === undefined && shape.message === undefined ? undefined : shape;
  } catch {
    return undefined;
  }
}

function shapeOf(err: unknown): RpcErrorShape | undefined {
  if (typeof err !== 'object' || err === null || timedOut(err)) return undefined;
  const e = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === 'number') return { code: e.code, message: typeof e.message === 'string' ? e.message : '' };
  const cause = e.cause as { body?: unknown } | undefined;
  return parse(e.message) ?? (typeof cause === 'object' && cause !== null ? parse(cause.body) : undefined);
}

export function errorCode(err: unknown): number | undefined {
  return shapeOf(err)?.code;
}

export function isNotFound(err: unknown): boolean {
  return errorCode(err) === NOT_FOUND;
}

/** One line for an error note: the node's message and its detail, not a JSON dump. */
export function errorText(err: unknown): string {
  const shape = shapeOf(err);
  if (shape && (shape.message || shape.data)) {
    if (shape.data && shape.message && !shape.message.includes(shape.data)) return `${shape.message}: ${shape.data}`;
    return shape.message || shape.data || '';
  }
  if (timedOut(err)) return 'the node did not answer in time';
  if (err instanceof Error) return err.message;
  try {
    return String(err);
  } catch {
    return 'an unreadable error';
  }
}

/** AbortSignal.timeout's DOMException (whose `code` is DOM's, not JSON-RPC's): read by name, as it is not an Error everywhere. */
function timedOut(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'TimeoutError';
}

/**
 * JSON-RPC 2.0 over HTTP POST to a node: cmt's own methods (staking, governance, accounts) and
 * any CometBFT method CosmJS does not wrap. The dashboard reaches nodes only through this and
 * through CosmJS (comet.ts).
 */

export class RpcCallError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(data ? `${message}: ${data}` : message);
  }
}

let nextId = 1;

/** How long a call may take before the page treats the node as not answering. */
export const CALL_TIMEOUT_MS = 4000;

/** The most of one answer the page reads: a node (or anything in the roster) streaming more is cut off. */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** The response's text, refused past `max` bytes (its declared length, or as it streams). */
export async function boundedText(res: Response, max = MAX_ANSWER_BYTES): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) throw new RpcCallError(-32603, `the answer is ${declared} bytes, more than the ${max} the page reads`);
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel();
      throw new RpcCallError(-32603, `the answer is more than the ${max} bytes the page reads`);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

export async function rpcCall<T>(base: string, method: string, params: Record<string, unknown> = {}, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = JSON.parse(await boundedText(res)) as unknown;
  if (typeof body !== 'object' || body === null) throw new RpcCallError(-32603, 'the answer is not a JSON-RPC response');
  const { result, error } = body as { result?: T; error?: { code?: unknown; message?: unknown; data?: unknown } };
  if (error !== undefined && error !== null) {
    const text = (v: unknown): string => (typeof v === 'string' ? v.slice(0, 500) : '');
    throw new RpcCallError(typeof error.code === 'number' ? error.code : -32603, text(error.message) || 'error', text(error.data) || undefined);
  }
  if (result === undefined) throw new RpcCallError(-32603, 'no result in the answer');
  return result;
}

/** The node that served this page. */
export function selfBase(): string {
  return location.origin;
}

/** The dashboard's settings from the node (/ui/config.json): the network to watch. */
export interface DashboardSettings {
  moniker: string;
  nodes: { name: string; rpc: string }[];
  /** The node serves traces by name from its traces directory. */
  traces: boolean;
}

export async function dashboardSettings(): Promise<DashboardSettings> {
  const res = await fetch(new URL('config.json', location.href.split('#')[0]).toString(), { signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  return JSON.parse(await boundedText(res)) as DashboardSettings;
}

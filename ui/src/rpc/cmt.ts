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

export async function rpcCall<T>(base: string, method: string, params: Record<string, unknown> = {}, timeoutMs = CALL_TIMEOUT_MS): Promise<T> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: string } };
  if (body.error) throw new RpcCallError(body.error.code, body.error.message, body.error.data);
  if (body.result === undefined) throw new RpcCallError(-32603, 'no result in the answer');
  return body.result;
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
  return (await res.json()) as DashboardSettings;
}

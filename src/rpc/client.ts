/** A JSON-RPC client for the node's RPC, used by the CLI, the tests and the benchmarks. */
import { CmtError } from '../codec/errors.js';

export class RpcClientError extends CmtError {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(`RPC_${rpcCode}`, message);
  }
}

export class NodeUnreachableError extends CmtError {
  constructor(url: string, reason: string) {
    super('NODE_UNREACHABLE', `cannot reach the node at ${url} (${reason}); is it running? (--node URL)`);
  }
}

interface Envelope {
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

export type BatchAnswer = { ok: true; result: unknown } | { ok: false; error: RpcClientError };

export class RpcClient {
  private nextId = 1;

  constructor(readonly url: string) {}

  private async post(body: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new NodeUnreachableError(this.url, cause?.code ?? cause?.message ?? (err as Error).message);
    }
    const text = await response.text();
    try {
      return JSON.parse(text);
    } catch {
      throw new NodeUnreachableError(this.url, `HTTP ${response.status}, not a JSON-RPC answer`);
    }
  }

  private static unwrap(envelope: Envelope): unknown {
    if (envelope.error) {
      const { code, message, data } = envelope.error;
      throw new RpcClientError(code, data ? `${message}: ${data}` : message);
    }
    return envelope.result;
  }

  async call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const envelope = (await this.post({ jsonrpc: '2.0', id: this.nextId++, method, params })) as Envelope;
    return RpcClient.unwrap(envelope) as T;
  }

  /** Many calls in one HTTP request; answers come back in the order asked. */
  async batch(calls: readonly { method: string; params?: Record<string, unknown> }[]): Promise<BatchAnswer[]> {
    const first = this.nextId;
    this.nextId += calls.length;
    const body = calls.map((c, i) => ({ jsonrpc: '2.0', id: first + i, method: c.method, params: c.params ?? {} }));
    const answer = await this.post(body);
    if (!Array.isArray(answer)) return calls.map(() => ({ ok: false, error: new RpcClientError(-32600, String(RpcClient.unwrap(answer as Envelope))) }));
    const byId = new Map((answer as Envelope[]).map((e) => [e.id, e]));
    return body.map((b) => {
      const envelope = byId.get(b.id);
      if (!envelope) return { ok: false as const, error: new RpcClientError(-32603, 'no answer for this request') };
      try {
        return { ok: true as const, result: RpcClient.unwrap(envelope) };
      } catch (err) {
        return { ok: false as const, error: err as RpcClientError };
      }
    });
  }
}

/**
 * Client mistakes are the client's: malformed hex, a contract method that throws, arguments
 * or bodies nested absurdly deep get 4xx / JSON-RPC client codes, never 5xx / -32603.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRpcTarget, type RpcTarget } from '../support/rpc-target.js';

interface Answer {
  status: number;
  body: { jsonrpc?: string; id?: unknown; result?: unknown; error?: { code: number; message: string; data?: string } };
}

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget();
});
afterAll(async () => {
  await target?.stop();
});

async function get(method: string, params: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${target.running.rpc.url}/${method}?${new URLSearchParams(params).toString()}`);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

async function post(text: string): Promise<Answer> {
  const res = await fetch(target.running.rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

const call = (method: string, params: unknown): Promise<Answer> => post(JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }));

const hexDigits = fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: 1, maxLength: 301 });
const oddHex = hexDigits.filter((s) => s.length % 2 === 1).chain((s) => fc.constantFrom(s, `0x${s}`, `"0x${s}"`));
const txMethods = fc.constantFrom('broadcast_tx_async', 'broadcast_tx_sync', 'broadcast_tx_commit', 'estimate_gas');

function nested(depth: number, open: string, close: string, inner = '1'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

describe('client mistakes over RPC', () => {
  it('odd-length hex in a transaction is invalid params naming tx, over GET and POST', async () => {
    await fc.assert(
      fc.asyncProperty(txMethods, oddHex, async (method, tx) => {
        const viaGet = await get(method, { tx });
        expect(viaGet.status).toBe(400);
        expect(viaGet.body.error?.code).toBe(-32602);
        expect(viaGet.body.error?.data).toMatch(/\btx\b/);
        const viaPost = await call(method, { tx });
        expect(viaPost.status).toBe(200);
        expect(viaPost.body.error?.code).toBe(-32602);
        expect(viaPost.body.error?.data).toMatch(/\btx\b/);
      }),
      { numRuns: 40 },
    );
  });

  it('a contract method that throws is the contract failing (4xx, -32004), not the node', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 50 }), async (why) => {
        const viaGet = await get('contract_query', { address: target.contract, method: 'fails', args: JSON.stringify([why]) });
        expect(viaGet.status).toBeGreaterThanOrEqual(400);
        expect(viaGet.status).toBeLessThan(500);
        expect(viaGet.body.error?.code).toBe(-32004);
        expect(viaGet.body.error?.data).toContain('refused');
      }),
      { numRuns: 10 },
    );
  });

  it('deeply nested contract arguments are invalid params naming args', async () => {
    for (const depth of [40, 200, 5_000, 100_000]) {
      // GET URIs stop at 16 KiB of headers; longer text goes by POST.
      const asText = depth <= 1_000 ? await get('contract_query', { address: target.contract, method: 'ok', args: nested(depth, '[', ']') }) : undefined;
      expect(asText?.status ?? 400).toBe(400);
      expect(asText?.body.error?.code ?? -32602).toBe(-32602);
      const asPostedText = await call('contract_query', { address: target.contract, method: 'ok', args: nested(depth, '[', ']') });
      expect(asPostedText.body.error?.code).toBe(-32602);
      expect(asPostedText.body.error?.data).toMatch(/\bargs\b/);
      const asJson = await post(`{"jsonrpc":"2.0","id":1,"method":"contract_query","params":{"address":"${target.contract}","method":"ok","args":${nested(depth, '[', ']')}}}`);
      expect(asJson.status).toBeLessThan(500);
      expect(asJson.body.error?.code).toBeDefined();
      expect([-32600, -32602]).toContain(asJson.body.error?.code);
    }
  });

  it('a body nested too deep is refused as an invalid request, whatever the brackets', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 65, max: 200_000 }), fc.constantFrom(['[', ']'], ['{"a":', '}']), async (depth, [open, close]) => {
        const body = `{"jsonrpc":"2.0","id":1,"method":"status","params":{"x":${nested(depth, open as string, close as string)}}}`;
        const answer = await post(body);
        expect(answer.status).toBe(400);
        expect(answer.body.error?.code).toBe(-32600);
        expect(answer.body.error?.data).toMatch(/nested/);
      }),
      { numRuns: 15 },
    );
  });

  it('a contract result nested deeper than JSON can answer is the contract failing, not the node', async () => {
    for (const n of [100, 3_000, 50_000]) {
      const answer = await call('contract_query', { address: target.contract, method: 'deep', args: JSON.stringify([n]) });
      expect(answer.status).toBeLessThan(500);
      expect(answer.body.error?.code).not.toBe(-32603);
    }
    expect((await call('health', {})).body.result).toEqual({});
  });
});

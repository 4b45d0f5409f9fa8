/**
 * Generated hostile requests against a real node's RPC, over HTTP POST, GET URI and
 * WebSocket: random JSON (deep nesting, huge strings, wrong types, odd hex), unknown methods,
 * batches, bodies that are not JSON, any content type. Whatever arrives, the node answers
 * every request with a well-formed JSON-RPC response that is never a server fault (no 5xx,
 * no -32603), or closes a too-big WebSocket frame cleanly; and it keeps committing blocks.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODS } from '../../src/rpc/methods.js';
import { waitForHeight } from '../support/nodes.js';
import { nextMessageOrClose, openWebSocket, startRpcTarget, wsUrl, type RpcTarget } from '../support/rpc-target.js';

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget({ maxBodyBytes: 1024 * 1024 });
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

const METHOD_NAMES = [...Object.keys(METHODS), 'subscribe', 'unsubscribe', 'unsubscribe_all'];
/** Stands for the target's contract address; replaced when the request is sent. */
const CONTRACT = '@contract';
const PARAM_NAMES = ['height', 'hash', 'tx', 'address', 'method', 'args', 'from', 'limit', 'path', 'data', 'prove', 'query', 'id', 'status', 'page', 'per_page'];

const hexUnit = fc.constantFrom(...'0123456789abcdefABCDEFxg');
const deep = fc.tuple(fc.integer({ min: 1, max: 30_000 }), fc.constantFrom(['[', ']'], ['{"k":', '}'])).map(([n, [o, c]]) => ({ raw: (o as string).repeat(n) + '0' + (c as string).repeat(n) }));
/** A JSON value as text: `{ raw }` splices text in as is (deep nesting that JSON.stringify could not build). */
type Hostile = unknown;
const hexText = fc.string({ unit: hexUnit, maxLength: 70 }).map((s) => `0x${s}`);
const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  hexText,
  fc.string({ unit: hexUnit, maxLength: 70 }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'A'.repeat(n)),
  fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1, 2 ** 53, 1e308, -0)),
  fc.boolean(),
  fc.constant(null),
  fc.json({ maxDepth: 4 }).map((text) => ({ raw: text })),
  deep,
  fc.constantFrom('[]', '[1,"x",{"$bigint":"10"}]', '[{"$bigint":"-"}]', '"quoted"', `"0x${'ab'.repeat(32)}"`, '0x', '3', '-5', '1e3', '99999999999999999999').map((s) => s),
);

const withContract = (text: string): string => text.replaceAll(CONTRACT, target.contract);

function toJsonText(v: Hostile): string {
  if (v !== null && typeof v === 'object' && 'raw' in v) return (v as { raw: string }).raw;
  return JSON.stringify(v) ?? 'null';
}

const INPUT_METHODS = ['broadcast_tx_async', 'broadcast_tx_sync', 'broadcast_tx_commit', 'estimate_gas', 'contract_query', 'contract', 'block', 'block_results', 'tx', 'account', 'abci_query', 'unconfirmed_txs', 'validators', 'subscribe', 'unsubscribe', 'proposal'];
const method = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...INPUT_METHODS) },
  { weight: 2, arbitrary: fc.constantFrom(...METHOD_NAMES) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty')) },
);
/** Values a param is likely to meet: hex (often odd), the real contract and its methods, and anything hostile. */
const paramValue = (name: string): fc.Arbitrary<Hostile> => {
  const likely: fc.Arbitrary<Hostile>[] = [hostileValue, hostileValue];
  if (name === 'tx' || name === 'hash' || name === 'data') likely.push(hexText, hexText);
  if (name === 'address' || name === 'from') likely.push(fc.constant(CONTRACT));
  if (name === 'method') likely.push(fc.constantFrom('fails', 'ok', 'deep', '__list', 'nope'));
  if (name === 'args') likely.push(fc.array(hostileValue, { maxLength: 3 }).map((a) => JSON.stringify(a.map((v) => (v !== null && typeof v === 'object' && 'raw' in v ? 0 : v)))), deep);
  if (name === 'height') likely.push(fc.constantFrom('BIG', 1, '2', -3, 1e9));
  return fc.oneof(...likely);
};
const namedParams = fc.record(Object.fromEntries(PARAM_NAMES.map((n) => [n, paramValue(n)])), { requiredKeys: [] });
const params = fc.oneof(
  { weight: 4, arbitrary: namedParams },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), hostileValue, { maxKeys: 3 }) },
  { weight: 1, arbitrary: hostileValue },
);

/** One request object as JSON text; sometimes broken in shape (missing fields, bad ids). */
const requestText = fc
  .record({
    jsonrpc: fc.oneof({ weight: 8, arbitrary: fc.constant('"2.0"') }, { weight: 1, arbitrary: fc.constantFrom('"1.0"', '2', 'null') }),
    id: fc.oneof({ weight: 4, arbitrary: fc.nat().map(String) }, { weight: 1, arbitrary: fc.constantFrom('"x"', 'null', '[1]', '{}', '1.5', 'true') }),
    method: fc.oneof({ weight: 8, arbitrary: method.map((m) => JSON.stringify(m)) }, { weight: 1, arbitrary: fc.constantFrom('1', 'null', '["block"]') }),
    params: fc.option(params.map((p) => (p !== null && typeof p === 'object' && !('raw' in p) ? `{${Object.entries(p).map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}` : toJsonText(p)))),
    drop: fc.oneof({ weight: 8, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.subarray(['jsonrpc', 'method']) }),
  })
  .map((r) => {
    const fields = (['jsonrpc', 'id', 'method'] as const).filter((k) => !(r.drop as string[]).includes(k)).map((k) => `"${k}":${r[k]}`);
    if (r.params !== null) fields.push(`"params":${r.params}`);
    return `{${fields.join(',')}}`;
  });

const body = fc.oneof(
  { weight: 5, arbitrary: requestText },
  { weight: 2, arbitrary: fc.array(requestText, { minLength: 0, maxLength: 12 }).map((rs) => `[${rs.join(',')}]`) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('', '{', '[', '{"jsonrpc":"2.0"', 'null', '1', '"x"', '[[]]', '[1,2]')) },
  { weight: 1, arbitrary: deep.map((d) => d.raw) },
  { weight: 1, arbitrary: fc.constantFrom(1, 2).map((k) => `{"jsonrpc":"2.0","id":1,"method":"status","params":{"p":"${'x'.repeat(k * 700 * 1024)}"}}`) },
);

const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/json; charset=latin1');

interface JsonRpcAnswer {
  jsonrpc?: unknown;
  id?: unknown;
  result?: unknown;
  error?: { code?: unknown; message?: unknown };
}

function checkResponse(r: JsonRpcAnswer): void {
  expect(r.jsonrpc).toBe('2.0');
  expect(r).toHaveProperty('id');
  expect(r.result === undefined).not.toBe(r.error === undefined);
  if (r.error) {
    expect(typeof r.error.code).toBe('number');
    expect(typeof r.error.message).toBe('string');
    expect(r.error.code).not.toBe(-32603);
  }
}

function checkAnswerText(text: string): void {
  const parsed = JSON.parse(text) as JsonRpcAnswer | JsonRpcAnswer[];
  if (Array.isArray(parsed)) {
    expect(parsed.length).toBeGreaterThan(0);
    parsed.forEach(checkResponse);
  } else checkResponse(parsed);
}

describe('hostile RPC requests', () => {
  it('HTTP POST: any body, any content type, never a server fault', async () => {
    await fc.assert(
      fc.asyncProperty(body, contentType, async (text, type) => {
        const res = await fetch(target.running.rpc.url, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: withContract(text) });
        const answer = await res.text();
        expect(res.status, answer.slice(0, 300)).toBeLessThan(500);
        if (res.status === 204) expect(answer).toBe('');
        else checkAnswerText(answer);
      }),
      { numRuns: 400 },
    );
  });

  it('GET URI: any method and query string, never a server fault', async () => {
    const asQueryValue = (v: Hostile): string => withContract(typeof v === 'string' ? v : toJsonText(v)).slice(0, 3_000);
    const query = namedParams.map((p) => Object.fromEntries(Object.entries(p).map(([k, v]) => [k, asQueryValue(v)])));
    await fc.assert(
      fc.asyncProperty(method, query, async (m, q) => {
        const res = await fetch(`${target.running.rpc.url}/${encodeURIComponent(m)}?${new URLSearchParams(q).toString()}`);
        const answer = await res.text();
        expect(res.status, answer.slice(0, 300)).toBeLessThan(500);
        // 431: the node's HTTP parser refuses headers (the URI) past 16 KiB, before any JSON-RPC.
        if (m !== 'metrics' && m !== '' && res.status !== 431) checkAnswerText(answer);
      }),
      { numRuns: 400 },
    );
  });

  it('WebSocket: every message answered well-formed, a too-big frame closed cleanly', async () => {
    // Generated requests always carry an id, so every message is owed exactly one answer.
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const ws = await openWebSocket(wsUrl(target));
        try {
          const answer = nextMessageOrClose(ws);
          ws.send(withContract(text));
          const got = await answer;
          if ('closed' in got) {
            expect(got.closed).toBe(1009);
            expect(Buffer.byteLength(text)).toBeGreaterThan(1024 * 1024);
          } else checkAnswerText(got.text);
        } finally {
          ws.terminate();
        }
      }),
      { numRuns: 150 },
    );
  });

  it('after all that, the node answers health and status and keeps committing', async () => {
    const health = (await (await fetch(`${target.running.rpc.url}/health`)).json()) as JsonRpcAnswer;
    expect(health.result).toEqual({});
    const status = (await (await fetch(`${target.running.rpc.url}/status`)).json()) as { result: { sync_info: { latest_block_height: string } } };
    const height = Number(status.result.sync_info.latest_block_height);
    await waitForHeight(target.running.node, height + 2);
  });
});

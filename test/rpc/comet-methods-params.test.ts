/**
 * Every method, fed generated junk for each of its parameters over URI GET and JSON-RPC POST:
 * the answer is a result or a client error (HTTP 4xx, never -32603 nor 5xx), and the node
 * keeps answering. The hash parameters read hex and base64 without ambiguity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METHODS } from '../../src/rpc/methods.js';
import { requiredHash } from '../../src/rpc/params.js';
import { suiteNode } from '../support/suite-node.js';

/** The parameters each method reads (CometBFT's names, and cmt's for its own methods). */
const PARAMS: Record<string, string[]> = {
  abci_query: ['path', 'data', 'height', 'prove'],
  block: ['height'],
  block_by_hash: ['hash'],
  block_results: ['height'],
  blockchain: ['minHeight', 'maxHeight'],
  broadcast_evidence: ['evidence'],
  broadcast_tx_async: ['tx'],
  broadcast_tx_sync: ['tx'],
  broadcast_tx_commit: ['tx'],
  check_tx: ['tx'],
  commit: ['height'],
  consensus_params: ['height'],
  genesis_chunked: ['chunk'],
  header: ['height'],
  header_by_hash: ['hash'],
  tx: ['hash', 'prove'],
  unconfirmed_txs: ['limit'],
  validators: ['height', 'page', 'per_page'],
  account: ['address', 'height', 'prove'],
  candidate: ['address'],
  delegations: ['address'],
  rewards: ['address'],
  unbonding: ['address'],
  proposals: ['status'],
  proposal: ['id'],
  contract: ['address'],
  contract_query: ['address', 'method', 'args', 'from'],
  process_instance: ['contract', 'id', 'from', 'limit'],
  contract_hooks: ['contract'],
  hook_event: ['contract', 'hook', 'id'],
  file_info: ['cid'],
  estimate_gas: ['tx'],
  tx_search: ['query', 'page', 'per_page', 'order_by', 'prove'],
  block_search: ['query', 'page', 'per_page', 'order_by'],
  tx_latency: ['limit'],
};

const hexUnit = fc.constantFrom(...'0123456789abcdefABCDEFxg');
const b64Unit = fc.constantFrom(...'ABCDEFabcdef0123456789+/= ');
/** Junk as a JSON value (POST) that also has a text form (GET). */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ unit: hexUnit, maxLength: 70 }).map((s) => `0x${s}`),
  fc.string({ unit: hexUnit, minLength: 60, maxLength: 68 }),
  fc.string({ unit: b64Unit, minLength: 40, maxLength: 48 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', '""', '"0"', '-1', '0', '1', '2', '99999999999999999999', '1e3', '1.5', 'null', 'true', '[]', '{}', 'NaN', '-0', ' 1', '0x', '=', 'AA=='),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 }),
  fc.constantFrom(-1, 0, 2 ** 53, 1e308, 1.5, -0),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }),
);

const asText = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

describe('junk parameters of every method', () => {
  const suite = suiteNode(2);

  const methods = (): string[] => Object.keys(METHODS).sort();

  it('every method that takes parameters is in the table', () => {
    const taking = methods().filter((m) => !['health', 'status', 'abci_info', 'genesis', 'net_info', 'consensus_state', 'dump_consensus_state', 'num_unconfirmed_txs', 'candidates', 'staking_validators', 'staking_params', 'params'].includes(m));
    for (const m of taking) expect(Object.keys(PARAMS), m).toContain(m);
  });

  it('answers a result or a client error, over URI and JSON-RPC, and keeps answering', async () => {
    const url = suite.running.rpc.url;
    for (const method of methods()) {
      const names = PARAMS[method] ?? ['height', 'hash'];
      const params = fc.dictionary(fc.constantFrom(...names), junk, { maxKeys: names.length });
      await fc.assert(
        fc.asyncProperty(params, async (p) => {
          const query = new URLSearchParams(Object.entries(p).map(([k, v]): [string, string] => [k, asText(v)]));
          const viaUri = await fetch(`${url}/${method}?${query.toString()}`);
          const uriBody = (await viaUri.json()) as { error?: { code: number; data?: string } };
          expect(viaUri.status, `${method} ${query.toString()}: ${JSON.stringify(uriBody.error)}`).toBeLessThan(500);
          expect(uriBody.error?.code, method).not.toBe(-32603);
          const viaPost = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: p }) });
          const postBody = (await viaPost.json()) as { error?: { code: number; data?: string } };
          expect(viaPost.status).toBe(200);
          expect(postBody.error?.code, `${method} ${JSON.stringify(p)}: ${JSON.stringify(postBody.error)}`).not.toBe(-32603);
        }),
        { numRuns: 25 },
      );
    }
    const status = await suite.running.client.call<{ sync_info: { latest_block_height: string } }>('status');
    expect(Number(status.sync_info.latest_block_height)).toBeGreaterThanOrEqual(2);
  }, 240_000);

  it('a hash reads the same from hex, 0x-hex and base64 (as CosmJS sends it), and nothing else of 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        for (const form of [hex, hex.toUpperCase(), `0x${hex}`, Buffer.from(bytes).toString('base64')]) {
          expect(Buffer.from(requiredHash({ hash: form })).equals(Buffer.from(bytes)), form).toBe(true);
        }
        // A URI turns base64's + into a space; a quoted value is CometBFT's URI string form.
        expect(Buffer.from(requiredHash({ hash: Buffer.from(bytes).toString('base64').replaceAll('+', ' ') })).equals(Buffer.from(bytes))).toBe(true);
        expect(Buffer.from(requiredHash({ hash: `"0x${hex}"` })).equals(Buffer.from(bytes))).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 64 }).filter((b) => b.length !== 32), (bytes) => {
        for (const form of [Buffer.from(bytes).toString('hex'), Buffer.from(bytes).toString('base64')]) {
          expect(() => requiredHash({ hash: form })).toThrow(expect.objectContaining({ rpcCode: -32602, data: expect.stringMatching(/32 bytes/) }));
        }
      }),
    );
  });
});

/**
 * The RPC forwards app queries (spec/queries.md): `abci_query` of a view path answers the
 * same JSON the typed method shows, and hostile paths, data, heights and proofs over the RPC
 * are client errors (never -32603), with no state changed.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUERY_ROUTER } from '../../src/app/queriers.js';
import { to0x } from '../../src/codec/bytes.js';
import { formatAddress } from '../../src/crypto/address.js';
import { RpcClientError } from '../../src/rpc/client.js';
import { RPC_CONTRACT_FAILED, RPC_INVALID_PARAMS, RPC_LIMIT, RPC_NOT_FOUND } from '../../src/rpc/errors.js';
import { addressOf, testKey } from '../support/nodes.js';
import { startRpcTarget, type RpcTarget } from '../support/rpc-target.js';

let target: RpcTarget;
beforeAll(async () => {
  target = await startRpcTarget();
}, 120_000);
afterAll(async () => {
  await target?.stop();
});

interface AbciAnswer {
  response: { code: number; log: string; value: string; height: string };
}

const hex = (text: string): string => to0x(new TextEncoder().encode(text));
const call = <T>(method: string, params: Record<string, unknown>): Promise<T> => target.running.client.call<T>(method, params);

async function abciJson(path: string, data = ''): Promise<unknown> {
  const { response } = await call<AbciAnswer>('abci_query', { path, data });
  expect(response.code, response.log).toBe(0);
  return JSON.parse(Buffer.from(response.value, 'base64').toString('utf8'));
}

describe('abci_query and the typed methods agree', () => {
  it('answers a view path with the JSON its method shows', async () => {
    const owner = formatAddress(addressOf(testKey(0)));
    expect(await abciJson('/staking/candidates')).toEqual(await call('candidates', {}));
    expect(await abciJson('/staking/params')).toEqual(await call('staking_params', {}));
    expect(await abciJson('/staking/delegations', owner)).toEqual(await call('delegations', { address: owner }));
    expect(await abciJson('/gov/proposals')).toEqual(await call('proposals', {}));
    expect(await abciJson('/contracts/info', target.contract)).toEqual(await call('contract', { address: target.contract }));
    const query = hex(JSON.stringify({ address: target.contract, method: 'ok', args: '[]' }));
    expect(await abciJson('/contracts/query', query)).toEqual(await call('contract_query', { address: target.contract, method: 'ok' }));
  });

  it('an unknown path or undecodable data is invalid params naming the problem', async () => {
    await expect(call('abci_query', { path: '/nope' })).rejects.toMatchObject({ rpcCode: RPC_INVALID_PARAMS, message: expect.stringMatching(/unknown query path/) });
    await expect(call('abci_query', { path: '/gov/proposal', data: hex('{"id":') })).rejects.toMatchObject({ rpcCode: RPC_INVALID_PARAMS, message: expect.stringMatching(/not valid JSON/) });
    await expect(call('abci_query', { path: '/staking/candidate', data: '0x01' })).rejects.toMatchObject({ rpcCode: RPC_INVALID_PARAMS, message: expect.stringMatching(/20-byte address/) });
  });
});

describe('gated paths', () => {
  it('abci_query of a gated path counts against query.max_per_batch, as its method does', async () => {
    const max = target.running.node.queryLimits.maxPerBatch;
    const batch = (n: number, path: string) => Array.from({ length: n }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'abci_query', params: { path } }));
    const post = async (body: unknown) => (await fetch(target.running.rpc.url, { method: 'POST', body: JSON.stringify(body) })).json() as Promise<{ error?: { code: number } } | unknown[]>;
    expect(await post(batch(max + 1, '/gov/proposals'))).toMatchObject({ error: { code: RPC_LIMIT } });
    expect(await post(batch(max, '/gov/proposals'))).toHaveLength(max);
    // Free paths are not counted.
    expect(await post(batch(max + 1, '/staking/params'))).toHaveLength(max + 1);
  });
});

describe('hostile queries over the RPC', () => {
  const path = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...QUERY_ROUTER.paths) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('/staking/', '/gov/proposal/1', '/__proto__', '/constructor', `/${'a'.repeat(3000)}`) },
  );
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 48 }).map(to0x),
    fc.json({ maxDepth: 3 }).map(hex),
    // JSON text naming the target's contract (filled in when sent), among other requests.
    fc.constantFrom('{"id":1}', '{"status":"voting"}', '{"__proto__":{"id":1}}', '['.repeat(5000), '{"address":"@contract","method":"deep","args":"[300]"}', '{"address":"@contract","method":"fails","args":["x"]}').map((t) => ({ text: t })),
    fc.constantFrom(formatAddress(addressOf(testKey(0))), '0x', 'zz', '0x0'),
  );
  const height = fc.constantFrom(undefined, 0, 1, 2, 10_000_000, '-1', 'x');
  const allowed = [RPC_INVALID_PARAMS, RPC_NOT_FOUND, RPC_LIMIT, RPC_CONTRACT_FAILED];

  it('every answer is a response or a client error, and no state changes', async () => {
    const sender = addressOf(testKey(0));
    const before = await call<{ nonce: string; balance: string }>('account', { address: formatAddress(sender) });
    await fc.assert(
      fc.asyncProperty(path, data, height, fc.boolean(), async (p, d, h, prove) => {
        const params: Record<string, unknown> = { path: p, data: typeof d === 'string' ? d : hex(d.text.replace('@contract', target.contract)), prove };
        if (h !== undefined) params.height = h;
        try {
          const { response } = await call<AbciAnswer>('abci_query', params);
          expect(typeof response.code).toBe('number');
          if (response.code !== 0) expect(response.log.length).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(RpcClientError);
          expect(allowed, (err as Error).message).toContain((err as RpcClientError).rpcCode);
        }
      }),
      { numRuns: 300 },
    );
    const after = await call<{ nonce: string; balance: string }>('account', { address: formatAddress(sender) });
    expect(after.nonce).toBe(before.nonce);
    expect(after.balance).toBe(before.balance);
    expect(await call<{ total: string }>('num_unconfirmed_txs', {})).toMatchObject({ total: '0' });
  }, 120_000);
});

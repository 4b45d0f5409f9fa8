/**
 * The app's query router (spec/queries.md): each module answers the paths under its prefix,
 * views are UTF-8 JSON, store paths are provable, and whatever bytes arrive (any path, data,
 * height, prove) the answer is a response code with a log, never a throw, and the state is
 * untouched.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode } from '../../src/codec/schema.js';
import { Account } from '../../src/app/bank/accounts.js';
import { QUERY_ROUTER, isGatedQueryPath } from '../../src/app/queriers.js';
import { QueryCode, QueryRouter } from '../../src/app/query/router.js';
import type { QueryRequest } from '../../src/app/abci.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { addressOf, testKey } from '../support/nodes.js';
import { CHAIN_PARAMS, genesisCandidate, owner } from './staking/staking-chain.js';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const json = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));
const CODES: readonly number[] = Object.values(QueryCode);

let h: AppHarness;
beforeAll(async () => {
  h = await appHarness(4, 10_000n * 10n ** 18n, { params: CHAIN_PARAMS, candidates: [genesisCandidate(0, 2_000n), genesisCandidate(1, 1_500n)] });
  await h.runBlock([]);
  await h.runBlock([]);
});
afterAll(async () => {
  await h?.close();
});

const ask = (path: string, data: Uint8Array = new Uint8Array(0), more: Partial<QueryRequest> = {}) => h.app.query({ path, data, height: 0, prove: false, ...more });

describe('routes', () => {
  it('every module answers under its own prefix, and the costly paths are the gated ones', () => {
    expect(QUERY_ROUTER.paths).toEqual(
      expect.arrayContaining(['/account', '/supply', '/store', '/params', '/staking/candidates', '/staking/candidate', '/staking/delegations', '/staking/validators', '/staking/rewards', '/staking/unbonding', '/staking/params', '/gov/proposals', '/gov/proposal', '/contracts/info', '/contracts/query', '/process/instance', '/app/simulate']),
    );
    const gated = QUERY_ROUTER.paths.filter(isGatedQueryPath).sort();
    expect(gated).toEqual(['/app/simulate', '/contracts/info', '/contracts/query', '/gov/proposal', '/gov/proposals', '/process/instance']);
  });

  it('refuses a module that registers a path outside its prefix, or a path twice', () => {
    const route = { answer: () => ({ json: null }) };
    expect(() => new QueryRouter([{ prefix: '/a', routes: { '/b/x': route } }])).toThrow(/outside/);
    expect(() => new QueryRouter([{ prefix: '/a', routes: { '/a/x': route } }, { prefix: '/a', routes: { '/a/x': route } }])).toThrow(/twice/);
  });
});

describe('answers', () => {
  it('/account answers the stored account, with a proof when asked', () => {
    const res = ask('/account', addressOf(testKey(0)), { prove: true });
    expect(res.code).toBe(0);
    expect(decode(Account, res.value, 'account').nonce).toBe(0);
    expect(res.proof).not.toBeNull();
    expect(res.height).toBe(h.height);
  });

  it('staking views are the JSON the RPC shows', () => {
    const all = json(ask('/staking/candidates').value) as { total: string; candidates: { owner: string; name: string }[] };
    expect(all.total).toBe('2');
    expect(all.candidates.map((c) => c.name)).toEqual(['v0', 'v1']);
    const one = ask('/staking/candidate', owner(1));
    expect(one.code).toBe(0);
    expect((json(one.value) as { self_stake: string }).self_stake).toBe((1_500n * 10n ** 18n).toString());
    expect(ask('/staking/candidate', owner(3)).code).toBe(QueryCode.NOT_FOUND);
    expect((json(ask('/staking/params').value) as { max_validators?: unknown; maxValidators?: unknown }).maxValidators).toBe(3);
    expect((json(ask('/staking/validators').value) as { height: string }).height).toBe(String(h.height));
  });

  it('views answer at an older kept height too', () => {
    const res = ask('/staking/validators', new Uint8Array(0), { height: 1 });
    expect(res.code).toBe(0);
    expect(res.height).toBe(1);
    expect((json(res.value) as { height: string }).height).toBe('1');
  });

  it('governance: an unknown proposal is NOT_FOUND, a bad id or status BAD_REQUEST', () => {
    expect(json(ask('/gov/proposals').value)).toEqual({ total: '0', proposals: [] });
    expect(ask('/gov/proposal', utf8('{"id":7}')).code).toBe(QueryCode.NOT_FOUND);
    expect(ask('/gov/proposal', utf8('{"id":0}')).code).toBe(QueryCode.BAD_REQUEST);
    expect(ask('/gov/proposals', utf8('{"status":"nope"}')).code).toBe(QueryCode.BAD_REQUEST);
  });

  it('a contract query at no contract is NOT_FOUND; at an old height it is refused', () => {
    const data = utf8(JSON.stringify({ address: `0x${'11'.repeat(20)}`, method: 'get' }));
    expect(ask('/contracts/query', data).code).toBe(QueryCode.NOT_FOUND);
    expect(ask('/contracts/query', data, { height: 1 }).code).toBe(QueryCode.BAD_REQUEST);
    expect(ask('/contracts/query', utf8(JSON.stringify({ address: `0x${'11'.repeat(20)}`, method: '__exports__' }))).code).toBe(QueryCode.BAD_REQUEST);
  });

  it('a proof of a view, a height not reached, an unknown path: each its own code', () => {
    expect(ask('/staking/candidates', new Uint8Array(0), { prove: true }).code).toBe(QueryCode.BAD_REQUEST);
    expect(ask('/account', addressOf(testKey(0)), { height: h.height + 5 }).code).toBe(QueryCode.HEIGHT_UNAVAILABLE);
    const unknown = ask('/nope');
    expect(unknown.code).toBe(QueryCode.BAD_REQUEST);
    expect(unknown.log).toMatch(/unknown query path "\/nope"/);
  });

  it('/app/simulate estimates a malformed transaction as a failed run, not a failed query', () => {
    const res = ask('/app/simulate', Uint8Array.of(1, 2, 3));
    expect(res.code).toBe(0);
    expect((json(res.value) as { code: number }).code).not.toBe(0);
  });
});

describe('hostile queries', () => {
  const path = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...QUERY_ROUTER.paths) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
    { weight: 1, arbitrary: fc.constantFrom('/staking', '/staking/', '/gov/proposal/1', '/__proto__', '/constructor', '/account/x', `/${'a'.repeat(5000)}`) },
  );
  const jsonish = fc.oneof(
    fc.json({ maxDepth: 4 }),
    fc.constantFrom('{"id":1}', '{"id":"1"}', '{"id":1e400}', '{"status":"voting"}', '{"__proto__":{"id":1}}', `{"address":"0x${'11'.repeat(20)}","method":"m","args":"[[[[["}`, `{"address":"0x${'11'.repeat(20)}","method":"m","args":[1,{"$bigint":"x"}]}`, '['.repeat(10_000), '{"a":'.repeat(100) + '1' + '}'.repeat(100)),
  );
  const data = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(addressOf(testKey(1))), jsonish.map(utf8), fc.uint8Array({ minLength: 20, maxLength: 20 }));
  const height = fc.oneof(fc.constantFrom(0, 1, 2, 3, 1_000, -1, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN), fc.integer());

  it('answers every request with a known code and a log, and changes no state', () => {
    const root = h.store.rootHash;
    const version = h.store.latestVersion;
    fc.assert(
      fc.property(path, data, height, fc.boolean(), (p, d, ht, prove) => {
        const res = h.app.query({ path: p, data: d, height: ht, prove });
        expect(CODES).toContain(res.code);
        if (res.code !== 0) expect(res.log.length).toBeGreaterThan(0);
        expect(res.log.length).toBeLessThan(2_000);
      }),
      { numRuns: 500 },
    );
    expect(h.store.rootHash).toEqual(root);
    expect(h.store.latestVersion).toBe(version);
    expect(h.app.pendingNonce(addressOf(testKey(0)))).toBe(0);
  });
});

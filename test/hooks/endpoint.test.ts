/**
 * The webhook endpoint under hostile calls (spec/webhooks.md, "The endpoint"), over real HTTP,
 * in front of the real application holding examples/delivery: generated methods, paths,
 * signature headers and bodies never get a 5xx, and only a call that proves itself, names a
 * new event and finds the hook account funded is submitted, once per event.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { decodeTx } from '../../src/codec/tx.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { DEFAULT_APP_PARAMS } from '../../src/app/params.js';
import { hookAccount } from '../../src/app/hooks/records.js';
import { Attester } from '../../src/hooks/attester.js';
import { hmacHookCall, signHookCall, SIGNATURE_HEADER } from '../../src/hooks/auth.js';
import { HookEndpoint, startWebhookServer, type HookNode, type WebhookServer } from '../../src/hooks/server.js';
import { DEFAULT_CONFIG, type WebhooksConfig } from '../../src/node/config.js';
import { silentLogger } from '../../src/node/logger.js';
import type { AttesterNode } from '../../src/hooks/attester.js';
import { sha256 } from '../../src/codec/hash.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { deployTx } from '../support/contract-txs.js';
import { addressOf, testKey, TEST_CHAIN_ID, transfer } from '../support/nodes.js';

const EXAMPLE = new URL('../../examples/delivery/', import.meta.url);
const attester = testKey(0);
const owner = testKey(1);
const courier = testKey(20);
const SECRET = 'a-secret-of-sixteen-or-more';

describe('the webhook endpoint', () => {
  let h: AppHarness;
  let server: WebhookServer;
  let contract: string;
  const submitted: Uint8Array[] = [];

  beforeAll(async () => {
    h = await appHarness(2, 1_000n * ONE_CMT);
    const hooks = JSON.stringify({
      delivery: { auth: 'ed25519', keys: [toHex(courier.publicKey)], attesters: [formatAddress(addressOf(attester)), formatAddress(addressOf(owner))], quorum: 2, signal: 'delivered' },
      receipt: { auth: 'hmac', attesters: [formatAddress(addressOf(attester))], quorum: 1, method: 'receipt' },
      elsewhere: { auth: 'hmac', attesters: [formatAddress(addressOf(owner))], quorum: 1, method: 'receipt' },
    });
    const files = { 'delivery.jpdl.xml': readFileSync(new URL('delivery.jpdl.xml', EXAMPLE), 'utf8'), 'hooks.json': hooks };
    const address = contractAddress(addressOf(owner), 0);
    contract = formatAddress(address);
    const res = await h.runBlock([deployTx(owner, 0, readFileSync(new URL('contract.js', EXAMPLE), 'utf8'), { files }), transfer(owner, { nonce: 1, to: hookAccount(address), amount: 10n * ONE_CMT })]);
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0]);
    const pending = new Set<string>();
    const node: AttesterNode & HookNode = {
      status: () => ({ chainId: TEST_CHAIN_ID }) as ReturnType<AttesterNode['status']>,
      account: (address) => ({ address, balance: 0n, nonce: 0, pendingNonce: h.app.pendingNonce(address), height: h.height }),
      params: () => ({ app: DEFAULT_APP_PARAMS, consensus: DEFAULT_CONSENSUS_PARAMS, baseFee: h.app.baseFee() }),
      broadcastTx: async (tx) => {
        submitted.push(tx);
        pending.add(toHex(sha256(tx)));
        return { code: 0, log: '', gasWanted: 0, gasUsed: 0, events: [], hash: sha256(tx), codespace: '' } as unknown as Awaited<ReturnType<AttesterNode['broadcastTx']>>;
      },
      query: async (request) => h.app.query(request),
      isPending: (hash) => pending.has(toHex(hash)),
    };
    const config: WebhooksConfig = { ...DEFAULT_CONFIG.webhooks, enabled: true, port: 0, attesterKey: 'x', secrets: { [`${contract}/receipt`]: SECRET } };
    server = await startWebhookServer(new HookEndpoint(node, new Attester(node, attester), config, silentLogger()), config, silentLogger());
  }, 30_000);

  afterAll(async () => {
    await server?.close();
    await h?.close();
  });

  const call = async (path: string, init: RequestInit): Promise<number> => (await fetch(`${server.url}${path}`, init)).status;

  it('submits a proven call once, and answers each mistake with its 4xx', async () => {
    const body = utf8(JSON.stringify({ id: 'p1', instance: '1' }));
    const sig = signHookCall(courier, TEST_CHAIN_ID, contractAddress(addressOf(owner), 0), 'delivery', body);
    const post = (path: string, b: Uint8Array | string, headers: Record<string, string> = {}): Promise<number> => call(path, { method: 'POST', body: b, headers });
    expect(await post(`/hooks/${contract}/delivery`, body, { [SIGNATURE_HEADER]: sig })).toBe(202);
    expect(await post(`/hooks/${contract}/delivery`, body, { [SIGNATURE_HEADER]: sig })).toBe(409);
    expect(submitted).toHaveLength(1);
    const tx = decodeTx(submitted[0] as Uint8Array);
    expect(tx.body.msg).toMatchObject({ type: 'attestHook', hook: 'delivery' });
    expect(await post(`/hooks/${contract}/receipt`, '{"id":"r"}', { [SIGNATURE_HEADER]: hmacHookCall(SECRET, utf8('{"id":"r"}')) })).toBe(202);
    expect(await post(`/hooks/${contract}/receipt`, '{"id":"r2"}', { [SIGNATURE_HEADER]: hmacHookCall('another-secret-of-16+', utf8('{"id":"r2"}')) })).toBe(401);
    expect(await post(`/hooks/${contract}/elsewhere`, '{"id":"r"}')).toBe(403);
    expect(await post(`/hooks/0x${'00'.repeat(20)}/delivery`, body)).toBe(404);
    // A body streamed without a length, past the limit: drained and refused with a clean 413.
    const streamed = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(8 * 1024).fill(0x20));
        controller.close();
      },
    });
    expect(await call(`/hooks/${contract}/delivery`, { method: 'POST', body: streamed, headers: { [SIGNATURE_HEADER]: sig }, duplex: 'half' } as RequestInit)).toBe(413);
    expect(submitted).toHaveLength(2);
  });

  it('never answers a 5xx to generated calls, and submits only proven new events', async () => {
    const before = submitted.length;
    const segment = fc.oneof(fc.constant(contract), fc.constant('delivery'), fc.constant('receipt'), fc.string({ maxLength: 12 }), fc.constant('..'), fc.constant('%00'));
    const path = fc.oneof(
      fc.array(segment, { maxLength: 4 }).map((parts) => `/hooks/${parts.join('/')}`),
      fc.constantFrom('/', '/hooks', `/hooks/${contract}`, `/hooks/${contract}/delivery?x=1`, `/hooks/${contract.toUpperCase()}/delivery`),
    );
    const body = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.record({ id: fc.string({ maxLength: 140 }), instance: fc.oneof(fc.string({ maxLength: 5 }), fc.constant('1')), data: fc.anything({ maxDepth: 2 }) }).map((o) => JSON.stringify(o)),
      fc.nat({ max: 40 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
    );
    const header = fc.oneof(fc.constant(undefined), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 128, maxLength: 128 }), fc.string({ maxLength: 140 }), fc.constant('sha256=' + '0'.repeat(64)));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('POST', 'GET', 'PUT', 'DELETE'), path, body, header, async (method, p, b, sig) => {
        const status = await call(p, { method, ...(method === 'GET' ? {} : { body: b }), headers: sig === undefined ? {} : { [SIGNATURE_HEADER]: sig } }).catch(() => 400);
        expect(status, `${method} ${p}`).toBeGreaterThanOrEqual(400);
        expect(status, `${method} ${p}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    expect(submitted.length).toBe(before);
  }, 60_000);
});

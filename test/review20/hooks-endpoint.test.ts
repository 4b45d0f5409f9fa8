/**
 * Review of issue 20 (webhooks): the node's endpoint over real HTTP, in front of the real
 * application holding examples/delivery. Honest calls wrongly refused, slots held by stalled
 * bodies, and answers that never arrive.
 */
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { DEFAULT_APP_PARAMS } from '../../src/app/params.js';
import { hookAccount } from '../../src/app/hooks/records.js';
import { Attester, type AttesterNode } from '../../src/hooks/attester.js';
import { hmacHookCall, signHookCall, SIGNATURE_HEADER } from '../../src/hooks/auth.js';
import { HookEndpoint, startWebhookServer, type WebhookServer } from '../../src/hooks/server.js';
import { parseConfig, type WebhooksConfig } from '../../src/node/config.js';
import { silentLogger } from '../../src/node/logger.js';
import type { NodeApi } from '../../src/node/api.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { deployTx } from '../support/contract-txs.js';
import { addressOf, testKey, TEST_CHAIN_ID, transfer } from '../support/nodes.js';

const EXAMPLE = new URL('../../examples/delivery/', import.meta.url);
const attester = testKey(0);
const owner = testKey(1);
const courier = testKey(20);
const SECRET = 'a-secret-of-sixteen-or-more';

describe('review 20: the webhook endpoint', () => {
  let h: AppHarness;
  let contract: string;
  let address: Uint8Array;
  const submitted: Uint8Array[] = [];
  const servers: WebhookServer[] = [];
  const sockets: Socket[] = [];
  let node: AttesterNode & Pick<NodeApi, 'query'>;

  const start = async (webhooks: Record<string, unknown>): Promise<WebhookServer> => {
    // The config as an operator writes it in config.json, parsed as the node parses it.
    const config: WebhooksConfig = { ...parseConfig({ webhooks: { enabled: true, attester_key: 'operator', port: 0, ...webhooks } }).webhooks, port: 0 };
    const server = await startWebhookServer(new HookEndpoint(node, new Attester(node, attester), config, silentLogger()), config, silentLogger());
    servers.push(server);
    return server;
  };

  beforeAll(async () => {
    h = await appHarness(2, 1_000n * ONE_CMT);
    const hooks = JSON.stringify({
      delivery: { auth: 'ed25519', keys: [toHex(courier.publicKey)], attesters: [formatAddress(addressOf(attester)), formatAddress(addressOf(owner))], quorum: 2, signal: 'delivered' },
      // A hook name with a capital letter, as the spec allows (letters, digits, _ and -).
      Receipt: { auth: 'hmac', attesters: [formatAddress(addressOf(attester))], quorum: 1, method: 'receipt' },
    });
    const files = { 'delivery.jpdl.xml': readFileSync(new URL('delivery.jpdl.xml', EXAMPLE), 'utf8'), 'hooks.json': hooks };
    address = contractAddress(addressOf(owner), 0);
    contract = formatAddress(address);
    const res = await h.runBlock([deployTx(owner, 0, readFileSync(new URL('contract.js', EXAMPLE), 'utf8'), { files }), transfer(owner, { nonce: 1, to: hookAccount(address), amount: 10n * ONE_CMT })]);
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0]);
    node = {
      status: () => ({ chainId: TEST_CHAIN_ID }) as ReturnType<AttesterNode['status']>,
      account: (a) => ({ address: a, balance: 0n, nonce: 0, pendingNonce: h.app.pendingNonce(a), height: h.height }),
      params: () => ({ app: DEFAULT_APP_PARAMS, consensus: DEFAULT_CONSENSUS_PARAMS, baseFee: h.app.baseFee() }),
      broadcastTx: async (tx) => {
        submitted.push(tx);
        return { code: 0, log: '', gasWanted: 0, gasUsed: 0, events: [], hash: new Uint8Array(32), codespace: '' } as unknown as Awaited<ReturnType<AttesterNode['broadcastTx']>>;
      },
      query: async (request) => h.app.query(request),
    };
  }, 30_000);

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    for (const s of servers) await s.close();
    await h?.close();
  });

  it('attests an HMAC hook whose name has a capital letter, with the secret its operator configured for it', async () => {
    const server = await start({ secrets: { [`${contract}/Receipt`]: SECRET } });
    const body = '{"id":"r-1","order":"1"}';
    const res = await fetch(`${server.url}/hooks/${contract}/Receipt`, { method: 'POST', body, headers: { [SIGNATURE_HEADER]: hmacHookCall(SECRET, utf8(body)) } });
    const answer = (await res.json()) as { code?: string };
    // parseConfig lower-cases the whole "0x<contract>/<hook>" key, the hook name included; the endpoint looks
    // the secret up with the hook's name as declared: NO_SECRET, for ever, for every such hook.
    expect(res.status, JSON.stringify(answer)).toBe(202);
  });

  it('attests again when its earlier attestation never made it into a block (its nonce was taken)', async () => {
    const server = await start({});
    const body = utf8(JSON.stringify({ id: 'parcel-retry', instance: '1' }));
    const sig = signHookCall(courier, TEST_CHAIN_ID, address, 'delivery', body);
    const post = async (): Promise<number> => (await fetch(`${server.url}/hooks/${contract}/delivery`, { method: 'POST', body, headers: { [SIGNATURE_HEADER]: sig } })).status;
    const count = submitted.length;
    expect(await post()).toBe(202);
    expect(submitted.length).toBe(count + 1);
    // The operator's own transaction (sent through another node, say) takes the attestation's nonce; the
    // attestation can then never be included: a block with it refuses it, and nothing is recorded.
    const attestation = submitted[count] as Uint8Array;
    const taken = await h.runBlock([transfer(attester, { nonce: h.nonce(addressOf(attester)), to: addressOf(owner), amount: 1n })]);
    expect(taken.txResults[0]?.code).toBe(0);
    const stale = await h.runBlock([attestation]);
    expect(stale.txResults[0]?.code).not.toBe(0);
    const record = h.app.query({ path: '/hooks/event', data: utf8(JSON.stringify({ contract, hook: 'delivery', id: 'parcel-retry' })), height: 0, prove: false });
    expect(record.code, 'the chain holds no attestation of the event').not.toBe(0);
    // The caller retries: this node has not attested (nothing on chain, nothing pending), yet it answers 409.
    expect(await post()).toBe(202);
  });

  it('does not let a few stalled bodies hold every slot for tens of seconds', async () => {
    const server = await start({ max_in_flight: 2 });
    const { port } = server;
    // Two connections send the headers of a call to a real hook this node attests, then never send the body.
    for (let i = 0; i < 2; i++) {
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => undefined);
      await new Promise<void>((resolve) => s.once('connect', () => resolve()));
      s.write(`POST /hooks/${contract}/delivery HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{`);
    }
    await new Promise((r) => setTimeout(r, 6_000));
    const body = utf8(JSON.stringify({ id: 'parcel-slow', instance: '1' }));
    const res = await fetch(`${server.url}/hooks/${contract}/delivery`, { method: 'POST', body, headers: { [SIGNATURE_HEADER]: signHookCall(courier, TEST_CHAIN_ID, address, 'delivery', body) } });
    const answer = (await res.json()) as { code?: string };
    expect(res.status, `an honest call 6 s after two stalled bodies: ${JSON.stringify(answer)}`).toBe(202);
  }, 20_000);

  it('answers 413 to a chunked body over the limit (no Content-Length)', async () => {
    const server = await start({ max_body_bytes: 1024 });
    const big = utf8(JSON.stringify({ id: 'big', instance: '1', pad: 'x'.repeat(64 * 1024) }));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < big.length; i += 4096) controller.enqueue(big.subarray(i, i + 4096));
        controller.close();
      },
    });
    const status = await fetch(`${server.url}/hooks/${contract}/delivery`, { method: 'POST', body: stream, duplex: 'half', headers: { [SIGNATURE_HEADER]: 'ab'.repeat(64) } } as RequestInit)
      .then((r) => r.status)
      .catch((err: unknown) => `no answer: ${String((err as Error).cause ?? err)}`);
    expect(status).toBe(413);
  });
});

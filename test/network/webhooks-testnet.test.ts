/**
 * Webhooks on a 4-validator testnet of real node processes (spec/webhooks.md): examples/delivery
 * with its delivery hook declared by `cmt hooks declare` (3 of the 4 validators' operator
 * accounts must attest, callers sign with the courier's Ed25519 key). The courier's call posted
 * to 3 nodes moves the order to "delivered" and the seller collects; posted to 1 node it moves
 * nothing; a replayed or forged call, an unknown hook, a bad body, an oversize body and a node
 * that is not an attester each get their HTTP status and put nothing on chain.
 */
import { cp, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { parseAddress } from '../../src/crypto/address.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { signHookCall, SIGNATURE_HEADER } from '../../src/hooks/auth.js';
import type { TestnetManifest, TestnetNode } from '../../src/node/testnet-homes.js';
import { rpcUrlOf, waitForHeights } from '../../src/cli/testnet-processes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { cmt } from '../support/cli.js';
import { startTestnet, type RunningTestnet } from '../support/running-testnet.js';

const EXAMPLE = new URL('../../examples/delivery', import.meta.url).pathname;

interface EventView {
  status: string;
  votes: Record<string, string[]>;
}

describe('webhooks on a 4-validator testnet', () => {
  let testnet: RunningTestnet;
  let dir: { path: string };
  let net: TestnetManifest;
  let contract: string;
  const courier = generateKeyPair();
  const node = (i: number): TestnetNode => net.nodes[i] as TestnetNode;
  const hookUrl = (i: number, hook = 'delivery'): string => `http://127.0.0.1:${node(i).webhookPort}/hooks/${contract}/${hook}`;
  const rpc = (i: number): RpcClient => new RpcClient(rpcUrlOf(node(i)));
  const run = async (i: number, args: string[]): Promise<Record<string, unknown>> => {
    const res = await cmt([...args, '--home', node(i).home, '--node', rpcUrlOf(node(i)), '-o', 'json'], {});
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
    return JSON.parse(res.stdout) as Record<string, unknown>;
  };
  const post = async (i: number, body: string, o: { signature?: string; hook?: string } = {}): Promise<{ status: number; answer: Record<string, unknown> }> => {
    const bytes = utf8(body);
    const signature = o.signature ?? signHookCall(courier, net.chainId, parseAddress(contract), o.hook ?? 'delivery', bytes);
    const res = await fetch(hookUrl(i, o.hook), { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature }, body: bytes });
    return { status: res.status, answer: (await res.json()) as Record<string, unknown> };
  };
  const event = (id: string): Promise<EventView | undefined> => rpc(0).call<EventView>('hook_event', { contract, hook: 'delivery', id }).catch(() => undefined);
  /** Waits block by block until `done` holds of the event on node 0. */
  const eventUntil = async (id: string, done: (e: EventView | undefined) => boolean): Promise<EventView | undefined> => {
    for (let i = 0; i < 60; i++) {
      const e = await event(id);
      if (done(e)) return e;
      const height = Number((await rpc(0).call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
      await waitForHeights([node(0)], height + 1, 30_000);
    }
    throw new Error(`event ${id} never reached the state wanted`);
  };

  beforeAll(async () => {
    testnet = await startTestnet('webhooks-test', 4);
    net = testnet.net;
    dir = { path: testnet.dir };
    // The bundle: the example, and its delivery hook declared for this testnet's validators.
    const bundle = await mkdtemp(join(dir.path, 'delivery-'));
    await cp(EXAMPLE, bundle, { recursive: true });
    const declared = await cmt(['hooks', 'declare', bundle, 'delivery', '--attesters', 'account0,account1,account2,account3', '--quorum', '3', '--keys', toHex(courier.publicKey), '--signal', 'delivered', '--home', node(0).home]);
    expect(declared.code, declared.stderr).toBe(0);
    const deployed = await run(0, ['contract', 'deploy', bundle, '--from', 'account0']);
    contract = deployed.address as string;
    const hooks = await run(0, ['hooks', 'show', contract]);
    await run(0, ['tx', 'send', '--from', 'account0', '--to', hooks.account as string, '--amount', '10cmt']);
  }, 120_000);

  /** `run` of a transaction through node0, then every node holds its block: the other nodes' endpoints check the chain they have. */
  const onEveryNode = async (args: string[]): Promise<Record<string, unknown>> => {
    const sent = await run(0, args);
    await waitForHeights(net.nodes, Number(sent.height), 30_000);
    return sent;
  };

  afterAll(async () => testnet?.stop());

  it('a delivery posted to 3 of 4 nodes moves the purchase forward, and the seller collects', async () => {
    const seller = (net.accounts[1] as { address: string }).address.toLowerCase();
    // The order's block also follows the hook account's funding on every node before the posts.
    const ordered = await onEveryNode(['contract', 'call', contract, 'order', '--args', JSON.stringify([seller, 'bike']), '--value', '5cmt', '--from', 'account0']);
    expect(ordered.result).toBe('1');
    const body = JSON.stringify({ id: 'parcel-1', instance: '1', data: { courier: 'ACME' } });
    const answers = await Promise.all([0, 1, 2].map((i) => post(i, body)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    const applied = await eventUntil('parcel-1', (e) => e?.status === 'applied');
    expect(Object.values(applied?.votes ?? {})[0]).toHaveLength(3);
    // The seller collects through node1, whose dry run must see the event node0 saw applied.
    const seen = Number((await rpc(0).call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
    await waitForHeights(net.nodes, seen, 30_000);
    const collected = await run(1, ['contract', 'call', contract, 'collect', '--args', '["1"]', '--from', 'account1']);
    expect(collected.status).toBe('success');
  }, 120_000);

  it('posted to 1 node it does not; replays, forgeries and bad calls get their status and change nothing', async () => {
    const seller = (net.accounts[1] as { address: string }).address.toLowerCase();
    const ordered = await onEveryNode(['contract', 'call', contract, 'order', '--args', JSON.stringify([seller, 'car']), '--value', '5cmt', '--from', 'account0']);
    expect(ordered.result).toBe('2');
    const body = JSON.stringify({ id: 'parcel-2', instance: '2' });
    expect((await post(3, body)).status).toBe(202);
    const pending = await eventUntil('parcel-2', (e) => e !== undefined);
    expect(pending?.status).toBe('pending');
    // Replays: the same call to the same node, and the delivered event to any node.
    expect(await post(3, body)).toMatchObject({ status: 409, answer: { code: 'ALREADY_ATTESTED' } });
    const old = JSON.stringify({ id: 'parcel-1', instance: '1', data: { courier: 'ACME' } });
    expect(await post(3, old)).toMatchObject({ status: 409, answer: { code: 'ALREADY_DELIVERED' } });
    // Forged: a signature by another key, or the courier's over another body.
    const other = generateKeyPair();
    expect((await post(0, body, { signature: signHookCall(other, net.chainId, parseAddress(contract), 'delivery', utf8(body)) })).status).toBe(401);
    expect((await post(0, body, { signature: signHookCall(courier, net.chainId, parseAddress(contract), 'delivery', utf8(old)) })).status).toBe(401);
    expect((await post(0, body, { signature: 'zz' })).status).toBe(401);
    expect((await post(0, body, { hook: 'nope' })).status).toBe(404);
    expect((await post(0, '{"instance":"2"}')).status).toBe(400);
    expect((await post(0, 'x'.repeat(20_000))).status).toBe(413);
    expect((await fetch(hookUrl(0), { method: 'GET' })).status).toBe(405);
    // The same through the CLI a caller would use: one node, a forged key, nothing on chain.
    const viaCli = await cmt(['hooks', 'post', contract, 'delivery', '--url', `http://127.0.0.1:${node(1).webhookPort}`, '--data', body, '--key', 'account2', '--home', node(1).home, '-o', 'json']);
    expect(viaCli.code).toBe(1);
    expect((JSON.parse(viaCli.stdout) as { status: number }[])[0]?.status).toBe(401);
    // Nothing of that reached the chain: a few blocks on, one vote, and order 2 still in transit.
    const height = Number((await rpc(0).call<{ sync_info: { latest_block_height: string } }>('status')).sync_info.latest_block_height);
    await waitForHeights(net.nodes, height + 3, 60_000);
    const still = await event('parcel-2');
    expect(still?.status).toBe('pending');
    expect(Object.values(still?.votes ?? {}).flat()).toHaveLength(1);
    expect(Object.values((await event('parcel-1'))?.votes ?? {}).flat()).toHaveLength(3);
    const collect = await cmt(['contract', 'call', contract, 'collect', '--args', '["2"]', '--from', 'account1', '--home', node(1).home, '--node', rpcUrlOf(node(1))]);
    expect(collect.code).not.toBe(0);
    expect(collect.stderr).toContain('not delivered');
  }, 120_000);
});

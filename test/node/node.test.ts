import { readdir, writeFile } from 'node:fs/promises';
import WebSocket from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { BlockHeader, headerHash } from '../../src/codec/block.js';
import { fromHex, to0x, toHex } from '../../src/codec/bytes.js';
import { decode } from '../../src/codec/schema.js';
import { txHash } from '../../src/codec/tx.js';
import { Commit } from '../../src/codec/vote.js';
import { formatAddress } from '../../src/crypto/address.js';
import { verifyCommit } from '../../src/consensus/commit.js';
import { TxCode } from '../../src/app/errors.js';
import { verifyAccountProof } from '../../src/cli/verify-account-proof.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, waitForHeight, type RunningTestNode, type TestHome } from '../support/nodes.js';

const alice = testKey(0);
const bob = testKey(1);
const hex = (b: Uint8Array): string => to0x(b);

describe('a single-validator node with its RPC', () => {
  let home: TestHome;
  let running: RunningTestNode;
  beforeEach(async () => {
    home = await makeTestHome();
    running = await startTestNode(home.home);
  });
  afterEach(async () => {
    await running.stop();
    await home.cleanup();
  });

  it('commits blocks whose commits verify against the validator set', async () => {
    await waitForHeight(running.node, 3);
    const { client } = running;
    const status = await client.call<{ sync_info: { latest_block_height: string; earliest_block_height: string; earliest_block_hash: string }; node_info: { network: string } }>('status');
    expect(Number(status.sync_info.latest_block_height)).toBeGreaterThanOrEqual(3);
    expect(status.sync_info.earliest_block_height).toBe('1');
    const block1 = await client.call<{ block_id: { hash: string } }>('block', { height: 1 });
    expect(status.sync_info.earliest_block_hash).toBe(block1.block_id.hash);
    expect(status.node_info.network).toBe('cmt-test');
    const c = await client.call<{ raw_header: string; raw_commit: string; canonical: boolean }>('commit', { height: 2 });
    expect(c.canonical).toBe(true);
    const header = decode(BlockHeader, fromHex(c.raw_header));
    const commit = decode(Commit, fromHex(c.raw_commit));
    const set = await running.node.validators(2);
    expect(() => verifyCommit('cmt-test', set!.set, 2, headerHash(header), commit)).not.toThrow();
    const block3 = await client.call<{ block: { header: { last_block_id: { hash: string } } } }>('block', { height: 3 });
    expect(block3.block.header.last_block_id.hash).toBe(toHex(headerHash(header)).toUpperCase());
  });

  it('serves Prometheus metrics and net_info', async () => {
    await waitForHeight(running.node, 2);
    const res = await fetch(`${running.rpc.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const height = Number(/^cmt_consensus_height (\d+)$/m.exec(text)?.[1]);
    expect(height).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/^cmt_consensus_blocks_total \d+$/m);
    expect(text).toMatch(/^cmt_mempool_size 0$/m);
    expect(text).toMatch(/^cmt_consensus_wal_bytes \d+$/m);
    expect(text).toContain('cmt_consensus_block_interval_seconds_bucket');
    const net = await running.client.call<{ listening: boolean; n_peers: string; listeners: string[] }>('net_info');
    const status = await running.client.call<{ node_info: { other: { peer_id: string } } }>('status');
    expect(net.listening).toBe(true);
    expect(net.n_peers).toBe('0');
    expect(net.listeners[0]).toMatch(new RegExp(`/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${status.node_info.other.peer_id}$`));
  });

  it('commits a transfer through broadcast_tx_commit and indexes it', async () => {
    const tx = transfer(alice, { nonce: 0, to: addressOf(bob), amount: 5n * ONE_CMT });
    const res = await running.client.call<{ check_tx: { code: number }; tx_result: { code: number }; height: string; hash: string }>('broadcast_tx_commit', { tx: hex(tx) });
    expect(res.check_tx.code).toBe(0);
    expect(res.tx_result.code).toBe(0);
    expect(res.hash).toBe(toHex(txHash(tx)).toUpperCase());
    const found = await running.client.call<{ height: string; tx_result: { code: number; events: { type: string }[] } }>('tx', { hash: res.hash });
    expect(found.height).toBe(res.height);
    expect(found.tx_result.events.map((e) => e.type)).toContain('transfer');
    const bobAccount = await running.client.call<{ balance: string }>('account', { address: formatAddress(addressOf(bob)) });
    expect(BigInt(bobAccount.balance)).toBe(1_000_005n * ONE_CMT);
  });

  it('accepts consecutive nonces sent in one batch and commits them all', async () => {
    const txs = [0, 1, 2, 3, 4].map((nonce) => transfer(alice, { nonce, to: addressOf(bob), amount: 1n }));
    // Waiting from before the batch is sent, so no commit can slip past the waiters.
    const committed = Promise.all(txs.map((tx) => running.node.events.waitForTx(txHash(tx), 25_000)));
    committed.catch(() => undefined); // awaited below, once the answers are checked
    const answers = await running.client.batch(txs.map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: hex(tx) } })));
    expect(answers.map((a) => (a.ok ? (a.result as { code: number }).code : -1))).toEqual([0, 0, 0, 0, 0]);
    const pending = await running.client.call<{ nonce: string; pending_nonce: string }>('account', { address: formatAddress(addressOf(alice)) });
    expect(Number(pending.pending_nonce)).toBeGreaterThanOrEqual(Number(pending.nonce));
    await committed;
    const after = await running.client.call<{ nonce: string }>('account', { address: formatAddress(addressOf(alice)) });
    expect(after.nonce).toBe('5');
  });

  it('answers bad input with JSON-RPC errors and keeps running', async () => {
    const { client } = running;
    await expect(client.call('no_such_method')).rejects.toMatchObject({ rpcCode: -32601 });
    await expect(client.call('block', { height: 'ten' })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(client.call('block', { height: 1_000_000 })).rejects.toMatchObject({ rpcCode: -32001 });
    await expect(client.call('tx', { hash: '0x1234' })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(client.call('account', { address: '0xnothex' })).rejects.toMatchObject({ rpcCode: -32602 });
    await expect(client.call('broadcast_tx_sync', { tx: 'not hex or base64!' })).rejects.toMatchObject({ rpcCode: -32602 });
    const garbage = await client.call<{ code: number; log: string }>('broadcast_tx_sync', { tx: '0xc30102' });
    expect(garbage.code).toBe(TxCode.TX_DECODE);
    const replayOther = await client.call<{ code: number }>('broadcast_tx_sync', { tx: hex(transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n, chainId: 'elsewhere' })) });
    expect(replayOther.code).toBe(TxCode.WRONG_CHAIN_ID);

    const raw = async (body: string): Promise<{ status: number; json: { error?: { code: number } } }> => {
      const r = await fetch(running.rpc.url, { method: 'POST', body });
      return { status: r.status, json: (await r.json()) as { error?: { code: number } } };
    };
    expect((await raw('{not json')).json.error?.code).toBe(-32700);
    expect((await raw('{"jsonrpc":"1.0","method":"status"}')).json.error?.code).toBe(-32600);
    expect((await raw('[]')).json.error?.code).toBe(-32600);
    const tooBig = await raw(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: { pad: 'x'.repeat(11 * 1024 * 1024) } }));
    expect(tooBig.status).toBe(413);
    const getUnknown = await fetch(`${running.rpc.url}/nope`);
    expect(getUnknown.status).toBe(404);
    // Still alive and committing.
    const h = running.node.status().latestBlockHeight;
    await waitForHeight(running.node, h + 1);
  });

  it('pushes NewBlock and Tx events over WebSocket, and refuses subscriptions past the limit', async () => {
    const ws = new WebSocket(running.rpc.url.replace('http', 'ws') + '/websocket');
    const messages: { id?: number; result?: { query?: string; data?: { type: string } }; error?: { code: number; data?: string } }[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (m) => {
      messages.push(JSON.parse(m.toString()));
      waiters.splice(0).forEach((w) => w());
    });
    const next = (pred: (m: (typeof messages)[number]) => boolean): Promise<(typeof messages)[number]> =>
      new Promise((resolve) => {
        const check = (): void => {
          const found = messages.find(pred);
          if (found) resolve(found);
          else waiters.push(check);
        };
        check();
      });
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } }));
    const tx = transfer(alice, { nonce: 0, to: addressOf(bob), amount: 1n });
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'subscribe', params: { query: `tm.event='Tx' AND tx.hash='${toHex(txHash(tx)).toUpperCase()}'` } }));
    await next((m) => m.id === 2 && m.result !== undefined);
    await running.client.call('broadcast_tx_sync', { tx: hex(tx) });
    expect((await next((m) => m.id === 1 && m.result?.data?.type === 'tendermint/event/NewBlock')).result?.query).toBe("tm.event='NewBlock'");
    expect((await next((m) => m.id === 2 && m.result?.data?.type === 'tendermint/event/Tx')).result?.data?.type).toBe('tendermint/event/Tx');
    for (let i = 0; i < 100; i++) ws.send(JSON.stringify({ jsonrpc: '2.0', id: 100 + i, method: 'subscribe', params: { query: `block.height=${1000 + i}` } }));
    const refused = await next((m) => m.error !== undefined && (m.id ?? 0) >= 100);
    expect(refused.error?.code).toBe(-32003);
    expect(refused.error?.data).toMatch(/at most 100 subscriptions/);
    ws.close();
  });

  it('serves account proofs that verify against a signed header, and detects tampering', async () => {
    await waitForHeight(running.node, 2);
    const client = running.client;
    const answer = await client.call<{ balance: string; nonce: string; height: string; proof: { proof: string; key: string; value: string | null; header_height: string } }>('account', {
      address: formatAddress(addressOf(alice)),
      prove: true,
    });
    const check = await verifyAccountProof(client, answer);
    expect(check.signedPower).toBe(check.totalPower);
    await expect(verifyAccountProof(client, { ...answer, balance: '1' })).rejects.toMatchObject({ code: 'PROOF_INVALID' });
    const value = fromHex(answer.proof.value as string);
    value[value.length - 1] = (value[value.length - 1] ?? 0) ^ 1;
    await expect(verifyAccountProof(client, { ...answer, proof: { ...answer.proof, value: hex(value) } })).rejects.toMatchObject({ code: 'PROOF_INVALID' });
    // An absent account is proven absent.
    const nobody = await client.call<typeof answer>('account', { address: formatAddress(new Uint8Array(20).fill(7)), prove: true });
    expect(nobody.balance).toBe('0');
    await expect(verifyAccountProof(client, nobody)).resolves.toBeDefined();
  });
});

describe('restarting a node', () => {
  it('continues from the last height with the same state root and balances', async () => {
    const home = await makeTestHome();
    try {
      let running = await startTestNode(home.home);
      const tx = transfer(alice, { nonce: 0, to: addressOf(bob), amount: 5n * ONE_CMT });
      await running.client.call('broadcast_tx_commit', { tx: hex(tx) });
      const before = running.node.status();
      await running.stop();
      running = await startTestNode(home.home);
      const after = running.node.status();
      expect(after.latestBlockHeight).toBe(before.latestBlockHeight);
      expect(after.latestAppHash).toEqual(before.latestAppHash);
      const bobAccount = await running.client.call<{ balance: string }>('account', { address: formatAddress(addressOf(bob)) });
      expect(BigInt(bobAccount.balance)).toBe(1_000_005n * ONE_CMT);
      await waitForHeight(running.node, after.latestBlockHeight + 2);
      await running.stop();
    } finally {
      await home.cleanup();
    }
  });

  it('refuses to open a home whose state database is corrupt, naming it', async () => {
    const home = await makeTestHome();
    try {
      const running = await startTestNode(home.home);
      await waitForHeight(running.node, 2);
      await running.stop();
      const stateDir = `${home.home}/data/state`;
      for (const f of await readdir(stateDir)) if (f.startsWith('MANIFEST') || f === 'CURRENT') await writeFile(`${stateDir}/${f}`, 'not a manifest');
      await expect(startTestNode(home.home)).rejects.toMatchObject({ message: expect.stringContaining(stateDir) });
    } finally {
      await home.cleanup();
    }
  });
});

describe('a node that retains only its last blocks', () => {
  it('prunes older blocks and their index after each commit, and keeps committing', async () => {
    const home = await makeTestHome(4, {
      config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, verifierThreads: 1, storage: { retainBlocks: 3 } }),
    });
    const running = await startTestNode(home.home);
    try {
      await waitForHeight(running.node, 8);
      const status = await running.client.call<{ sync_info: { earliest_block_height: string; latest_block_height: string } }>('status');
      const latest = Number(status.sync_info.latest_block_height);
      expect(Number(status.sync_info.earliest_block_height)).toBeGreaterThanOrEqual(latest - 3);
      await expect(running.client.call('block', { height: 1 })).rejects.toThrow(/not available|not found/i);
      expect((await running.client.call<{ block: { header: { height: string } } }>('block', { height: latest })).block.header.height).toBe(String(latest));
    } finally {
      await running.stop();
      await home.cleanup();
    }
  });
});

/**
 * `npm run bench -- transfers [--txs N] [--senders S] [--window W] [--rate R] [--batch B] [--block-time MS]`
 *
 * A single-validator node in its own process, fed pre-signed transfers from many senders
 * through its JSON-RPC (batches of broadcast_tx_sync over a few connections, each owning a
 * share of the senders so every sender's nonces arrive in order). Commits are observed on the
 * WebSocket (NewBlock events). Closed loop by default: at most W transactions outstanding;
 * with --rate R, open loop at R tx/s. Prints committed tx/s, submit-to-commit latency
 * percentiles, block interval and transactions per block.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import WebSocket from 'ws';
import { bytesKey } from '../src/codec/bytes.js';
import { ONE_CMT } from '../src/codec/amount.js';
import { sha256 } from '../src/codec/hash.js';
import { BulkSigner } from '../src/crypto/bulk-signer.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { keyPairFromSeed } from '../src/crypto/ed25519.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { initHome } from '../src/node/init-home.js';
import { spawnNode } from '../src/cli/node-process.js';
import { RpcClient } from '../src/rpc/client.js';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { parseNumericOptions, percentile, type LoadOptions } from './support-options.js';

type Options = LoadOptions;

function parseArgs(args: string[]): Options {
  return parseNumericOptions<Options>(args, { txs: 60_000, senders: 2_000, window: 12_000, rate: 0, batch: 250, connections: 4, blockTime: 1000, profile: 0 }, 'transfers.ts');
}


export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-transfers-'));
  const keys = Array.from({ length: o.senders }, (_, i) => {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, i + 1);
    return keyPairFromSeed(seed);
  });
  await initHome({
    home: dir,
    chainId: 'cmt-bench',
    accounts: keys.map((k) => ({ address: addressFromPublicKey(k.publicKey), balance: 1_000_000n * ONE_CMT })),
    consensusParams: { timeouts: { nextBlockDelay: o.blockTime } },
    config: (c) => ({ ...c, logLevel: 'warn', rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 } }),
  });

  // Pre-sign: sender i's k-th transfer goes to sender i+1.
  const perSender = Math.ceil(o.txs / o.senders);
  const t0 = performance.now();
  const signers = keys.map((k) => new BulkSigner(k));
  const queues: { hex: string; hash: string }[][] = Array.from({ length: o.connections }, () => []);
  for (let n = 0; n < perSender; n++) {
    for (let s = 0; s < o.senders; s++) {
      const to = addressFromPublicKey((keys[(s + 1) % o.senders] as typeof keys[number]).publicKey);
      const signed = (signers[s] as BulkSigner).signTx({ chainId: 'cmt-bench', nonce: n, gasLimit: 30_000, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg: { type: 'transfer', to, amount: 1n } });
      (queues[s % o.connections] as { hex: string; hash: string }[]).push({ hex: '0x' + Buffer.from(signed.bytes).toString('hex'), hash: bytesKey(signed.hash) });
    }
  }
  const total = queues.reduce((s, q) => s + q.length, 0);
  console.log(`pre-signed ${total} transfers from ${o.senders} senders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  // --profile 1 writes a V8 CPU profile of the node to ./.scratch/profiles.
  const execArgv = o.profile ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), '.scratch', 'profiles')] : [];
  const node = await spawnNode({ home: dir, logLevel: 'info', logFile: join(dir, 'node.log'), execArgv });
  const submittedAt = new Map<string, number>();
  const latencies: number[] = [];
  const blocks: { time: number; txs: number }[] = [];
  let committed = 0;
  let rejected = 0;
  let firstRejection = '';
  let outstanding = 0;
  const waiters: (() => void)[] = [];
  let allCommitted: () => void = () => {};
  const done = new Promise<void>((resolve) => (allCommitted = resolve));

  const ws = new WebSocket(node.rpcUrl.replace('http', 'ws') + '/websocket', { maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } }));
  ws.on('message', (raw) => {
    const msg = JSON.parse(raw.toString()) as { result?: { data?: { value?: { block?: { data: { txs: string[] } } } } } };
    const txs = msg.result?.data?.value?.block?.data.txs;
    if (!txs) return;
    const now = performance.now();
    blocks.push({ time: now, txs: txs.length });
    for (const b64 of txs) {
      const key = bytesKey(sha256(Buffer.from(b64, 'base64')));
      const at = submittedAt.get(key);
      if (at === undefined) continue;
      submittedAt.delete(key);
      latencies.push(now - at);
      committed++;
      outstanding--;
    }
    waiters.splice(0).forEach((w) => w());
    if (committed + rejected >= total) allCommitted();
  });

  const startedAt = performance.now();
  const interval = o.rate > 0 ? (o.batch / o.rate) * 1000 * o.connections : 0;
  const feed = async (queue: { hex: string; hash: string }[]): Promise<void> => {
    const client = new RpcClient(node.rpcUrl);
    for (let i = 0; i < queue.length; i += o.batch) {
      const slice = queue.slice(i, i + o.batch);
      if (o.rate === 0) {
        while (outstanding + slice.length > o.window) await new Promise<void>((resolve) => waiters.push(resolve));
      } else {
        const due = startedAt + (i / o.batch) * interval;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
      const now = performance.now();
      for (const tx of slice) submittedAt.set(tx.hash, now);
      outstanding += slice.length;
      const answers = await client.batch(slice.map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: tx.hex } })));
      answers.forEach((a, j) => {
        const code = a.ok ? (a.result as { code: number; log: string }).code : -1;
        if (code !== 0) {
          rejected++;
          outstanding--;
          submittedAt.delete((slice[j] as { hash: string }).hash);
          firstRejection ||= a.ok ? (a.result as { log: string }).log : a.error.message;
        }
      });
      if (committed + rejected >= total) allCommitted();
    }
  };
  await Promise.all(queues.map((q) => feed(q)));
  const timeout = setTimeout(() => allCommitted(), 60_000);
  await done;
  clearTimeout(timeout);
  ws.close();
  await node.stop();

  latencies.sort((a, b) => a - b);
  const withTxs = blocks.filter((b) => b.txs > 0);
  const first = withTxs[0]?.time ?? startedAt;
  const last = withTxs[withTxs.length - 1]?.time ?? startedAt;
  const intervals = blocks.slice(1).map((b, i) => b.time - (blocks[i] as { time: number }).time).sort((a, b) => a - b);
  const seconds = (last - startedAt) / 1000;
  console.log(`mode: ${o.rate > 0 ? `open loop at ${o.rate} tx/s` : `closed loop, window ${o.window}`}, ${o.connections} connections, batches of ${o.batch}, block time ${o.blockTime} ms`);
  console.log(`committed: ${committed} of ${total} (${rejected} rejected${firstRejection ? `, first: ${firstRejection}` : ''})`);
  console.log(`committed tx/s: ${(committed / seconds).toFixed(0)} (submit start to last commit, ${seconds.toFixed(1)} s); between first and last block with txs: ${(committed / ((last - first) / 1000 || 1)).toFixed(0)}`);
  console.log(`latency submit->commit: p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(0)} ms`);
  console.log(`blocks: ${blocks.length}, interval p50 ${percentile(intervals, 50).toFixed(0)} ms, txs/block max ${Math.max(0, ...blocks.map((b) => b.txs))}, mean (non-empty) ${(committed / (withTxs.length || 1)).toFixed(0)}`);
  await rm(dir, { recursive: true, force: true });
}

/**
 * `npm run bench -- query-load [--blocks N] [--clients C] [--block-time MS]`
 *
 * A single-validator devnet in its own process. Block intervals (from header times) over N
 * blocks with no load, then over N blocks while C concurrent clients hammer it with batches of
 * contract queries and gas estimates of a method that loops for ever (spec/hostile-input.md,
 * "Free work"). Prints mean/p50/p95 of both, the relative change, and how many of the hostile
 * requests the node ran and refused. The goal is a change of at most 10%.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ONE_CMT } from '../src/codec/amount.js';
import { encodeBundle } from '../src/codec/bundle.js';
import { to0x } from '../src/codec/bytes.js';
import { addressFromPublicKey, parseAddress } from '../src/crypto/address.js';
import { keyPairFromSeed } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { DEFAULT_CONFIG } from '../src/node/config.js';
import { initHome } from '../src/node/init-home.js';
import { spawnNode } from '../src/cli/node-process.js';
import { RpcClient } from '../src/rpc/client.js';
import { parseNumericOptions, percentile } from './support-options.js';

const CHAIN = 'cmt-bench';
const SPIN = 'export function spin() { for (;;) {} }\n';

interface Figures {
  mean: number;
  p50: number;
  p95: number;
}

function figures(intervals: number[]): Figures {
  const sorted = [...intervals].sort((a, b) => a - b);
  return { mean: sorted.reduce((s, x) => s + x, 0) / (sorted.length || 1), p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

const show = (f: Figures): string => `mean ${f.mean.toFixed(0)} ms, p50 ${f.p50.toFixed(0)} ms, p95 ${f.p95.toFixed(0)} ms`;
const change = (a: number, b: number): string => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%`;

async function height(client: RpcClient): Promise<number> {
  const s = await client.call<{ sync_info: { latest_block_height: string } }>('status');
  return Number(s.sync_info.latest_block_height);
}

/** Intervals between the header times of blocks from-1 .. to. */
async function intervals(client: RpcClient, from: number, to: number): Promise<number[]> {
  const times: number[] = [];
  for (let h = from - 1; h <= to; h++) {
    const b = await client.call<{ block: { header: { time: string } } }>('block', { height: h });
    times.push(Date.parse(b.block.header.time));
  }
  return times.slice(1).map((t, i) => t - (times[i] as number));
}

async function waitBlocks(client: RpcClient, n: number): Promise<[number, number]> {
  const from = (await height(client)) + 1;
  while ((await height(client)) < from + n - 1) await sleep(100);
  return [from, from + n - 1];
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { blocks: 40, clients: 6, blockTime: 1000 }, 'query-load.ts');
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-query-'));
  const seed = new Uint8Array(32).fill(7);
  const key = keyPairFromSeed(seed);
  await initHome({
    home: dir,
    chainId: CHAIN,
    accounts: [{ address: addressFromPublicKey(key.publicKey), balance: 1_000n * ONE_CMT }],
    consensusParams: { timeouts: { nextBlockDelay: o.blockTime } },
    config: (c) => ({ ...c, logLevel: 'warn', rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 } }),
  });
  const node = await spawnNode({ home: dir, logLevel: 'info', logFile: join(dir, 'node.log') });
  try {
    const client = new RpcClient(node.rpcUrl);
    const body = { chainId: CHAIN, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '' };
    const bundle = encodeBundle([{ name: 'contract.js', content: new TextEncoder().encode(SPIN) }]);
    const deploy = signTx({ ...body, nonce: 0, gasLimit: 5_000_000, msg: { type: 'deployContract', bundle, initArgs: '', value: 0n } }, key);
    const deployed = await client.call<{ tx_result: { events: { type: string; attributes: { key: string; value: string }[] }[] } }>('broadcast_tx_commit', { tx: to0x(deploy.bytes) });
    const contract = deployed.tx_result.events.find((e) => e.type === 'contract_deployed')?.attributes.find((a) => a.key === 'contract')?.value;
    if (!contract) throw new Error('the contract did not deploy');
    const estimate = to0x(signTx({ ...body, nonce: 1, gasLimit: 500_000_000, msg: { type: 'callContract', contract: parseAddress(contract), method: 'spin', args: '[]', value: 0n } }, key).bytes);

    const quiet = await intervals(client, ...(await waitBlocks(client, o.blocks)));

    const perBatch = DEFAULT_CONFIG.query.maxPerBatch;
    const batch = JSON.stringify(
      Array.from({ length: perBatch }, (_, i) => ({ jsonrpc: '2.0', id: i, method: i % 2 ? 'contract_query' : 'estimate_gas', params: i % 2 ? { address: contract, method: 'spin' } : { tx: estimate } })),
    );
    let stop = false;
    let ran = 0;
    let refused = 0;
    const hammer = async (): Promise<void> => {
      while (!stop) {
        const res = await fetch(node.rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: batch });
        const answers = (await res.json()) as { error?: { code: number; data?: string }; result?: { code?: number } }[];
        for (const a of answers) {
          if (a.error?.code === -32003) refused++;
          else ran++;
        }
      }
    };
    const clients = Array.from({ length: o.clients }, hammer);
    const loaded = await intervals(client, ...(await waitBlocks(client, o.blocks)));
    stop = true;
    await Promise.all(clients);

    const q = figures(quiet);
    const l = figures(loaded);
    console.log(`devnet, 1 validator, next-block delay ${o.blockTime} ms, ${o.blocks} blocks per phase; ${o.clients} clients each sending batches of ${perBatch} endless-loop queries/estimates back to back`);
    console.log(`query gas limit ${DEFAULT_CONFIG.query.gasLimit}, at most ${DEFAULT_CONFIG.query.maxPerClient} per client, ${perBatch} per batch`);
    console.log(`no load:   ${show(q)}`);
    console.log(`hammered:  ${show(l)}`);
    console.log(`change:    mean ${change(q.mean, l.mean)}, p50 ${change(q.p50, l.p50)}, p95 ${change(q.p95, l.p95)} (goal: at most +10%)`);
    console.log(`hostile requests: ${ran} ran to out of gas, ${refused} refused (-32003)`);
  } finally {
    await node.stop();
  }
}

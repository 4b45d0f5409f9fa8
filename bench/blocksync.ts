/**
 * `npm run bench -- blocksync [--blocks N] [--txs T] [--senders S] [--keep 1]`
 *
 * Block sync throughput: how fast a fresh full node fetches, verifies and applies committed
 * blocks from a peer (ConsensusGossip.syncBlocks over libp2p request/response on loopback).
 *
 * 1. A testnet of one validator (node0) and one full node (node1, its key not in genesis) is
 *    created in a temporary directory; only node0 starts. Its genesis has a 1 ms next-block delay
 *    (other timeouts small), so it decides empty blocks back to back until height N (default
 *    10,000). With --txs T, T pre-signed transfers from S senders (funded in genesis) are
 *    submitted while it builds, so some blocks carry transactions.
 * 2. node0 is restarted without its validator key: it serves its blocks but makes no new ones,
 *    so the target height stays put and node1 has the machine to itself.
 * 3. node1 starts; its height is polled every 100 ms until it reaches node0's height.
 *
 * Prints the build rate, the time from launching node1 to its first synced block (start-up and
 * stall detection), and the sync rate in blocks/s (first synced block to the target, and from
 * launch). The directory is removed at the end unless --keep 1. The nodes are stopped on every
 * exit path, Ctrl-C included.
 */
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_CMT } from '../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { homePaths } from '../src/node/home.js';
import { createTestnet, type TestnetNode } from '../src/node/testnet-homes.js';
import { freePort, rpcUrlOf, stopNode } from '../src/cli/testnet-processes.js';
import { RpcClient } from '../src/rpc/client.js';
import { cpuBudgetLine, cpuSeconds, verificationMs } from './support-cpu.js';
import { fundInGenesis, NodeGuard, presign, readNodeLog, senderKeys, walletGasPrice, type SignedTransfer } from './support-nodes.js';
import { parseNumericOptions } from './support-options.js';

interface Options {
  blocks: number;
  txs: number;
  senders: number;
  keep: number;
}

const CHAIN_ID = 'cmt-bench-blocksync';

function parseArgs(args: string[]): Options {
  return parseNumericOptions<Options>(args, { blocks: 10_000, txs: 0, senders: 1_000, keep: 0 }, 'blocksync.ts');
}

async function height(client: RpcClient): Promise<number> {
  try {
    const status = await client.call<{ sync_info: { latest_block_height: string } }>('status');
    return Number(status.sync_info.latest_block_height);
  } catch {
    return -1;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const verifyMs = verificationMs();
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-blocksync-'));
  const guard = new NodeGuard(o.keep ? undefined : dir);
  let nodes: TestnetNode[] = [];
  try {
    const manifest = await createTestnet({
      dir,
      validators: 1,
      fullNodes: 1,
      chainId: CHAIN_ID,
      freePort,
      consensusParams: {
        ...DEFAULT_CONSENSUS_PARAMS,
        timeouts: { propose: 200, proposeDelta: 50, prevote: 50, prevoteDelta: 50, precommit: 50, precommitDelta: 50, nextBlockDelay: 1 },
      },
    });
    nodes = manifest.nodes;
    const [source, fresh] = nodes as [TestnetNode, TestnetNode];
    const keys = o.txs > 0 ? senderKeys(o.senders) : [];
    if (keys.length > 0) await fundInGenesis(nodes, keys, 1_000_000n * ONE_CMT);
    const queue: SignedTransfer[] = o.txs > 0 ? (presign(keys, Math.ceil(o.txs / o.senders), 1, CHAIN_ID, walletGasPrice(10))[0] as SignedTransfer[]) : [];

    // 1. Build the chain.
    const sourceClient = new RpcClient(rpcUrlOf(source));
    const buildStart = performance.now();
    await guard.launch(source);
    let submitted = 0;
    let rejected = 0;
    const submitting = (async () => {
      // Closed loop, one batch of 500 at a time: a few thousand transactions in flight at most.
      for (let i = 0; i < queue.length; i += 500) {
        while ((await sourceClient.call<{ n_txs: string }>('num_unconfirmed_txs').then((r) => Number(r.n_txs))) > 4_000) await sleep(100);
        const answers = await sourceClient.batch(queue.slice(i, i + 500).map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: tx.hex } })));
        for (const a of answers) {
          if (a.ok && (a.result as { code: number }).code === 0) submitted++;
          else rejected++;
        }
      }
    })();
    // Kept as a value, so a failure surfaces after the wait below instead of as an unhandled rejection.
    const submitOutcome = submitting.then(
      () => null,
      (err: unknown) => err,
    );
    let built = 0;
    let lastReport = performance.now();
    while ((built = await height(sourceClient)) < o.blocks) {
      if (performance.now() - lastReport > 30_000) {
        lastReport = performance.now();
        console.log(`  building: height ${built} after ${((lastReport - buildStart) / 1000).toFixed(0)} s`);
      }
      await sleep(250);
    }
    const submitError = await submitOutcome;
    if (submitError) throw submitError;
    const buildSeconds = (performance.now() - buildStart) / 1000;
    const sourceLog = await readNodeLog(source.home);
    const txBlocks = sourceLog.commits.filter((c) => c.txs > 0);
    const txsInChain = txBlocks.reduce((s, c) => s + c.txs, 0);
    console.log(
      `built: ${built} blocks in ${buildSeconds.toFixed(1)} s (${(built / buildSeconds).toFixed(0)} blocks/s, single validator, next-block delay 1 ms); ` +
        `${txsInChain} transfers in ${txBlocks.length} blocks (${submitted} accepted, ${rejected} rejected by CheckTx)`,
    );

    // 2. node0 serves the chain but stops making blocks: restarted without its validator key.
    await stopNode(source, 'SIGTERM', 30_000);
    // Without its key, and without the sign state that says it signed (the node refuses to start with one and not the other).
    const paths = homePaths(source.home);
    await rename(paths.privValidatorKey, `${paths.privValidatorKey}.away`);
    await rename(paths.privValidatorState, `${paths.privValidatorState}.away`);
    const sourcePid = await guard.launch(source);
    let target = await height(sourceClient);
    await sleep(1_000); // a replayed WAL may still finish the height it was deciding
    target = Math.max(target, await height(sourceClient));

    // 3. The fresh full node catches up.
    const freshClient = new RpcClient(rpcUrlOf(fresh));
    const launchedAt = performance.now();
    const pid = await guard.launch(fresh);
    const readyAt = performance.now();
    const cpuBefore = cpuSeconds(pid);
    const sourceCpuBefore = cpuSeconds(sourcePid);
    let firstAt = 0;
    let firstHeight = 0;
    let reached = 0;
    let lastProgress = performance.now();
    let previous = -1;
    const samples: { at: number; height: number }[] = [];
    for (;;) {
      const h = await height(freshClient);
      const now = performance.now();
      if (h > previous) {
        previous = h;
        lastProgress = now;
        samples.push({ at: now, height: h });
      }
      if (h > 0 && firstAt === 0) {
        firstAt = now;
        firstHeight = h;
      }
      if (h >= target) {
        reached = h;
        break;
      }
      if (now - lastProgress > 60_000) throw new Error(`node1 made no progress for 60 s at height ${h} (target ${target}); see ${join(fresh.home, 'node.log')}`);
      await sleep(100);
    }
    const doneAt = performance.now();
    const syncCpu = cpuSeconds(pid) - cpuBefore;
    const sourceCpu = cpuSeconds(sourcePid) - sourceCpuBefore;
    const syncSeconds = (doneAt - firstAt) / 1000;
    // The slowest 10-second stretch shows whether the rate holds up as the chain grows.
    let slowest = Infinity;
    for (const s of samples) {
      const later = samples.find((x) => x.at >= s.at + 10_000);
      if (later) slowest = Math.min(slowest, (later.height - s.height) / ((later.at - s.at) / 1000));
    }
    console.log(
      `node1 (fresh full node): process ready in ${((readyAt - launchedAt) / 1000).toFixed(1)} s, first synced block ${((firstAt - launchedAt) / 1000).toFixed(1)} s after launch (height ${firstHeight}), ` +
        `height ${reached} (target ${target}) after ${((doneAt - launchedAt) / 1000).toFixed(1)} s`,
    );
    console.log(
      `block sync: ${((reached - firstHeight) / syncSeconds).toFixed(0)} blocks/s (${reached - firstHeight} blocks in ${syncSeconds.toFixed(1)} s)` +
        `${Number.isFinite(slowest) ? `, slowest 10 s stretch ${slowest.toFixed(0)} blocks/s` : ''}; from launch: ${(reached / ((doneAt - launchedAt) / 1000)).toFixed(0)} blocks/s`,
    );
    console.log(
      `cpu while syncing: node1 ${syncCpu.toFixed(1)} s (${((syncCpu / ((doneAt - readyAt) / 1000)) * 100).toFixed(0)}% of one core, ${((syncCpu / (reached || 1)) * 1000).toFixed(2)} ms per block), ` +
        `node0 serving ${sourceCpu.toFixed(1)} s`,
    );
    // A synced transfer's signature is checked again, as in consensus: the same budget applies.
    if (txsInChain > 0) console.log(`node1 syncing: ${cpuBudgetLine([syncCpu], txsInChain, verifyMs)} (empty blocks' cost included)`);
  } finally {
    await guard.stopAll(nodes);
    if (o.keep) console.log(`kept ${dir} (each node's log is <home>/node.log)`);
    else await rm(dir, { recursive: true, force: true });
  }
}

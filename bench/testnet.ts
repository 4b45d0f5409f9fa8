/**
 * `npm run bench -- testnet [--txs N] [--senders S] [--window W] [--rate R] [--batch B]
 *   [--connections C] [--block-time MS] [--fee-cap X] [--validators V] [--keep 1] [--breakdown 1]`
 *
 * A local testnet of V validators (default 4), each a real `cmt start` process in a temporary
 * directory, with consensus over libp2p on loopback. S senders (default 2,000) are funded in
 * genesis and N pre-signed transfers (default 48,000) are submitted as JSON-RPC batches of
 * broadcast_tx_sync over C connections spread round-robin over the nodes (each connection owns
 * a share of the senders, so every sender's nonces reach one node, in order; tx gossip carries
 * them to the others). Commits are observed on node0's WebSocket (NewBlock events). Closed
 * loop by default (at most W transactions outstanding); with --rate R, open loop at R offers/s.
 * The clients act as wallets: a batch holds the next transaction of up to B senders, a sender's
 * next nonce goes once the node took the one before, and a transaction refused for a full
 * mempool is offered again in a later batch (after the next block in the closed loop). Offered
 * more than the chain commits, the run shows the refusals (how many, how fast the answers
 * came), the block interval and the latency from acceptance to commit.
 *
 * Transfers offer --fee-cap times the minimum gas price (10 by default), as a wallet offers a fee
 * cap above the base fee, so the run measures what the chain commits rather than refusals of a
 * price the rising base fee left behind.
 *
 * Prints committed tx/s, latency percentiles (from acceptance, and from the first offer), the block interval (p50, max),
 * transactions per block, each node's CPU per committed transaction against one Ed25519
 * verification measured in the same run (the budget is 3), and a summary of every node's log ("committed block" lines: rounds
 * above 0, how far apart the nodes commit the same height, how long a block takes to apply).
 * With --breakdown 1, node0 runs under V8's CPU profiler and its CPU is printed by stage
 * (CheckTx, gossip, execution, the state commit, the tx index, RPC…) per committed transaction.
 * The directory is removed at the end unless --keep 1 (then its path is printed: each home
 * has node.log). The nodes are stopped on every exit path, Ctrl-C included.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ONE_CMT } from '../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { createTestnet, type TestnetNode } from '../src/node/testnet-homes.js';
import { freePort, rpcUrlOf, waitForHeights } from '../src/cli/testnet-processes.js';
import { RpcClient, RpcClientError, type BatchAnswer } from '../src/rpc/client.js';
import { breakdownOf, formatBreakdown } from './support-breakdown.js';
import { cpuBudgetLine, cpuSeconds, threadCpuSeconds, verificationMs } from './support-cpu.js';
import { fundInGenesis, NodeGuard, presign, readNodeLog, senderKeys, walletGasPrice, type SignedTransfer } from './support-nodes.js';
import { parseNumericOptions, percentile, type LoadOptions } from './support-options.js';
import { MempoolCode } from '../src/mempool/errors.js';

interface Options extends LoadOptions {
  validators: number;
  keep: number;
  /** 1: node0 runs under V8's CPU profiler and its CPU is printed by stage (bench/support-breakdown.ts). */
  breakdown: number;
}

const CHAIN_ID = 'cmt-bench-testnet';

export const TESTNET_DEFAULTS: Options = { txs: 48_000, senders: 2_000, window: 12_000, rate: 0, batch: 250, connections: 8, blockTime: 1000, feeCap: 10, validators: 4, keep: 0, breakdown: 0 };


export async function run(args: string[]): Promise<void> {
  await runLoad(parseNumericOptions<Options>(args, TESTNET_DEFAULTS, 'testnet.ts'));
}

/** The load and its figures, for this benchmark and for `transfers` (one validator). */
export async function runLoad(o: Options): Promise<void> {
  // Measured before any node runs: the unit the nodes' CPU per transaction is counted in.
  const verifyMs = verificationMs();
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-testnet-'));
  const guard = new NodeGuard(o.keep ? undefined : dir);
  let nodes: TestnetNode[] = [];
  try {
    const manifest = await createTestnet({
      dir,
      validators: o.validators,
      fullNodes: 0,
      chainId: CHAIN_ID,
      freePort,
      consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: o.blockTime } },
    });
    nodes = manifest.nodes;
    const keys = senderKeys(o.senders);
    await fundInGenesis(nodes, keys, 1_000_000n * ONE_CMT);

    const perSender = Math.ceil(o.txs / o.senders);
    const t0 = performance.now();
    const queues = presign(keys, perSender, o.connections, CHAIN_ID, walletGasPrice(o.feeCap));
    const total = queues.reduce((s, q) => s + q.length, 0);
    console.log(`pre-signed ${total} transfers from ${o.senders} senders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const pids: number[] = [];
    const profileDir = join(dir, 'node0-cpu-profiles');
    for (const [i, node] of nodes.entries()) pids.push(await guard.launch(node, o.breakdown && i === 0 ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : []));
    // Consensus runs once every node has committed a block or two.
    await waitForHeights(nodes, 2, 120_000);
    const watched = nodes[0] as TestnetNode;

    /** Accepted by a node's mempool, not yet seen committed: when. */
    const submittedAt = new Map<string, number>();
    /** When each transaction was first offered (a refused one is offered again). */
    const firstSentAt = new Map<string, number>();
    const committedTxs = new Set<string>();
    const latencies: number[] = [];
    const offeredLatencies: number[] = [];
    /** How long each batch's answer took: refusals must come back at once. */
    const answerMs: number[] = [];
    let attempts = 0;
    let refusedFull = 0;
    let firstRefusal = '';
    const blocks: { time: number; height: number; headerTime: number; txs: number }[] = [];
    let committed = 0;
    let rejected = 0;
    let firstRejection = '';
    let outstanding = 0;
    let waiters: (() => void)[] = [];
    const wakeAll = (): void => {
      const w = waiters;
      waiters = [];
      for (const f of w) f();
    };
    let allCommitted: () => void = () => {};
    const done = new Promise<void>((resolve) => (allCommitted = resolve));

    const ws = new WebSocket(rpcUrlOf(watched).replace('http', 'ws') + '/websocket', { maxPayload: 256 * 1024 * 1024 });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('error', (err) => console.error(`node0 WebSocket: ${err.message}`));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: { query: "tm.event='NewBlock'" } }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { result?: { data?: { value?: { block?: { header: { height: string; time: string }; data: { txs: string[] } } } } } };
      const block = msg.result?.data?.value?.block;
      if (!block) return;
      const now = performance.now();
      blocks.push({ time: now, height: Number(block.header.height), headerTime: Date.parse(block.header.time), txs: block.data.txs.length });
      for (const b64 of block.data.txs) {
        const offered = firstSentAt.get(b64);
        if (offered === undefined || committedTxs.has(b64)) continue;
        committedTxs.add(b64);
        offeredLatencies.push(now - offered);
        committed++;
        const at = submittedAt.get(b64);
        if (at === undefined) continue;
        submittedAt.delete(b64);
        latencies.push(now - at);
        outstanding--;
      }
      blocksSeen++;
      wakeAll();
      if (committed + rejected >= total) allCommitted();
    });

    // Mempool sizes of every node, once a second: gossip should keep them close.
    const clients = nodes.map((n) => new RpcClient(rpcUrlOf(n)));
    const mempoolSamples: { at: number; sizes: number[] }[] = [];
    const sampleMempools = async (): Promise<number[]> =>
      Promise.all(clients.map((c) => c.call<{ n_txs: string }>('num_unconfirmed_txs').then((r) => Number(r.n_txs), () => -1)));
    const sampler = setInterval(() => {
      const at = performance.now();
      void sampleMempools().then((sizes) => mempoolSamples.push({ at, sizes }));
    }, 1000);

    const cpuBefore = pids.map(cpuSeconds);
    const node0Before = threadCpuSeconds(pids[0] as number);
    const benchCpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const startWall = Date.now();
    const interval = o.rate > 0 ? (o.batch / o.rate) * 1000 * o.connections : 0;
    // Each batch carries the next transaction of up to `batch` senders of the connection, as
    // wallets would: a sender's next nonce goes only once the node took the one before, and a
    // transaction refused because the mempool is full is sent again in a later batch (after
    // the next block in the closed loop). Refused otherwise (a fee below the base fee), a
    // sender's transactions are given up: presigned, they cannot be priced again.
    let blocksSeen = 0;
    let stalled = false;
    let failedOffers = 0;
    const nextBlock = (): Promise<void> => {
      const at = blocksSeen;
      return new Promise<void>((resolve) => {
        const check = (): void => (blocksSeen > at || stalled ? resolve() : void waiters.push(check));
        check();
      });
    };
    const feed = async (queue: SignedTransfer[], node: TestnetNode, c: number): Promise<void> => {
      const client = new RpcClient(rpcUrlOf(node));
      const bySender = new Map<number, SignedTransfer[]>();
      for (const tx of queue) bySender.set(tx.sender, [...(bySender.get(tx.sender) ?? []), tx]);
      const senders = [...bySender.values()].map((txs) => ({ txs, next: 0 }));
      for (let round = 0; ; round++) {
        const live = senders.filter((s) => s.next < s.txs.length);
        if (live.length === 0 || stalled) return;
        const start = (round * o.batch) % live.length;
        const picked = [...live.slice(start), ...live.slice(0, start)].slice(0, o.batch);
        const slice = picked.map((s) => s.txs[s.next] as SignedTransfer);
        if (o.rate === 0) {
          while (outstanding + slice.length > o.window && !stalled) await new Promise<void>((resolve) => waiters.push(resolve));
        } else {
          const due = startedAt + (round + c / o.connections) * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const sentAt = performance.now();
        for (const tx of slice) if (!firstSentAt.has(tx.b64)) firstSentAt.set(tx.b64, sentAt);
        attempts += slice.length;
        let answers: BatchAnswer[];
        try {
          answers = await client.batch(slice.map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: tx.hex } })));
        } catch (err) {
          // The node is gone (its log says why): the batch is refused, the others go on.
          answers = slice.map(() => ({ ok: false, error: new RpcClientError(-1, (err as Error).message) }));
        }
        answerMs.push(performance.now() - sentAt);
        let full = 0;
        answers.forEach((a, j) => {
          const sender = picked[j] as { txs: SignedTransfer[]; next: number };
          const tx = slice[j] as SignedTransfer;
          const code = a.ok ? (a.result as { code: number }).code : -1;
          if (code === 0 || code === MempoolCode.TX_ALREADY_KNOWN) {
            if (!committedTxs.has(tx.b64)) {
              submittedAt.set(tx.b64, sentAt);
              outstanding++;
            }
            sender.next++;
            return;
          }
          const log = a.ok ? (a.result as { log: string }).log : a.error.message;
          if (code === MempoolCode.MEMPOOL_FULL) {
            full++;
            refusedFull++;
            firstRefusal ||= log;
            return;
          }
          // No answer (the node is gone or the request failed): offered again, as a wallet would.
          if (code === -1) {
            full++;
            failedOffers++;
            firstRejection ||= log;
            return;
          }
          rejected += sender.txs.length - sender.next;
          sender.next = sender.txs.length;
          firstRejection ||= log;
        });
        if (committed + rejected >= total) allCommitted();
        wakeAll();
        // Refused for a full pool in the closed loop: the next block makes room.
        if (full > 0 && o.rate === 0 && !stalled) await nextBlock();
      }
    };
    // Stop offering and waiting once nothing of ours has committed for 30 s (a node may be gone, or the chain halted).
    let lastCommitted = committed;
    let lastProgress = performance.now();
    const watchdog = setInterval(() => {
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 30_000) {
        stalled = true;
        allCommitted();
        wakeAll();
      }
    }, 1000);
    const submitted = Promise.all(queues.map((q, c) => feed(q, nodes[c % nodes.length] as TestnetNode, c)));
    await submitted;
    const submitSeconds = (performance.now() - startedAt) / 1000;
    const mempoolsAtSubmitEnd = await sampleMempools();
    await done;
    clearInterval(watchdog);
    clearInterval(sampler);
    const elapsed = (performance.now() - startedAt) / 1000;
    const cpuAfter = pids.map(cpuSeconds);
    const node0After = threadCpuSeconds(pids[0] as number);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const mempoolsAtEnd = await sampleMempools();
    const baseFee = await (clients[0] as RpcClient).call<{ app: { base_fee: string } }>('params').then((p) => p.app.base_fee, () => '?');
    ws.close();
    const endWall = Date.now();

    latencies.sort((a, b) => a - b);
    const withTxs = blocks.filter((b) => b.txs > 0);
    const first = withTxs[0]?.time ?? startedAt;
    const last = withTxs[withTxs.length - 1]?.time ?? startedAt;
    // Intervals between consecutive heights seen while the load ran (arrival at node0).
    const loaded = blocks.filter((b) => b.time >= startedAt && b.time <= last);
    const intervals = loaded.slice(1).map((b, i) => b.time - (loaded[i] as { time: number }).time).sort((a, b) => a - b);
    const headerIntervals = loaded.slice(1).map((b, i) => b.headerTime - (loaded[i] as { headerTime: number }).headerTime).sort((a, b) => a - b);
    const seconds = (last - startedAt) / 1000;
    const perBlock = withTxs.map((b) => b.txs).sort((a, b) => a - b);
    console.log(
      `testnet: ${nodes.length} validators (separate processes, libp2p on loopback), block time ${o.blockTime} ms; ` +
        `${o.connections} connections over ${Math.min(o.connections, nodes.length)} nodes' RPCs, batches of ${o.batch}, ` +
        `${o.rate > 0 ? `open loop at ${o.rate} tx/s` : `closed loop, window ${o.window}`}`,
    );
    answerMs.sort((a, b) => a - b);
    console.log(
      `submitted: ${total} in ${submitSeconds.toFixed(1)} s (${(total / submitSeconds).toFixed(0)} tx/s accepted by the RPCs); ${attempts} offers, ` +
        `${refusedFull} refused for a full mempool and offered again${firstRefusal ? ` (${firstRefusal})` : ''}${failedOffers ? `, ${failedOffers} unanswered and offered again` : ''}${stalled ? '; STOPPED: nothing committed for 30 s' : ''}; a batch's answer p50 ${percentile(answerMs, 50).toFixed(0)} ms, p99 ${percentile(answerMs, 99).toFixed(0)} ms`,
    );
    console.log(`committed: ${committed} of ${total} (${rejected} rejected${firstRejection ? `, first: ${firstRejection}` : ''}); gas price offered ${walletGasPrice(o.feeCap)} (--fee-cap ${o.feeCap}× the minimum), base fee after the load ${baseFee}`);
    console.log(
      `committed tx/s: ${(committed / seconds).toFixed(0)} (submit start to last commit, ${seconds.toFixed(1)} s); ` +
        `between first and last block with txs: ${(committed / ((last - first) / 1000 || 1)).toFixed(0)}`,
    );
    offeredLatencies.sort((a, b) => a - b);
    console.log(
      `latency accepted->commit (seen on node0): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(0)} ms; ` +
        `first offer->commit (the client's wait, refusals included): p50 ${percentile(offeredLatencies, 50).toFixed(0)} ms, p99 ${percentile(offeredLatencies, 99).toFixed(0)} ms`,
    );
    console.log(
      `block interval under load (${loaded.length} blocks, arrival at node0): p50 ${percentile(intervals, 50).toFixed(0)} ms, max ${(intervals[intervals.length - 1] ?? NaN).toFixed(0)} ms; ` +
        `by header time: p50 ${percentile(headerIntervals, 50).toFixed(0)} ms, max ${(headerIntervals[headerIntervals.length - 1] ?? NaN).toFixed(0)} ms`,
    );
    console.log(
      `txs/block (${withTxs.length} non-empty blocks): mean ${(committed / (withTxs.length || 1)).toFixed(0)}, p50 ${percentile(perBlock, 50)}, max ${perBlock[perBlock.length - 1] ?? 0}`,
    );

    const nodeCpu = cpuAfter.map((c, i) => c - (cpuBefore[i] as number));
    const totalNodeCpu = nodeCpu.reduce((a, b) => a + b, 0);
    const benchCpuSeconds = (benchCpu.user + benchCpu.system) / 1e6;
    console.log(
      `cpu over the ${elapsed.toFixed(1)} s of load: ${nodeCpu.map((c, i) => `${(nodes[i] as TestnetNode).name} ${c.toFixed(1)} s`).join(', ')}, bench client ${benchCpuSeconds.toFixed(1)} s; ` +
        `${(((totalNodeCpu + benchCpuSeconds) / (elapsed * cpus().length)) * 100).toFixed(0)}% of ${cpus().length} cores; ` +
        `node cpu per committed tx ${((totalNodeCpu / (committed || 1)) * 1000).toFixed(2)} ms`,
    );
    console.log(cpuBudgetLine(nodeCpu, committed, verifyMs) + (process.env.CMT_PROFILE ? ' (node0 ran under clinic: its figure is the profiler process, not the node; run the benchmark alone for CPU)' : ''));
    const spread = (sizes: number[]): number => Math.max(...sizes) - Math.min(...sizes);
    const widest = mempoolSamples.reduce<{ at: number; sizes: number[] } | undefined>((w, s) => (!w || spread(s.sizes) > spread(w.sizes) ? s : w), undefined);
    console.log(
      `mempools (node0..node${nodes.length - 1}): at the end of submission ${mempoolsAtSubmitEnd.join('/')}, after the last commit ${mempoolsAtEnd.join('/')}` +
        (widest ? `; widest gap ${widest.sizes.join('/')} at ${((widest.at - startedAt) / 1000).toFixed(0)} s` : ''),
    );

    await guard.stopAll(nodes);
    await printLogSummary(nodes, startWall, endWall);
    if (o.breakdown) {
      const perTx = (seconds: number): number => (seconds / (committed || 1)) * 1000;
      const main = perTx(node0After.main - node0Before.main);
      const others = perTx(node0After.others - node0Before.others);
      console.log(
        `node0's CPU per committed transaction: main thread ${(main * 1000).toFixed(0)} µs, other threads ${(others * 1000).toFixed(0)} µs (${(others / verifyMs).toFixed(2)} verifications: the signature workers, V8's GC helpers, LevelDB's threads).`,
      );
      console.log(`The main thread by stage (its V8 profile, start-up included, idle left out):`);
      console.log(formatBreakdown(await breakdownOf(profileDir), main, verifyMs));
    }
  } finally {
    await guard.stopAll(nodes);
    if (o.keep) console.log(`kept ${dir} (each node's log is <home>/node.log)`);
    else await rm(dir, { recursive: true, force: true });
  }
}

/** What the nodes' own logs say about the heights committed while the load ran. */
async function printLogSummary(nodes: TestnetNode[], fromWall: number, toWall: number): Promise<void> {
  const logs = await Promise.all(nodes.map((n) => readNodeLog(n.home)));
  const byHeight = new Map<number, number[]>();
  for (const log of logs) {
    for (const c of log.commits) {
      if (c.time < fromWall || c.time > toWall) continue;
      const times = byHeight.get(c.height) ?? [];
      times.push(c.time);
      byHeight.set(c.height, times);
    }
  }
  const spreads = [...byHeight.values()].filter((t) => t.length === nodes.length).map((t) => Math.max(...t) - Math.min(...t)).sort((a, b) => a - b);
  console.log(`node logs, heights committed under load: ${byHeight.size}; spread of one height's commit time across nodes p50 ${percentile(spreads, 50)} ms, max ${spreads[spreads.length - 1] ?? NaN} ms`);
  logs.forEach((log, i) => {
    const under = log.commits.filter((c) => c.time >= fromWall && c.time <= toWall);
    const late = under.filter((c) => c.round > 0);
    const mempool = under.map((c) => c.mempool).sort((a, b) => a - b);
    const warnings = [...log.warnings].map(([m, n]) => `${n}x "${m}"`).join(', ');
    console.log(
      `  ${(nodes[i] as TestnetNode).name}: ${under.length} blocks, ${late.length} decided in round > 0${late.length ? ` (heights ${late.slice(0, 8).map((c) => `${c.height}/r${c.round}`).join(' ')})` : ''}, ` +
        `mempool after commit p50 ${percentile(mempool, 50)} max ${mempool[mempool.length - 1] ?? 0}${warnings ? `; warnings: ${warnings}` : ''}`,
    );
  });
}

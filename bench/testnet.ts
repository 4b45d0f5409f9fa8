/**
 * `npm run bench -- testnet [--txs N] [--senders S] [--window W] [--rate R] [--batch B]
 *   [--connections C] [--block-time MS] [--validators V] [--keep 1]`
 *
 * A local testnet of V validators (default 4), each a real `cmt start` process in a temporary
 * directory, with consensus over libp2p on loopback. S senders (default 2,000) are funded in
 * genesis and N pre-signed transfers (default 48,000) are submitted as JSON-RPC batches of
 * broadcast_tx_sync over C connections spread round-robin over the nodes (each connection owns
 * a share of the senders, so every sender's nonces reach one node, in order; tx gossip carries
 * them to the others). Commits are observed on node0's WebSocket (NewBlock events). Closed
 * loop by default (at most W transactions outstanding); with --rate R, open loop at R tx/s.
 *
 * Prints committed tx/s, submit-to-commit latency percentiles, the block interval (p50, max),
 * transactions per block, and a summary of every node's log ("committed block" lines: rounds
 * above 0, how far apart the nodes commit the same height, how long a block takes to apply).
 * The directory is removed at the end unless --keep 1 (then its path is printed: each home
 * has node.log). The nodes are stopped on every exit path, Ctrl-C included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { ONE_CMT } from '../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey, formatAddress } from '../src/crypto/address.js';
import { BulkSigner } from '../src/crypto/bulk-signer.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import { createTestnet, type TestnetNode } from '../src/node/testnet-homes.js';
import { freePort, launchNode, readPid, rpcUrlOf, stopNode, waitForHeights } from '../src/cli/testnet-processes.js';
import { RpcClient, RpcClientError, type BatchAnswer } from '../src/rpc/client.js';
import { parseNumericOptions, percentile, type LoadOptions } from './support-options.js';

interface Options extends LoadOptions {
  validators: number;
  keep: number;
}

const CHAIN_ID = 'cmt-bench-testnet';

function parseArgs(args: string[]): Options {
  return parseNumericOptions<Options>(args, { txs: 48_000, senders: 2_000, window: 12_000, rate: 0, batch: 250, connections: 8, blockTime: 1000, validators: 4, keep: 0, profile: 0 }, 'testnet.ts');
}


/** Deterministic sender keys: sender i has the seed (i + 1) as a big-endian u32, then zeros. */
export function senderKeys(count: number): KeyPair[] {
  return Array.from({ length: count }, (_, i) => {
    const seed = new Uint8Array(32);
    new DataView(seed.buffer).setUint32(0, i + 1);
    return keyPairFromSeed(seed);
  });
}

/**
 * Adds `keys` as funded accounts to the genesis of every home (identical bytes everywhere):
 * createTestnet funds one account per validator only. Must run before any node starts.
 */
export async function fundInGenesis(nodes: TestnetNode[], keys: KeyPair[], balance: bigint): Promise<void> {
  const first = nodes[0] as TestnetNode;
  const genesis = JSON.parse(await readFile(join(first.home, 'config', 'genesis.json'), 'utf8')) as { app_state: { accounts?: { address: string; balance: string }[] } };
  const accounts = genesis.app_state.accounts ?? [];
  for (const k of keys) accounts.push({ address: formatAddress(addressFromPublicKey(k.publicKey)), balance: balance.toString() });
  genesis.app_state.accounts = accounts;
  const text = JSON.stringify(genesis, null, 2) + '\n';
  for (const node of nodes) await writeFile(join(node.home, 'config', 'genesis.json'), text);
}

/** A pre-signed transfer: its hex for broadcast_tx_sync and its base64, as NewBlock events show it. */
export interface SignedTransfer {
  hex: string;
  b64: string;
}

/**
 * `perSender` transfers from each sender (nonces from `firstNonce`), sender i paying sender
 * i+1, dealt into `queues` lists: sender s goes to queue s % queues, in nonce order.
 */
export function presign(keys: KeyPair[], perSender: number, queues: number, chainId: string, firstNonce = 0): SignedTransfer[][] {
  const signers = keys.map((k) => new BulkSigner(k));
  const addresses = keys.map((k) => addressFromPublicKey(k.publicKey));
  const out: SignedTransfer[][] = Array.from({ length: queues }, () => []);
  for (let n = 0; n < perSender; n++) {
    for (let s = 0; s < keys.length; s++) {
      const to = addresses[(s + 1) % keys.length] as Uint8Array;
      const signed = (signers[s] as BulkSigner).signTx({ chainId, nonce: firstNonce + n, gasLimit: 30_000, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg: { type: 'transfer', to, amount: 1n } });
      const buf = Buffer.from(signed.bytes);
      (out[s % queues] as SignedTransfer[]).push({ hex: '0x' + buf.toString('hex'), b64: buf.toString('base64') });
    }
  }
  return out;
}

/**
 * Stops the nodes this process started, even on Ctrl-C (they run in their own process groups,
 * so the terminal's signal does not reach them); on a signal it also removes `dir` if given.
 */
export class NodeGuard {
  private readonly pids = new Set<number>();
  private readonly killAll = (): void => {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.killAll();
    if (this.dir) {
      // The killed processes may still hold files open for a moment; rm copes with that on Linux.
      rmSync(this.dir, { recursive: true, force: true });
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  constructor(private readonly dir?: string) {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    // An uncaught exception skips the callers' finally blocks, but not this.
    process.on('exit', this.killAll);
  }

  async launch(node: TestnetNode, profile = false): Promise<number> {
    try {
      const execArgv = profile ? ['--cpu-prof', '--cpu-prof-dir', join(process.cwd(), '.scratch', 'profiles')] : [];
      const pid = await launchNode(node, { logLevel: 'info', timeoutMs: 60_000, execArgv });
      this.pids.add(pid);
      return pid;
    } catch (err) {
      // A node that did not answer in time may still be running.
      const pid = await readPid(node);
      if (pid !== null) this.pids.add(pid);
      throw err;
    }
  }

  async stopAll(nodes: TestnetNode[]): Promise<void> {
    await Promise.all(nodes.map((n) => stopNode(n, 'SIGTERM', 10_000).catch(() => false)));
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // stopped
      }
    }
    this.pids.clear();
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.off('exit', this.killAll);
  }
}

let clockTicks: number | undefined;

/** CPU seconds (user + system, all threads) a process has used so far, from /proc (Linux); NaN elsewhere. */
export function cpuSeconds(pid: number): number {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After "pid (comm) ", field 3 (state) is index 0: utime is field 14, stime field 15.
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return NaN;
  }
}

interface CommitLine {
  time: number;
  height: number;
  round: number;
  txs: number;
  mempool: number;
}

interface NodeLog {
  commits: CommitLine[];
  warnings: Map<string, number>;
}

/** Reads a node's JSON log: its "committed block" lines and a count of warnings by message. */
export async function readNodeLog(home: string): Promise<NodeLog> {
  const text = await readFile(join(home, 'node.log'), 'utf8').catch(() => '');
  const commits: CommitLine[] = [];
  const warnings = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    let r: { level?: number; time?: number; msg?: string; height?: number; round?: number; txs?: number; mempool?: number };
    try {
      r = JSON.parse(line) as typeof r;
    } catch {
      continue;
    }
    if (r.msg === 'committed block') commits.push({ time: r.time ?? 0, height: r.height ?? 0, round: r.round ?? 0, txs: r.txs ?? 0, mempool: r.mempool ?? 0 });
    else if ((r.level ?? 0) >= 40) warnings.set(r.msg ?? '?', (warnings.get(r.msg ?? '?') ?? 0) + 1);
  }
  return { commits, warnings };
}

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
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
    const queues = presign(keys, perSender, o.connections, CHAIN_ID);
    const total = queues.reduce((s, q) => s + q.length, 0);
    console.log(`pre-signed ${total} transfers from ${o.senders} senders in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    const pids: number[] = [];
    for (const node of nodes) pids.push(await guard.launch(node, o.profile === 1));
    // Consensus runs once every node has committed a block or two.
    await waitForHeights(nodes, 2, 120_000);
    const watched = nodes[0] as TestnetNode;

    const submittedAt = new Map<string, number>();
    const latencies: number[] = [];
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
        const at = submittedAt.get(b64);
        if (at === undefined) continue;
        submittedAt.delete(b64);
        latencies.push(now - at);
        committed++;
        outstanding--;
      }
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
    const benchCpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const startWall = Date.now();
    const interval = o.rate > 0 ? (o.batch / o.rate) * 1000 * o.connections : 0;
    // Open loop: each connection sends a batch every `interval`, the connections evenly staggered.
    const feed = async (queue: SignedTransfer[], node: TestnetNode, c: number): Promise<void> => {
      const client = new RpcClient(rpcUrlOf(node));
      for (let i = 0; i < queue.length; i += o.batch) {
        const slice = queue.slice(i, i + o.batch);
        if (o.rate === 0) {
          while (outstanding + slice.length > o.window) await new Promise<void>((resolve) => waiters.push(resolve));
        } else {
          const due = startedAt + (i / o.batch + c / o.connections) * interval;
          const wait = due - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        }
        const now = performance.now();
        for (const tx of slice) submittedAt.set(tx.b64, now);
        outstanding += slice.length;
        let answers: BatchAnswer[];
        try {
          answers = await client.batch(slice.map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: tx.hex } })));
        } catch (err) {
          // The node is gone (its log says why): the batch counts as rejected, the others go on.
          answers = slice.map(() => ({ ok: false, error: new RpcClientError(-1, (err as Error).message) }));
        }
        answers.forEach((a, j) => {
          const code = a.ok ? (a.result as { code: number; log: string }).code : -1;
          if (code !== 0) {
            const b64 = (slice[j] as SignedTransfer).b64;
            // Already committed (a block can land before the batch answer): nothing to undo.
            if (!submittedAt.delete(b64)) return;
            rejected++;
            outstanding--;
            firstRejection ||= a.ok ? (a.result as { log: string }).log : a.error.message;
          }
        });
        if (committed + rejected >= total) allCommitted();
        wakeAll();
      }
    };
    const submitted = Promise.all(queues.map((q, c) => feed(q, nodes[c % nodes.length] as TestnetNode, c)));
    await submitted;
    const submitSeconds = (performance.now() - startedAt) / 1000;
    const mempoolsAtSubmitEnd = await sampleMempools();
    // Stop waiting once nothing of ours has committed for 30 s (a node that holds the rest may be gone).
    let lastCommitted = committed;
    let lastProgress = performance.now();
    const watchdog = setInterval(() => {
      if (committed !== lastCommitted) {
        lastCommitted = committed;
        lastProgress = performance.now();
      } else if (performance.now() - lastProgress > 30_000) allCommitted();
    }, 1000);
    await done;
    clearInterval(watchdog);
    clearInterval(sampler);
    const elapsed = (performance.now() - startedAt) / 1000;
    const cpuAfter = pids.map(cpuSeconds);
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const mempoolsAtEnd = await sampleMempools();
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
    console.log(`submitted: ${total} in ${submitSeconds.toFixed(1)} s (${(total / submitSeconds).toFixed(0)} tx/s accepted by the RPCs)`);
    console.log(`committed: ${committed} of ${total} (${rejected} rejected${firstRejection ? `, first: ${firstRejection}` : ''})`);
    console.log(
      `committed tx/s: ${(committed / seconds).toFixed(0)} (submit start to last commit, ${seconds.toFixed(1)} s); ` +
        `between first and last block with txs: ${(committed / ((last - first) / 1000 || 1)).toFixed(0)}`,
    );
    console.log(`latency submit->commit (seen on node0): p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${(latencies[latencies.length - 1] ?? NaN).toFixed(0)} ms`);
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
        `node cpu per committed tx ${((totalNodeCpu / (committed || 1)) * 1000).toFixed(2)} ms (${((totalNodeCpu / nodes.length / (committed || 1)) * 1000).toFixed(2)} ms per node)`,
    );
    const spread = (sizes: number[]): number => Math.max(...sizes) - Math.min(...sizes);
    const widest = mempoolSamples.reduce<{ at: number; sizes: number[] } | undefined>((w, s) => (!w || spread(s.sizes) > spread(w.sizes) ? s : w), undefined);
    console.log(
      `mempools (node0..node${nodes.length - 1}): at the end of submission ${mempoolsAtSubmitEnd.join('/')}, after the last commit ${mempoolsAtEnd.join('/')}` +
        (widest ? `; widest gap ${widest.sizes.join('/')} at ${((widest.at - startedAt) / 1000).toFixed(0)} s` : ''),
    );

    await guard.stopAll(nodes);
    await printLogSummary(nodes, startWall, endWall);
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

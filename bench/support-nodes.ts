/**
 * What the benchmarks that run real node processes share: funded sender keys, pre-signed
 * transfers priced as a wallet would, launching and always stopping the nodes (under clinic for
 * `npm run profile`), and reading what the nodes logged.
 */
import { rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey, formatAddress } from '../src/crypto/address.js';
import { BulkSigner } from '../src/crypto/bulk-signer.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import type { TestnetNode } from '../src/node/testnet-homes.js';
import { isAlive, launchNode, readPid, stopNode } from '../src/cli/testnet-processes.js';
import { clinicWrapper } from './support-profile.js';

/**
 * The gas price the benchmarks' transfers offer: `cap` times the chain's minimum, as a wallet
 * offers a fee cap well above the base fee it last saw (the fee is gas used times this price;
 * the senders are funded for it).
 */
export function walletGasPrice(cap: number): bigint {
  return DEFAULT_APP_PARAMS.minGasPrice * BigInt(Math.max(1, Math.round(cap)));
}

/** The node a benchmark runs under clinic, if any (one per process). */
let profiled: TestnetNode | undefined;

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
  /** Which of the keys signed it. */
  sender: number;
}

/**
 * `perSender` transfers from each sender (nonces from `firstNonce`), sender i paying sender
 * i+1, dealt into `queues` lists: sender s goes to queue s % queues, in nonce order. Each
 * offers `gasPrice`: a wallet's fee cap above the base fee (walletGasPrice), so a rising base
 * fee does not turn a capacity run into a run of refusals.
 */
export function presign(keys: KeyPair[], perSender: number, queues: number, chainId: string, gasPrice: bigint, firstNonce = 0): SignedTransfer[][] {
  const signers = keys.map((k) => new BulkSigner(k));
  const addresses = keys.map((k) => addressFromPublicKey(k.publicKey));
  const out: SignedTransfer[][] = Array.from({ length: queues }, () => []);
  for (let n = 0; n < perSender; n++) {
    for (let s = 0; s < keys.length; s++) {
      const to = addresses[(s + 1) % keys.length] as Uint8Array;
      const signed = (signers[s] as BulkSigner).signTx({ chainId, nonce: firstNonce + n, gasLimit: 30_000, gasPrice, memo: '', msg: { type: 'transfer', to, amount: 1n } });
      const buf = Buffer.from(signed.bytes);
      (out[s % queues] as SignedTransfer[]).push({ hex: '0x' + buf.toString('hex'), b64: buf.toString('base64'), sender: s });
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
        // Each node leads its own process group (launched detached), a profiler's child included.
        process.kill(-pid, 'SIGKILL');
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

  /**
   * Starts `node` (with `execArgv`, node's own flags); the first node launched runs under
   * clinic when `npm run profile` asked for it.
   */
  async launch(node: TestnetNode, execArgv: string[] = []): Promise<number> {
    try {
      const wrapper = profiled === undefined ? clinicWrapper() : undefined;
      if (wrapper) profiled = node;
      const pid = await launchNode(node, { logLevel: 'info', timeoutMs: 120_000, execArgv, ...(wrapper ? { wrapper } : {}) });
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
    await Promise.all(nodes.map((n) => (n === profiled ? stopProfiled(n) : stopNode(n, 'SIGTERM', 10_000)).catch(() => false)));
    for (const pid of this.pids) {
      try {
        // The process group: a profiled node is clinic's child, in clinic's group.
        process.kill(-pid, 'SIGKILL');
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

/**
 * Stops a node running under clinic: SIGINT to clinic's process group, so the node stops as on
 * Ctrl-C (its own handler) and clinic, seeing it exit, writes its report; then waits for clinic.
 */
async function stopProfiled(node: TestnetNode): Promise<boolean> {
  const pid = await readPid(node);
  if (pid === null) return false;
  process.kill(-pid, 'SIGINT');
  const deadline = Date.now() + 180_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
  return true;
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


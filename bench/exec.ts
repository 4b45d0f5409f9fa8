/**
 * `npm run bench -- exec [--txs N] [--blocks B] [--warmup W] [--workers W] [--senders S] [--only-contracts 1] [--min-calls N]`
 *
 * Sequential against parallel block execution on the same blocks: for transfers and for a
 * contract call that does about 1,000 loop iterations and 3 storage writes, at 0%, 10% and
 * 50% conflicts (that share of transactions reads and writes one hot key: a counter row, or
 * one recipient's balance). Each executor gets a fresh chain on a real state store; B blocks
 * of N transactions (default 3 x 2,000, after 2 untimed blocks that warm both executors up) go
 * through FinalizeBlock + Commit, each block on both chains in turn (the order alternating),
 * signatures verified before the clock starts (they run on the pool separately). Prints
 * transactions per second of both executors, the speed-up, how many transactions the parallel
 * one ran again, and the share of a sequential block that no executor can split (the trie
 * stage and the version's write) with the speed-up that share allows.
 * Goal on 2 cores: contract calls at least 1.7x at 0%, and never below 0.9x.
 */
import { rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { encodeBundle } from '../src/codec/bundle.js';
import { utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/codec/hash.js';
import type { Msg } from '../src/codec/tx.js';
import { contractAddress } from '../src/app/contracts/layout.js';
import { DEFAULT_MIN_PARALLEL_CALLS, ParallelExecutor } from '../src/app/executor/parallel-executor.js';
import { SequentialExecutor, type TxExecutor } from '../src/app/executor/tx-executor.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { openBenchChain, type BenchChain } from './support-chain.js';
import { BENCH_CONTRACT } from './support-contract.js';
import { parseNumericOptions } from './support-options.js';

interface Options {
  txs: number;
  blocks: number;
  /** Untimed blocks first, on both executors: JIT and WebAssembly tier-up in fresh threads. */
  warmup: number;
  workers: number;
  senders: number;
  /** 1: contract calls only. */
  onlyContracts: number;
  /** The parallel executor's sequential threshold (contract calls per block); 0 forces the pool for transfers too. */
  minCalls: number;
}

const CHAIN_ID = 'cmt-bench-exec';
const GAS_PRICE = DEFAULT_APP_PARAMS.minGasPrice;

const key = (i: number): KeyPair => keyPairFromSeed(sha256(utf8(`exec bench ${i}`)));

interface Workload {
  name: string;
  conflicts: number;
  blocks: Uint8Array[][];
}

const openChain = (keys: KeyPair[], makeExecutor: (dir: string) => TxExecutor): Promise<BenchChain> => openBenchChain(CHAIN_ID, keys, makeExecutor);

function signed(k: KeyPair, nonce: number, msg: Msg, gasLimit: number): Uint8Array {
  return signTx({ chainId: CHAIN_ID, nonce, gasLimit, gasPrice: GAS_PRICE, memo: '', msg }, k).bytes;
}

/** Block 0 deploys the contract (key 0, nonce 0); workload blocks follow with nonces from 1 for key 0. */
function workloads(keys: KeyPair[], o: Options): Workload[] {
  const contract = contractAddress(addressFromPublicKey((keys[0] as KeyPair).publicKey), 0);
  const hotAccount = addressFromPublicKey(key(1_000_000).publicKey);
  const out: Workload[] = [];
  for (const kind of o.onlyContracts ? (['contract'] as const) : (['transfer', 'contract'] as const)) {
    for (const conflicts of [0, 0.1, 0.5]) {
      const blocks: Uint8Array[][] = [];
      let unique = 0;
      for (let b = 0; b < o.warmup + o.blocks; b++) {
        const block: Uint8Array[] = [];
        for (let t = 0; t < o.txs; t++) {
          const sender = (b * o.txs + t) % o.senders;
          const round = Math.floor((b * o.txs + t) / o.senders);
          const nonce = round + (sender === 0 ? 1 : 0);
          // A fixed pseudo-random choice (Knuth's multiplicative hash): the same blocks on every run.
          const hot = ((Math.imul(b * o.txs + t + 1, 2654435761) >>> 0) % 1000) / 1000 < conflicts;
          const k = keys[sender] as KeyPair;
          if (kind === 'transfer') {
            const to = hot ? hotAccount : sha256(utf8(`recipient ${unique++}`)).subarray(0, 20);
            block.push(signed(k, nonce, { type: 'transfer', to, amount: 1n }, 50_000));
          } else {
            const args = JSON.stringify([hot ? 'hot' : `own-${unique}`, `a-${unique}`, `b-${unique}`]);
            unique++;
            block.push(signed(k, nonce, { type: 'callContract', contract, method: 'work', args, value: 0n }, 2_000_000));
          }
        }
        blocks.push(block);
      }
      out.push({ name: kind, conflicts, blocks });
    }
  }
  return out;
}

interface WorkloadRun {
  /** Transactions in the measured blocks. */
  txs: number;
  tps: number;
  reExecuted: number;
  /** Of the measured blocks' time, the share spent in the trie stage and the version's write: main-thread work whatever the executor. */
  serialShare: number;
}

type Chain = Awaited<ReturnType<typeof openChain>>;

/** One chain's measured figures, added up block by block. */
class ChainRun {
  private height = 0;
  private ms = 0;
  private serialMs = 0;
  private txs = 0;
  private reExecuted = 0;

  constructor(
    readonly chain: Chain,
    private readonly label: string,
  ) {}

  async block(txs: Uint8Array[], measure: boolean): Promise<void> {
    const { app, store, executor } = this.chain;
    const height = ++this.height;
    await app.verifySignatures(txs);
    const started = performance.now();
    const res = await app.finalizeBlock({ height, time: 1_700_000_000_000 + height * 1000, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20), txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
    const failed = res.txResults.filter((r) => r.code !== 0);
    if (failed.length > 0) throw new Error(`${this.label} block ${height}: ${failed.length} transactions failed, first: ${failed[0]?.log}`);
    await app.persist();
    if (!measure) return;
    const ms = performance.now() - started;
    this.ms += ms;
    this.txs += txs.length;
    this.serialMs += store.lastTimings.stageMs + store.lastTimings.writeMs;
    const stats = executor instanceof ParallelExecutor ? executor.lastStats : undefined;
    this.reExecuted += stats?.reExecuted ?? 0;
    if (process.env.EXEC_DEBUG) console.log(`${this.label} block ms ${ms.toFixed(0)} stage ms ${store.lastTimings.stageMs.toFixed(0)} write ms ${store.lastTimings.writeMs.toFixed(0)}`, stats ? JSON.stringify(stats) : '');
  }

  result(): WorkloadRun {
    return { txs: this.txs, tps: (this.txs * 1000) / this.ms, reExecuted: this.reExecuted, serialShare: this.serialMs / this.ms };
  }
}

/**
 * Both executors on chains of their own, given the same blocks in turn (each block on one
 * chain, then on the other), so a slow moment of the machine falls on both alike.
 */
async function runWorkload(keys: KeyPair[], deploy: Uint8Array, w: Workload, warmup: number, workers: number, minCalls: number): Promise<{ seq: WorkloadRun; par: WorkloadRun }> {
  const chains: Chain[] = [];
  try {
    chains.push(await openChain(keys, () => new SequentialExecutor()));
    chains.push(await openChain(keys, (dir) => new ParallelExecutor(dir, { threads: workers, minParallelCalls: minCalls })));
    const [seq, par] = [new ChainRun(chains[0] as Chain, 'sequential'), new ChainRun(chains[1] as Chain, 'parallel')];
    for (const run of [seq, par]) await run.block([deploy], false);
    if (par.chain.executor instanceof ParallelExecutor) await par.chain.executor.warmUp();
    for (const [i, block] of w.blocks.entries()) {
      // Who goes first alternates: the garbage one block leaves is collected during the next.
      for (const run of i % 2 === 0 ? [seq, par] : [par, seq]) await run.block(block, i >= warmup);
    }
    return { seq: seq.result(), par: par.result() };
  } finally {
    for (const chain of chains) {
      await chain.executor.close();
      await chain.store.close();
      await rm(chain.dir, { recursive: true, force: true });
    }
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<Options>(args, { txs: 2000, blocks: 3, warmup: 2, workers: availableParallelism(), senders: 2000, onlyContracts: 0, minCalls: DEFAULT_MIN_PARALLEL_CALLS }, 'exec.ts');
  const keys = Array.from({ length: o.senders }, (_, i) => key(i));
  const deploy = signed(keys[0] as KeyPair, 0, { type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: utf8(BENCH_CONTRACT) }]), initArgs: '', value: 0n }, 5_000_000);
  console.log(`exec: ${o.blocks} measured blocks (after ${o.warmup} to warm up) x ${o.txs} transactions, ${o.workers} workers; FinalizeBlock + Commit, signatures verified beforehand`);
  console.log('workload   conflicts  sequential tx/s  parallel tx/s  speed-up  re-executed  serial  bound');
  for (const w of workloads(keys, o)) {
    const { seq, par } = await runWorkload(keys, deploy, w, o.warmup, o.workers, o.minCalls);
    console.log(
      `${w.name.padEnd(10)} ${`${w.conflicts * 100}%`.padStart(9)}  ${seq.tps.toFixed(0).padStart(15)}  ${par.tps.toFixed(0).padStart(13)}  ${(par.tps / seq.tps).toFixed(2).padStart(7)}x  ${`${par.reExecuted}/${par.txs}`.padStart(11)}  ${`${(seq.serialShare * 100).toFixed(0)}%`.padStart(6)}  ${amdahl(seq.serialShare, o.workers).toFixed(2).padStart(4)}x`,
    );
  }
  console.log('serial: share of a sequential block spent in the trie stage and the version write, which run on the main thread under either executor;');
  console.log('bound: the speed-up the workers could give if execution split over them with no overhead and no slowdown (Amdahl)');
}

/** Amdahl's law: the speed-up on `threads` when `serial` of the work cannot be split. */
function amdahl(serial: number, threads: number): number {
  return 1 / (serial + (1 - serial) / threads);
}

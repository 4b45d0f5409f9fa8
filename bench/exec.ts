/**
 * `npm run bench -- exec [--txs N] [--blocks B] [--warmup W] [--workers W] [--senders S] [--only-contracts 1] [--min-calls N]`
 *
 * Sequential against parallel block execution on the same blocks: for transfers and for a
 * contract call that does about 1,000 loop iterations and 3 storage writes, at 0%, 10% and
 * 50% conflicts (that share of transactions reads and writes one hot key: a counter row, or
 * one recipient's balance). Each run is a fresh chain on a real state store; B blocks of N
 * transactions (default 3 x 2,000, after 2 untimed blocks that warm both executors up) go through FinalizeBlock + Commit, signatures verified
 * before the clock starts (they run on the pool separately). Prints transactions per second
 * of both executors, the speed-up and how many transactions the parallel one ran again.
 * Goal on 2 cores: contract calls at least 1.7x at 0%, and never below 0.9x.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_CMT } from '../src/codec/amount.js';
import { encodeBundle } from '../src/codec/bundle.js';
import { utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import type { Msg } from '../src/codec/tx.js';
import { CmtApp } from '../src/app/cmt-app.js';
import { contractAddress } from '../src/app/contracts/layout.js';
import { DEFAULT_MIN_PARALLEL_CALLS, ParallelExecutor } from '../src/app/executor/parallel-executor.js';
import { InlineVerifier } from '../src/app/executor/signature-verifier.js';
import { SequentialExecutor, type TxExecutor } from '../src/app/executor/tx-executor.js';
import { appGenesisToJson } from '../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { DEFAULT_STAKING_PARAMS } from '../src/app/staking/params.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { StateStore } from '../src/state/store.js';
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
const CONTRACT = `
export function work(hot, a, b) {
  let s = 0;
  for (let i = 0; i < 1000; i++) s = (s * 31 + i) % 1000003;
  const v = db.get('t', hot) ?? 0n;
  db.put('t', hot, v + 1n);
  db.put('t', a, s);
  db.put('t', b, s + 1);
  return s;
}`;

const key = (i: number): KeyPair => keyPairFromSeed(sha256(utf8(`exec bench ${i}`)));

interface Workload {
  name: string;
  conflicts: number;
  blocks: Uint8Array[][];
}

async function openChain(keys: KeyPair[], makeExecutor: (dir: string) => TxExecutor): Promise<{ app: CmtApp; store: StateStore; executor: TxExecutor; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-exec-'));
  const store = await StateStore.open(dir, { sync: false });
  const executor = makeExecutor(dir);
  const app = new CmtApp(store, new InlineVerifier(), undefined, executor);
  await app.initChain({
    chainId: CHAIN_ID,
    time: 1_700_000_000_000,
    initialHeight: 1,
    consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, blockMaxGas: 10_000_000_000 },
    validators: [],
    appState: appGenesisToJson({
      params: DEFAULT_APP_PARAMS,
      accounts: keys.map((k) => ({ address: addressFromPublicKey(k.publicKey), balance: 1_000_000n * ONE_CMT })),
      staking: { params: { ...DEFAULT_STAKING_PARAMS, inflationBps: 0 }, candidates: [] },
    }),
  });
  return { app, store, executor, dir };
}

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

async function runWorkload(keys: KeyPair[], deploy: Uint8Array, w: Workload, warmup: number, makeExecutor: (dir: string) => TxExecutor): Promise<{ tps: number; reExecuted: number }> {
  const chain = await openChain(keys, makeExecutor);
  try {
    let height = 0;
    let commitMs = 0;
    const run = async (txs: Uint8Array[]): Promise<void> => {
      height++;
      const res = await chain.app.finalizeBlock({ height, time: 1_700_000_000_000 + height * 1000, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20), txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
      const failed = res.txResults.filter((r) => r.code !== 0);
      if (failed.length > 0) throw new Error(`block ${height}: ${failed.length} transactions failed, first: ${failed[0]?.log}`);
      const committing = performance.now();
      await chain.app.commit();
      commitMs = performance.now() - committing;
    };
    await run([deploy]);
    if (chain.executor instanceof ParallelExecutor) await chain.executor.warmUp();
    for (const block of w.blocks.slice(0, warmup)) {
      await chain.app.verifySignatures(block);
      await run(block);
    }
    const measured = w.blocks.slice(warmup);
    let reExecuted = 0;
    let ms = 0;
    for (const block of measured) {
      await chain.app.verifySignatures(block);
      const started = performance.now();
      await run(block);
      ms += performance.now() - started;
      if (chain.executor instanceof ParallelExecutor) {
        reExecuted += chain.executor.lastStats.reExecuted;
        if (process.env.EXEC_DEBUG) console.log(JSON.stringify(chain.executor.lastStats), 'block ms', (performance.now() - started).toFixed(0), 'commit ms', commitMs.toFixed(0));
      } else if (process.env.EXEC_DEBUG) console.log('sequential block ms', (performance.now() - started).toFixed(0), 'commit ms', commitMs.toFixed(0));
    }
    const txs = measured.reduce((n, b) => n + b.length, 0);
    return { tps: (txs * 1000) / ms, reExecuted };
  } finally {
    await chain.executor.close();
    await chain.store.close();
    await rm(chain.dir, { recursive: true, force: true });
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<Options>(args, { txs: 2000, blocks: 3, warmup: 2, workers: availableParallelism(), senders: 2000, onlyContracts: 0, minCalls: DEFAULT_MIN_PARALLEL_CALLS }, 'exec.ts');
  const keys = Array.from({ length: o.senders }, (_, i) => key(i));
  const deploy = signed(keys[0] as KeyPair, 0, { type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: utf8(CONTRACT) }]), initArgs: '', value: 0n }, 5_000_000);
  console.log(`exec: ${o.blocks} measured blocks (after ${o.warmup} to warm up) x ${o.txs} transactions, ${o.workers} workers; FinalizeBlock + Commit, signatures verified beforehand`);
  console.log('workload   conflicts  sequential tx/s  parallel tx/s  speed-up  re-executed');
  for (const w of workloads(keys, o)) {
    const seq = await runWorkload(keys, deploy, w, o.warmup, () => new SequentialExecutor());
    const par = await runWorkload(keys, deploy, w, o.warmup, (dir) => new ParallelExecutor(dir, { threads: o.workers, minParallelCalls: o.minCalls }));
    const total = w.blocks.slice(o.warmup).reduce((n, b) => n + b.length, 0);
    console.log(
      `${w.name.padEnd(10)} ${`${w.conflicts * 100}%`.padStart(9)}  ${seq.tps.toFixed(0).padStart(15)}  ${par.tps.toFixed(0).padStart(13)}  ${(par.tps / seq.tps).toFixed(2).padStart(7)}x  ${`${par.reExecuted}/${total}`.padStart(11)}`,
    );
  }
}

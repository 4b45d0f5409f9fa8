/**
 * The parallel executor (spec/contracts.md, "Parallel execution"): a piscina pool runs a
 * block's transactions speculatively in batches against the pre-block state, then the main
 * thread commits them in block order, executing again those whose reads went stale
 * (commit-rule.ts). Small blocks run sequentially: a worker round trip costs more than they do.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { bytesKey } from '../../codec/bytes.js';
import { meteredQuickJsModule } from '../../contracts/quickjs-engine.js';
import { compiledFile } from '../../runtime/compiled-file.js';
import type { Overlay } from '../../state/overlay.js';
import type { DeliveredTx } from '../deliver-tx.js';
import type { SignatureCheck, TxLimits } from '../tx-checks.js';
import type { DecodeTx, ShippedDecode } from '../tx-decoder.js';
import { planBatches } from './batch-plan.js';
import { PoolVerifier } from './signature-verifier.js';
import { commitInOrder, type CommitStats, type StaleReads } from './commit-rule.js';
import { HotArguments } from './hot-arguments.js';
import type { ExecuteBatchTask } from './exec-worker.js';
import type { SpeculativeTx } from './speculative-batch.js';
import { SequentialExecutor, type TxExecutor } from './tx-executor.js';

/**
 * Blocks with fewer contract calls (deploys included) run sequentially. A transfer or staking
 * message costs tens of microseconds, less than shipping it to a worker and its result back,
 * so only contract work pays for the pool (bench/exec.ts measures both).
 */
export const DEFAULT_MIN_PARALLEL_CALLS = 32;

/**
 * Every execution thread's stack, explicit rather than Node's default: the contract engine's
 * frame budget (quickjs-engine.ts) must fit in every thread that runs contracts with room to
 * spare, and the main thread's (about 984 KiB) is the smallest of them.
 */
export const EXEC_THREAD_STACK_MB = 4;

/** Blocks with at least this many transactions probe their first 1/PROBE_SHARE for hot rows. */
const PROBE_FROM = 256;
const PROBE_SHARE = 10;

/**
 * Batches per thread in a round: the pool hands the next batch to whichever thread is free, so
 * threads that run slower (another process on the core, a garbage collection) take fewer
 * batches instead of holding up the round.
 */
const BATCHES_PER_THREAD = 4;

export interface ParallelExecutorOptions {
  /** Worker threads (default: the number of cores). */
  threads?: number;
  minParallelCalls?: number;
  /**
   * Warm the threads up in the background when the first contract transaction arrives
   * (default true), so a chain that never runs a contract never pays for it.
   */
  warmUpOnFirstContract?: boolean;
  /** Told when that background warm-up fails (the first parallel block then reports the cause). */
  onWarmUpFailed?: (err: unknown) => void;
}

function contractCalls(txs: readonly Uint8Array[], decode: DecodeTx): number {
  let calls = 0;
  for (const tx of txs) {
    try {
      const type = decode(tx).tx.body.msg.type;
      if (type === 'callContract' || type === 'deployContract' || type === 'attestHook') calls++;
    } catch {
      // Malformed: execution reports it.
    }
  }
  return calls;
}

export class ParallelExecutor implements TxExecutor {
  readonly threads: number;
  private readonly pool: Piscina;
  private readonly minParallelCalls: number;
  private readonly hot = new HotArguments();
  private readonly sequential = new SequentialExecutor();
  private readonly warmUpOnFirstContract: boolean;
  private readonly onWarmUpFailed: (err: unknown) => void;
  private warming: Promise<void> | undefined;
  /** What the last parallel block did (for the benchmark and the node's metrics). */
  lastStats: CommitStats & { batches: number; speculateMs: number; commitMs: number; workerMs: number[] } = { committed: 0, reExecuted: 0, batches: 0, speculateMs: 0, commitMs: 0, workerMs: [] };

  /** `stateDir` is the state database the workers read (the store must be on disk). */
  constructor(
    private readonly stateDir: string,
    options: ParallelExecutorOptions = {},
  ) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.minParallelCalls = options.minParallelCalls ?? DEFAULT_MIN_PARALLEL_CALLS;
    this.warmUpOnFirstContract = options.warmUpOnFirstContract ?? true;
    this.onWarmUpFailed = options.onWarmUpFailed ?? (() => undefined);
    this.pool = new Piscina({
      filename: compiledFile(import.meta.url, 'exec-worker'),
      minThreads: this.threads,
      maxThreads: this.threads,
      idleTimeout: Infinity,
      resourceLimits: { stackSizeMb: EXEC_THREAD_STACK_MB },
    });
  }

  /** Signature checks on this pool's threads (the pool stays this executor's to close). */
  verifier(): PoolVerifier {
    return new PoolVerifier(this.threads, this.pool);
  }

  /** Whether the threads have been told to warm up (by `warmUp` or the first contract transaction). */
  get warmUpStarted(): boolean {
    return this.warming !== undefined;
  }

  /**
   * Starts every thread and loads what execution needs there, on this process's compiled
   * contract engine, warmed up (exec-worker.ts); resolves when all are ready. Runs once: later
   * calls get the same promise.
   */
  warmUp(): Promise<void> {
    if (!this.warming) {
      const engine = meteredQuickJsModule();
      this.warming = Promise.all(Array.from({ length: this.threads }, () => this.pool.run({ stateDir: this.stateDir, engine }, { name: 'warmUp' }))).then(() => undefined);
    }
    return this.warming;
  }

  async execute(block: Overlay, txs: readonly Uint8Array[], limits: TxLimits, signatures: SignatureCheck, decode: DecodeTx): Promise<DeliveredTx[]> {
    const calls = contractCalls(txs, decode);
    // Blocks queue behind the warm-up on the pool, so it never has to be awaited here.
    if (calls > 0 && this.warmUpOnFirstContract && !this.warming) this.warmUp().catch(this.onWarmUpFailed);
    if (calls < this.minParallelCalls) return this.sequential.execute(block, txs, limits, signatures, decode);
    // A probe first: a prefix of the block speculates and commits on its own, so the hot rows
    // it trips over are learned (hot-arguments.ts) before the rest is batched. A block whose
    // hot rows are new then costs a few re-executions in the probe, not half the block.
    const probe = txs.length >= PROBE_FROM ? Math.max(4 * this.threads, Math.ceil(txs.length / PROBE_SHARE)) : txs.length;
    const stats = { committed: 0, reExecuted: 0, batches: 0, speculateMs: 0, commitMs: 0, workerMs: [] as number[] };
    const delivered: DeliveredTx[] = [];
    for (const [from, to] of probe < txs.length ? [[0, probe], [probe, txs.length]] : [[0, txs.length]]) {
      delivered.push(...(await this.speculateAndCommit(block, txs.slice(from, to), limits, signatures, decode, stats)));
    }
    this.lastStats = stats;
    return delivered;
  }

  /** One round: batches of `txs` speculate against `block` as it is now, then commit in order onto it. */
  private async speculateAndCommit(
    block: Overlay,
    txs: readonly Uint8Array[],
    limits: TxLimits,
    signatures: SignatureCheck,
    decode: DecodeTx,
    stats: ParallelExecutor['lastStats'],
  ): Promise<DeliveredTx[]> {
    const { keys: baseKeys, values: baseValues } = block.writeEntries();
    // This thread's decoding of each transaction whose signature is known good, sent with its
    // batch (receiving it costs a worker a fraction of decoding again); null: not verified or
    // malformed, so the worker decodes and checks it itself.
    const shipped = txs.map((tx): ShippedDecode | null => {
      try {
        const { tx: signed, hash, sender } = decode(tx);
        return signatures.isVerified(hash) ? { tx: signed, hash, sender } : null;
      } catch {
        return null;
      }
    });
    const started = performance.now();
    const plan = planBatches(txs, decode, this.threads * BATCHES_PER_THREAD, this.hot);
    const speculative = new Array<SpeculativeTx>(txs.length);
    await Promise.all(
      plan.map(async (indexes) => {
        const task: ExecuteBatchTask = {
          stateDir: this.stateDir,
          baseKeys,
          baseValues,
          indexes,
          txs: indexes.map((i) => txs[i] as Uint8Array),
          verified: indexes.map((i) => shipped[i] !== null),
          decoded: indexes.map((i) => shipped[i] ?? null),
          limits,
        };
        const { results, ms } = (await this.pool.run(task, { name: 'executeBatchTask' })) as { results: SpeculativeTx[]; ms: number };
        stats.workerMs.push(ms);
        for (const r of results) speculative[r.index] = r;
      }),
    );
    const speculated = performance.now();
    const committed = commitInOrder(block, txs, speculative, limits, signatures, decode);
    this.learnHotArguments(txs, committed.stale, decode);
    stats.committed += committed.stats.committed;
    stats.reExecuted += committed.stats.reExecuted;
    stats.batches += plan.length;
    stats.speculateMs += speculated - started;
    stats.commitMs += performance.now() - speculated;
    return committed.delivered;
  }

  private learnHotArguments(txs: readonly Uint8Array[], stale: StaleReads, decode: DecodeTx): void {
    for (const [i, keys] of stale) {
      try {
        const msg = decode(txs[i] as Uint8Array).tx.body.msg;
        if (msg.type === 'callContract') this.hot.learn(bytesKey(msg.contract), msg.args, keys);
      } catch {
        // Malformed: nothing to learn.
      }
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.pool.threads.map(() => this.pool.run(undefined, { name: 'closeDatabases' }).catch(() => undefined)));
    await this.pool.destroy();
  }
}

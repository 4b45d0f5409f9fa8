/**
 * Batch signature verification. The pool runs on worker threads so the main thread keeps
 * executing blocks and answering RPC while a batch of transactions is checked; small
 * batches stay inline, where a worker round trip (about 60-100 us) would cost more.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { verify } from '../../crypto/ed25519.js';
import { packJobs, type SignatureJob } from './signature-batch.js';
import { compiledFile } from '../../runtime/compiled-file.js';

export type { SignatureJob } from './signature-batch.js';

/**
 * Who waits for a batch: a block (its proposal's validation or its execution) or the mempool's
 * admission. A node offered more than it commits has admissions queued all the time; a block's
 * signatures must not wait behind them, or rounds time out while the worker checks
 * transactions the pool may refuse anyway.
 */
export type VerifyLane = 'block' | 'admission';

export interface BatchVerifier {
  verifyBatch(jobs: readonly SignatureJob[], lane?: VerifyLane): Promise<boolean[]>;
  close(): Promise<void>;
}

export class InlineVerifier implements BatchVerifier {
  async verifyBatch(jobs: readonly SignatureJob[]): Promise<boolean[]> {
    return jobs.map((j) => verify(j.publicKey, j.message, j.signature));
  }

  async close(): Promise<void> {}
}

const INLINE_BELOW = 8;
const CHUNK = 256;

export class PoolVerifier implements BatchVerifier {
  private readonly pool: Piscina;
  /** The task's export name, on a shared pool (the execution pool's workers export it too). */
  private readonly task: string | undefined;
  private readonly ownsPool: boolean;
  /** Admission chunks not yet handed to the pool: at most one per thread is in the pool's queue at a time. */
  private readonly admissions: (() => void)[] = [];
  private admissionsInPool = 0;

  /**
   * `threads` defaults to one less than the cores (at least one): the main thread keeps a core.
   * With `shared`, batches run on that pool (whose worker exports `verifyBatch`) and close()
   * leaves it to its owner.
   */
  constructor(threads = Math.max(1, availableParallelism() - 1), shared?: Piscina) {
    this.ownsPool = shared === undefined;
    this.task = shared ? 'verifyBatch' : undefined;
    this.pool = shared ?? new Piscina({ filename: compiledFile(import.meta.url, 'verify-worker'), minThreads: threads, maxThreads: threads });
  }

  async verifyBatch(jobs: readonly SignatureJob[], lane: VerifyLane = 'block'): Promise<boolean[]> {
    if (jobs.length < INLINE_BELOW) return jobs.map((j) => verify(j.publicKey, j.message, j.signature));
    const chunks: SignatureJob[][] = [];
    const size = Math.max(INLINE_BELOW, Math.min(CHUNK, Math.ceil(jobs.length / this.pool.threads.length)));
    for (let i = 0; i < jobs.length; i += size) chunks.push(jobs.slice(i, i + size));
    const answers = await Promise.all(chunks.map((chunk) => (lane === 'block' ? this.run(chunk) : this.admit(chunk))));
    return answers.flatMap((a) => Array.from(a, (x) => x === 1));
  }

  private run(chunk: SignatureJob[]): Promise<Uint8Array> {
    const packed = packJobs(chunk);
    return this.pool.run(packed, { transferList: [packed], ...(this.task ? { name: this.task } : {}) }) as Promise<Uint8Array>;
  }

  /** An admission chunk, once fewer than one per thread are in the pool: a block's chunk then waits behind at most those. */
  private async admit(chunk: SignatureJob[]): Promise<Uint8Array> {
    // A finished chunk hands its place to the next waiting one, so the count never overshoots.
    if (this.admissionsInPool >= this.pool.threads.length) await new Promise<void>((resolve) => this.admissions.push(resolve));
    else this.admissionsInPool++;
    try {
      return await this.run(chunk);
    } finally {
      const next = this.admissions.shift();
      if (next) next();
      else this.admissionsInPool--;
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.destroy();
  }
}

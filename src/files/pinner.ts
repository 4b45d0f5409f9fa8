/**
 * Every node pins every registered file (spec/files.md, "Pinning"). After each block the
 * pinner walks the registration index from where it left off and queues the new CIDs; a queued
 * file is fetched (bounded, fetch-dag.ts) and pinned. An attempt first probes for the root
 * block, many at once (a probe costs one want and a timer); only an attempt whose root arrived
 * takes one of the few byte-fetch slots. Gateway requests go first, then first attempts (newest
 * registration first), then retries: so CIDs nobody serves, however many, delay a new file by
 * at most one probe. A timeout or network failure is retried with backoff for as long as the
 * node runs; a DAG that failed its checks (BadDagError: hash-checked, so final) is recorded as
 * bad and never fetched again. The index position below which everything is pinned (or bad) is
 * kept in the datastore, so a restart scans only what is left.
 */
import type { Logger } from '../node/logger.js';
import { BadDagError } from './fetch-dag.js';
import { Semaphore } from './lock.js';
import type { FileRegistry } from './registry.js';

export interface PinTarget {
  /** True when the file is pinned for the chain here. */
  isPinned(cid: string): Promise<boolean>;
  /**
   * Fetches and pins one registered file of `size` bytes; rejects on failure (BadDagError when
   * the DAG is not that file). Awaits `onRoot`, when given, once the root block is here.
   */
  fetchAndPin(cid: string, size: number, signal: AbortSignal, onRoot?: () => Promise<void>): Promise<void>;
  /** The index position below which every file is pinned. */
  loadCursor(): Promise<number>;
  saveCursor(n: number): Promise<void>;
  /** Records a DAG that failed its checks, so that a restart does not fetch it again. */
  recordBad?(cid: string, reason: string): Promise<void>;
  /** The CIDs recorded bad. */
  loadBad?(): Promise<string[]>;
}

export interface PinnerOptions {
  /** Files whose bytes are fetched at once (after their root arrived). */
  concurrency: number;
  /** Attempts at once, each probing for its root (default 64). */
  probes?: number;
  firstRetryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_PINNER_OPTIONS: PinnerOptions = { concurrency: 2, probes: 64, firstRetryMs: 1_000, maxRetryMs: 5 * 60_000 };

type Lane = 'urgent' | 'fresh' | 'retry';

interface Job {
  cid: string;
  index: number;
  size: number;
  attempts: number;
  /** Where the job waits to run, or undefined while it runs or waits for its retry timer. */
  lane: Lane | undefined;
  timer: NodeJS.Timeout | undefined;
  /** Waiters of ensure(): settled when the file is pinned. */
  waiters: { resolve(): void; reject(err: Error): void }[];
}

const SCAN_PAGE = 200;

export class Pinner {
  private scanned = 0;
  private cursor = 0;
  private readonly jobs = new Map<string, Job>();
  /** Gateway requests (FIFO), first attempts (newest first), retries (FIFO). */
  private readonly lanes: Record<Lane, Job[]> = { urgent: [], fresh: [], retry: [] };
  private readonly done = new Set<number>();
  /** CIDs whose DAG failed its checks: never fetched again. */
  private readonly bad = new Map<string, string>();
  private active = 0;
  private readonly running = new Set<Job>();
  private readonly byteSlots: Semaphore;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private readonly stopper = new AbortController();

  constructor(
    private readonly registry: FileRegistry,
    private readonly target: PinTarget,
    private readonly logger: Logger,
    private readonly options: PinnerOptions = DEFAULT_PINNER_OPTIONS,
  ) {
    this.byteSlots = new Semaphore(Math.max(1, options.concurrency));
  }

  async start(): Promise<void> {
    this.cursor = this.scanned = await this.target.loadCursor();
    for (const cid of (await this.target.loadBad?.()) ?? []) this.bad.set(cid, 'recorded bad before');
    this.scan();
  }

  stop(): void {
    this.stopper.abort();
    for (const job of this.jobs.values()) {
      clearTimeout(job.timer);
      for (const w of job.waiters.splice(0)) w.reject(new Error('the node is stopping'));
    }
  }

  /** Files registered and not pinned yet (queued, being fetched, or waiting for a retry). */
  get pending(): number {
    return this.jobs.size;
  }

  /** Walks the index from the last position seen; called after each block. Runs one walk at a time. */
  scan(): void {
    if (this.stopper.signal.aborted) return;
    if (this.scanning) {
      this.rescan = true;
      return;
    }
    this.scanning = (async () => {
      do {
        this.rescan = false;
        const total = this.registry.count();
        while (this.scanned < total && !this.stopper.signal.aborted) {
          const cids = this.registry.list(this.scanned, SCAN_PAGE);
          if (cids.length === 0) break;
          for (const cid of cids) await this.queue(cid, this.scanned++);
        }
      } while (this.rescan && !this.stopper.signal.aborted);
    })()
      .catch((err: unknown) => this.logger.error({ err }, 'scanning the file registrations failed'))
      .finally(() => (this.scanning = undefined));
  }

  /** Resolves once `cid` (registered, `size` bytes) is pinned here: queued ahead of everything first when it is not yet. */
  ensure(cid: string, size: number): Promise<void> {
    const bad = this.bad.get(cid);
    if (bad !== undefined) return Promise.reject(new BadDagError(cid, `its DAG failed the checks and is not fetched again (${bad})`));
    return this.target.isPinned(cid).then((pinned) => {
      if (pinned) return;
      return new Promise<void>((resolve, reject) => {
        if (this.stopper.signal.aborted) {
          reject(new Error('the node is stopping'));
          return;
        }
        let job = this.jobs.get(cid);
        if (!job) {
          // Registered after the last scan: queued now, and the scan that finds it later skips it.
          job = { cid, index: -1, size, attempts: 0, lane: undefined, timer: undefined, waiters: [] };
          this.jobs.set(cid, job);
        }
        job.waiters.push({ resolve, reject });
        // Someone is waiting for it: ahead of every queued attempt, and now rather than after its backoff.
        if (!this.running.has(job) && job.lane !== 'urgent') {
          this.unqueue(job);
          this.enqueue(job, 'urgent');
        }
        this.pump();
      });
    });
  }

  private enqueue(job: Job, lane: Lane): void {
    job.lane = lane;
    this.lanes[lane].push(job);
  }

  private unqueue(job: Job): void {
    clearTimeout(job.timer);
    job.timer = undefined;
    if (job.lane === undefined) return;
    const list = this.lanes[job.lane];
    const i = list.indexOf(job);
    if (i >= 0) list.splice(i, 1);
    job.lane = undefined;
  }

  private async queue(cid: string, index: number): Promise<void> {
    const existing = this.jobs.get(cid);
    if (existing) {
      existing.index = index;
      return;
    }
    // A bad DAG stays bad: the cursor passes it.
    if (this.bad.has(cid)) return this.finished(index);
    if (await this.target.isPinned(cid)) return this.finished(index);
    const size = this.registry.size(cid);
    if (size === undefined) return;
    const job: Job = { cid, index, size, attempts: 0, lane: undefined, timer: undefined, waiters: [] };
    this.jobs.set(cid, job);
    this.enqueue(job, 'fresh');
    this.pump();
  }

  private take(): Job | undefined {
    const job = this.lanes.urgent.shift() ?? this.lanes.fresh.pop() ?? this.lanes.retry.shift();
    if (job) job.lane = undefined;
    return job;
  }

  private pump(): void {
    const probes = Math.max(this.options.concurrency, this.options.probes ?? DEFAULT_PINNER_OPTIONS.probes ?? 64);
    while (this.active < probes && !this.stopper.signal.aborted) {
      const job = this.take();
      if (!job) return;
      this.active++;
      this.running.add(job);
      void this.run(job).finally(() => {
        this.running.delete(job);
        this.active--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    let holding = false;
    // The root arrived: only now does this attempt take one of the few byte-fetch slots.
    const onRoot = async (): Promise<void> => {
      await this.byteSlots.acquire(this.stopper.signal);
      holding = true;
    };
    try {
      await this.target.fetchAndPin(job.cid, job.size, this.stopper.signal, onRoot);
      this.jobs.delete(job.cid);
      for (const w of job.waiters.splice(0)) w.resolve();
      this.logger.info({ cid: job.cid, size: job.size }, 'file pinned');
      if (job.index >= 0) this.finished(job.index);
    } catch (err) {
      if (this.stopper.signal.aborted) return;
      for (const w of job.waiters.splice(0)) w.reject(err as Error);
      if (err instanceof BadDagError) {
        // Its blocks were hash-checked: the same DAG fails the same way every time.
        this.jobs.delete(job.cid);
        this.bad.set(job.cid, err.message);
        this.logger.warn({ cid: job.cid, size: job.size, err: err.message }, 'a registered file is not the DAG it claims: not fetched again');
        void this.target.recordBad?.(job.cid, err.message).catch((e: unknown) => this.logger.warn({ err: e }, 'recording a bad DAG failed'));
        if (job.index >= 0) this.finished(job.index);
        return;
      }
      job.attempts++;
      const delay = Math.min(this.options.maxRetryMs, this.options.firstRetryMs * 2 ** Math.min(job.attempts - 1, 20));
      this.logger.warn({ cid: job.cid, attempts: job.attempts, retryInMs: delay, err: (err as Error).message }, 'fetching a registered file failed');
      job.timer = setTimeout(() => {
        job.timer = undefined;
        this.enqueue(job, 'retry');
        this.pump();
      }, delay);
    } finally {
      if (holding) this.byteSlots.release();
    }
  }

  /** Moves the saved cursor over every index position that is pinned (or bad) now. */
  private finished(index: number): void {
    this.done.add(index);
    const before = this.cursor;
    while (this.done.delete(this.cursor)) this.cursor++;
    if (this.cursor !== before) void this.target.saveCursor(this.cursor).catch((err: unknown) => this.logger.warn({ err }, 'saving the pin cursor failed'));
  }
}

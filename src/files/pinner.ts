/**
 * Every node pins every registered file (spec/files.md, "Pinning"). After each block the
 * pinner walks the registration index from where it left off and queues the new CIDs; a queued
 * file is fetched (bounded, fetch-dag.ts) and pinned, a few at once, and a failure is retried
 * with backoff for as long as the node runs. The index position below which everything is
 * pinned is kept in the datastore, so a restart scans only what is left.
 */
import type { Logger } from '../node/logger.js';
import type { FileRegistry } from './registry.js';

export interface PinTarget {
  isPinned(cid: string): Promise<boolean>;
  /** Fetches and pins one registered file of `size` bytes; rejects on failure. */
  fetchAndPin(cid: string, size: number, signal: AbortSignal): Promise<void>;
  /** The index position below which every file is pinned. */
  loadCursor(): Promise<number>;
  saveCursor(n: number): Promise<void>;
}

export interface PinnerOptions {
  concurrency: number;
  firstRetryMs: number;
  maxRetryMs: number;
}

export const DEFAULT_PINNER_OPTIONS: PinnerOptions = { concurrency: 2, firstRetryMs: 1_000, maxRetryMs: 5 * 60_000 };

interface Job {
  cid: string;
  index: number;
  size: number;
  attempts: number;
  /** Waiters of ensure(): settled when the file is pinned. */
  waiters: { resolve(): void; reject(err: Error): void }[];
}

const SCAN_PAGE = 200;

export class Pinner {
  private scanned = 0;
  private cursor = 0;
  private readonly jobs = new Map<string, Job>();
  private readonly ready: Job[] = [];
  private readonly done = new Set<number>();
  private active = 0;
  private scanning: Promise<void> | undefined;
  private rescan = false;
  private readonly stopper = new AbortController();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly registry: FileRegistry,
    private readonly target: PinTarget,
    private readonly logger: Logger,
    private readonly options: PinnerOptions = DEFAULT_PINNER_OPTIONS,
  ) {}

  async start(): Promise<void> {
    this.cursor = this.scanned = await this.target.loadCursor();
    this.scan();
  }

  stop(): void {
    this.stopper.abort();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const job of this.jobs.values()) for (const w of job.waiters) w.reject(new Error('the node is stopping'));
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

  /** Resolves once `cid` (registered, `size` bytes) is pinned here: queued first when it is not yet. */
  ensure(cid: string, size: number): Promise<void> {
    return this.target.isPinned(cid).then((pinned) => {
      if (pinned) return;
      return new Promise<void>((resolve, reject) => {
        let job = this.jobs.get(cid);
        if (!job) {
          // Registered after the last scan: queued now, and the scan that finds it later skips it.
          job = { cid, index: -1, size, attempts: 0, waiters: [] };
          this.jobs.set(cid, job);
          this.ready.push(job);
        }
        job.waiters.push({ resolve, reject });
        this.pump();
      });
    });
  }

  private async queue(cid: string, index: number): Promise<void> {
    const existing = this.jobs.get(cid);
    if (existing) {
      existing.index = index;
      return;
    }
    if (await this.target.isPinned(cid)) return this.finished(index);
    const size = this.registry.size(cid);
    if (size === undefined) return;
    const job: Job = { cid, index, size, attempts: 0, waiters: [] };
    this.jobs.set(cid, job);
    this.ready.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.active < this.options.concurrency && this.ready.length > 0 && !this.stopper.signal.aborted) {
      const job = this.ready.shift() as Job;
      this.active++;
      void this.run(job).finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  private async run(job: Job): Promise<void> {
    try {
      await this.target.fetchAndPin(job.cid, job.size, this.stopper.signal);
      this.jobs.delete(job.cid);
      for (const w of job.waiters) w.resolve();
      this.logger.info({ cid: job.cid, size: job.size }, 'file pinned');
      if (job.index >= 0) this.finished(job.index);
    } catch (err) {
      if (this.stopper.signal.aborted) return;
      job.attempts++;
      const delay = Math.min(this.options.maxRetryMs, this.options.firstRetryMs * 2 ** Math.min(job.attempts - 1, 20));
      this.logger.warn({ cid: job.cid, attempts: job.attempts, retryInMs: delay, err: (err as Error).message }, 'fetching a registered file failed');
      // Waiters learn of the failure (the gateway answers then); the job itself is retried.
      for (const w of job.waiters.splice(0)) w.reject(err as Error);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.ready.push(job);
        this.pump();
      }, delay);
      this.timers.add(timer);
    }
  }

  /** Moves the saved cursor over every index position that is pinned now. */
  private finished(index: number): void {
    this.done.add(index);
    const before = this.cursor;
    while (this.done.delete(this.cursor)) this.cursor++;
    if (this.cursor !== before) void this.target.saveCursor(this.cursor).catch((err: unknown) => this.logger.warn({ err }, 'saving the pin cursor failed'));
  }
}

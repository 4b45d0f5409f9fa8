/**
 * Small concurrency primitives for the files service (spec/files.md, "Storage and locks").
 * Each waiter is a closure in a queue: no timers, no polling; an aborted wait leaves the queue.
 */

/** A shared/exclusive lock. An exclusive request waits for the shared holders to leave and
 *  makes new shared requests wait behind it, so a stream of shared holders cannot starve it. */
export class SharedExclusiveLock {
  private shared = 0;
  private exclusive = false;
  private readonly waiting: { exclusive: boolean; grant: () => void }[] = [];

  /** Resolves with a release function once the lock is held shared. */
  acquireShared(): Promise<() => void> {
    return this.acquire(false);
  }

  /** Resolves with a release function once the lock is held alone. */
  acquireExclusive(): Promise<() => void> {
    return this.acquire(true);
  }

  private acquire(exclusive: boolean): Promise<() => void> {
    return new Promise((resolve) => {
      this.waiting.push({ exclusive, grant: () => resolve(this.releaser(exclusive)) });
      this.next();
    });
  }

  private releaser(exclusive: boolean): () => void {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (exclusive) this.exclusive = false;
      else this.shared--;
      this.next();
    };
  }

  private next(): void {
    while (this.waiting.length > 0 && !this.exclusive) {
      const head = this.waiting[0] as { exclusive: boolean; grant: () => void };
      if (head.exclusive) {
        if (this.shared > 0) return;
        this.waiting.shift();
        this.exclusive = true;
        head.grant();
        return;
      }
      this.waiting.shift();
      this.shared++;
      head.grant();
    }
  }
}

/** A mutex: one holder at a time, in request order. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(work: () => Promise<T>): Promise<T> {
    const before = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await before;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

/** A counting semaphore whose waits end (rejecting) when their signal aborts. */
export class Semaphore {
  private used = 0;
  private readonly waiting: { grant: () => void }[] = [];

  constructor(private readonly slots: number) {}

  acquire(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.used < this.slots) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next.grant();
    else this.used--;
  }
}

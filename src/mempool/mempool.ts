/**
 * Pending transactions. Admission runs the app's CheckTx against its check state, which
 * already holds the effects of every pending transaction, so a sender can submit nonces
 * n, n+1, n+2 back to back. Transactions arriving together are pre-checked as one batch
 * (signatures on the worker pool) before CheckTx runs on each, in arrival order.
 * Proposals take the highest gas price first while each sender's nonces stay in order.
 *
 * After a block is applied (the block executor holds the pool meanwhile, `lockForBlock`),
 * committed transactions leave at once, but the re-check of the rest (CheckTx
 * against the new state) runs in the background, a slice at a time: with 50,000 pending it
 * takes seconds, and the next height must not wait for it (a known CometBFT pain point). A
 * sender not re-checked yet is re-checked first whenever it matters: a new transaction from
 * it, a proposal reaching it, or a query of its pending nonce.
 */
import { bytesKey } from '../codec/bytes.js';
import { txHash } from '../codec/tx.js';
import type { CheckTxKind, CheckTxResponse } from '../app/abci.js';
import { CODESPACE, TxCode } from '../app/errors.js';
import { Mutex } from '../runtime/mutex.js';
import { MempoolCode } from './errors.js';
import { PriceLevels } from './price-levels.js';
import { TxHeap } from './tx-heap.js';

export interface TxIdentity {
  sender: Uint8Array;
  nonce: number;
  gasPrice: bigint;
  gasLimit: number;
}

/** A client's transaction, as its claim on the capacity: what it pays and asks for. */
interface Bid {
  price: bigint;
  gas: number;
  bytes: number;
}

/** Gas and bytes: of a block, or of the pool. */
export interface GasAndBytes {
  gas: number;
  bytes: number;
}

export interface MempoolApp {
  checkTx(tx: Uint8Array, kind: CheckTxKind): CheckTxResponse;
  /** Who sends a transaction, with which nonce, price and gas limit, cheaply, without checking it; undefined if it does not decode. */
  identify(tx: Uint8Array): TxIdentity | undefined;
  /** The sender's next nonce in the check state (counting the pending transactions CheckTx accepted). */
  pendingNonce(sender: Uint8Array): number;
}

/** Re-checks per slice of the background re-check, so admissions and proposals interleave. */
const RECHECK_SLICE = 2000;
/** See `Mempool.capacityFloor`. */
export const CAPACITY_FLOOR_TXS = 256;
/** Transactions a proposal tries once the next one would pass the block budget. */
const OVER_BUDGET_TRIES = 16;

export interface MempoolLimits {
  maxTxs: number;
  maxBytes: number;
  maxTxBytes: number;
  /** How many recently committed transaction hashes are remembered to reject replays early. */
  cacheSize: number;
}

/** Where a transaction came from: this node's RPC or a peer (for the latency summary, tx-latency.ts). */
export type TxOrigin = 'rpc' | 'peer';

/** Of a block's transactions, those that were in this pool: how long each waited since it arrived, on the pool's clock. */
export interface SeenTxs {
  /** The pool's clock when they left (ms). */
  at: number;
  /** Per transaction: `at` minus its arrival. */
  ages: number[];
  /** How many arrived by this node's RPC. */
  viaRpc: number;
}

/** What the block executor may do to the pool while it holds it (see `Mempool.lockForBlock`). */
export interface BlockUpdate {
  /** The app has committed the block: drop its transactions, re-check the rest in the background. Once per block. */
  update(committedHashes: readonly Uint8Array[]): { removed: number; stale: number; seen: SeenTxs };
}

export interface AddResult extends CheckTxResponse {
  hash: Uint8Array;
}

interface Entry {
  hash: Uint8Array;
  key: string;
  bytes: Uint8Array;
  sender: string;
  nonce: number;
  gasPrice: bigint;
  gasWanted: number;
  seq: number;
  /** When it arrived (the pool's clock, before pre-check and CheckTx) and by which way. */
  arrivedAt: number;
  viaRpc: boolean;
}

interface Waiting {
  tx: Uint8Array;
  hash: Uint8Array;
  arrivedAt: number;
  viaRpc: boolean;
  /** Still counted in `admitting`. */
  counted: boolean;
  /** The sender it was counted ahead for in `aheadBySender`, if its signature is checked before admission. */
  aheadFor?: string;
  resolve: (result: AddResult) => void;
  reject: (err: unknown) => void;
}

const NONE_AHEAD = { txs: 0, bytes: 0 } as const;

function rejection(hash: Uint8Array, code: number, log: string): AddResult {
  return { hash, code, codespace: CODESPACE, log, gasWanted: 0 };
}

export class Mempool {
  private readonly byHash = new Map<string, Entry>();
  /** Each sender's pending transactions, in nonce order (contiguous). */
  private readonly bySender = new Map<string, Entry[]>();
  private readonly committed = new Set<string>();
  private bytes = 0;
  /** Pending transactions by gas price. */
  private readonly levels = new PriceLevels();
  private seq = 0;
  private waiting: Waiting[] = [];
  /** Transactions between their arrival and their admission (waiting, or in a batch's signature checks). */
  private readonly admitting = { txs: 0, bytes: 0 };
  /** Per sender, its transactions whose signatures are being checked before admission. */
  private readonly aheadBySender = new Map<string, number>();
  private flushScheduled = false;
  /** The admission of the newest batch: the next batch is admitted after it. */
  private admitted: Promise<void> = Promise.resolve();
  /** Senders whose pending transactions were not re-checked since the last commit. */
  private readonly stale = new Set<string>();
  private recheckScheduled = false;
  /** Between the app's persist and update(): the check state is not the one pending transactions were checked on. */
  private committing = false;
  /** Transactions the re-checks evicted since start. */
  evicted = 0;
  /**
   * What the pool may hold beyond its fixed limits, from this node's speed (the node sets it:
   * a few blocks' worth of its block budget); null holds only the fixed limits.
   */
  capacity: (() => GasAndBytes | null) | null = null;
  /**
   * Below this many transactions (pending and waiting) the capacity refuses nothing: a burst of
   * generously limited calls on an idle chain goes in, and a transaction larger than the
   * capacity still gets into an empty pool.
   */
  capacityFloor = CAPACITY_FLOOR_TXS;
  /** Serialises CheckTx with block application: the app's check state must not move under a running batch. */
  private readonly lock = new Mutex();

  constructor(
    private readonly app: MempoolApp,
    private readonly limits: MempoolLimits,
    private readonly precheck: (txs: readonly Uint8Array[]) => Promise<void> = async () => {},
    /**
     * Runs batched work (CheckTx flushes, re-check slices) once the current turn is over: the
     * event loop's next turn on a process; an agenda item at the same virtual time in the
     * simulator, so that a paused or crashed validator's pool does nothing.
     */
    private readonly soon: (fn: () => void) => void = setImmediate,
    /** Only for how long transactions wait here (never consensus): the node's clock. */
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.byHash.size;
  }

  get sizeBytes(): number {
    return this.bytes;
  }

  has(hash: Uint8Array): boolean {
    return this.byHash.has(bytesKey(hash));
  }

  /** Pending transactions in reap order (for RPC listings). */
  list(limit: number): Uint8Array[] {
    return this.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, limit);
  }

  add(tx: Uint8Array, origin: TxOrigin = 'peer'): Promise<AddResult> {
    const hash = txHash(tx);
    const early = this.quickReject(tx, hash, origin === 'rpc', this.admitting);
    if (early) return Promise.resolve(early);
    const arrivedAt = this.now();
    this.admitting.txs++;
    this.admitting.bytes += tx.length;
    return new Promise((resolve, reject) => {
      this.waiting.push({ tx, hash, arrivedAt, viaRpc: origin === 'rpc', counted: true, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.soon(() => void this.flush());
      }
    });
  }

  private bidOf(tx: Uint8Array): Bid | null {
    const id = this.app.identify(tx);
    return id ? { price: id.gasPrice, gas: id.gasLimit, bytes: tx.length } : null;
  }

  /**
   * The checks that need no signature and no state. `ahead` counts transactions that passed
   * them on arrival and wait for admission: a burst must not get thousands past a nearly full
   * pool into the signature checks, only to be refused after them.
   *
   * The node's capacity bounds only its own clients' transactions (`viaRpc`), and only by what
   * pays at least as much: a transaction is refused when what the pool holds at its gas price
   * or above already fills the capacity, the blocks a proposal of it would wait behind. Only
   * admitted transactions count there (checked, signed, funded): a waiting one's price and gas
   * limit are claims nobody checked yet, and one claiming the highest price would refuse
   * everybody until its batch is admitted. Paying a price bucket above what is pending (at
   * most 6.25% more) always gets in, so nobody can lock the pool by filling it at one price. A
   * peer's transaction was already taken by the network: refusing it would only keep it out of
   * this node's proposals and make this node check its signature in a proposal instead; only
   * the fixed limits bound it.
   */
  private quickReject(tx: Uint8Array, hash: Uint8Array, viaRpc: boolean, ahead: { txs: number; bytes: number } = NONE_AHEAD): AddResult | null {
    if (tx.length > this.limits.maxTxBytes) {
      return rejection(hash, TxCode.TX_TOO_LARGE, `transaction is ${tx.length} bytes, the limit is ${this.limits.maxTxBytes}`);
    }
    const key = bytesKey(hash);
    if (this.byHash.has(key)) return rejection(hash, MempoolCode.TX_ALREADY_KNOWN, 'transaction is already in the mempool');
    if (this.committed.has(key)) return rejection(hash, MempoolCode.TX_ALREADY_KNOWN, 'transaction was already committed');
    const txs = this.byHash.size + ahead.txs;
    const bytes = this.bytes + ahead.bytes;
    if (txs >= this.limits.maxTxs || bytes + tx.length > this.limits.maxBytes) {
      return rejection(hash, MempoolCode.MEMPOOL_FULL, `mempool is full (${this.byHash.size} transactions, ${this.bytes} bytes); try again after the next block`);
    }
    const capacity = viaRpc && txs >= this.capacityFloor ? this.capacity?.() : null;
    const bid = capacity ? this.bidOf(tx) : null;
    if (!capacity || !bid) return null;
    const above = this.levels.atOrAbove(bid.price);
    // With nothing at its price or above, a transaction larger than the capacity still gets in (a block of its own).
    if ((above.gas > 0 || above.bytes > 0) && (above.gas + bid.gas > capacity.gas || above.bytes + bid.bytes > capacity.bytes)) {
      return rejection(
        hash,
        MempoolCode.MEMPOOL_FULL,
        `mempool is full at gas price ${bid.price}: what it holds at that price or above (${above.gas} gas, ${above.bytes} bytes) fills what this node commits in its next blocks; offer a higher gas price, or try again after the next block`,
      );
    }
    return null;
  }

  /**
   * Pre-checks a batch (in parallel with other batches), then admits it strictly after the
   * batches that arrived before it: nonce n+1 must never meet CheckTx before nonce n did.
   */
  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.waiting;
    this.waiting = [];
    const prechecked = this.precheck(batch.filter((w) => this.worthChecking(w)).map((w) => w.tx));
    // Handled below, after earlier batches; this only keeps an early failure from counting as unhandled.
    prechecked.catch(() => undefined);
    const previous = this.admitted;
    const admitted = (async () => {
      await previous;
      try {
        await prechecked;
        await this.lock.runExclusive(() => {
          for (const w of batch) {
            this.leaveAdmitting(w);
            w.resolve(this.admit(w));
          }
        });
      } catch (err) {
        for (const w of batch) {
          this.leaveAdmitting(w);
          w.reject(err);
        }
      }
    })();
    this.admitted = admitted;
    await admitted;
  }

  /**
   * Whether a waiting transaction's signature is worth checking before admission: one whose
   * nonce is not its sender's next (after the pool's queue and those ahead of it in admission)
   * fails CheckTx by its nonce before its signature is looked at. Checking it first would be
   * work that a client skipping nonces, or replaying old ones, does not pay for.
   */
  private worthChecking(w: Waiting): boolean {
    let key: string;
    let ahead: number;
    try {
      const id = this.app.identify(w.tx);
      if (!id) return false;
      key = bytesKey(id.sender);
      const queue = this.bySender.get(key);
      const last = queue?.[queue.length - 1];
      ahead = this.aheadBySender.get(key) ?? 0;
      if (id.nonce !== (last ? last.nonce + 1 : this.app.pendingNonce(id.sender)) + ahead) return false;
    } catch {
      // Never expected; if it happened, the batch must still settle every waiter (CheckTx answers this one).
      return false;
    }
    this.aheadBySender.set(key, ahead + 1);
    w.aheadFor = key;
    return true;
  }

  private leaveAdmitting(w: Waiting): void {
    if (!w.counted) return;
    w.counted = false;
    this.admitting.txs--;
    this.admitting.bytes -= w.tx.length;
    if (w.aheadFor === undefined) return;
    const ahead = (this.aheadBySender.get(w.aheadFor) ?? 1) - 1;
    if (ahead > 0) this.aheadBySender.set(w.aheadFor, ahead);
    else this.aheadBySender.delete(w.aheadFor);
  }

  private admit({ tx, hash, arrivedAt, viaRpc }: Waiting): AddResult {
    const early = this.quickReject(tx, hash, viaRpc);
    if (early) return early;
    if (this.stale.size > 0) {
      const sender = this.app.identify(tx)?.sender;
      if (sender) this.freshenLocked(bytesKey(sender));
    }
    const res = this.app.checkTx(tx, 'new');
    if (res.code !== TxCode.OK) return { ...res, hash };
    this.insert(tx, hash, res, arrivedAt, viaRpc);
    return { ...res, hash };
  }

  private insert(tx: Uint8Array, hash: Uint8Array, res: CheckTxResponse, arrivedAt: number, viaRpc: boolean): void {
    const sender = bytesKey(res.sender as Uint8Array);
    const entry: Entry = {
      hash,
      key: bytesKey(hash),
      bytes: tx,
      sender,
      nonce: res.nonce as number,
      gasPrice: res.gasPrice as bigint,
      gasWanted: res.gasWanted,
      seq: this.seq++,
      arrivedAt,
      viaRpc,
    };
    this.byHash.set(entry.key, entry);
    const queue = this.bySender.get(sender);
    if (queue) queue.push(entry);
    else this.bySender.set(sender, [entry]);
    this.bytes += tx.length;
    this.levels.change(entry.gasPrice, entry.gasWanted, tx.length, 1);
  }

  /**
   * Transactions for a proposal: highest gas price first across senders, each sender's in
   * nonce order, within the byte and gas limits (gas counted as each transaction's limit) and
   * within `budget`, which the first transaction taken may exceed (the node's block budget:
   * a transaction larger than it still gets a block of its own).
   * Call it outside `lock`; a sender not re-checked since the last commit is re-checked first.
   */
  reap(maxBytes: number, maxGas: number, maxTxs = Number.MAX_SAFE_INTEGER, budget?: GasAndBytes): Uint8Array[] {
    const heads = new TxHeap<{ gasPrice: bigint; seq: number; queue: Entry[]; at: number }>();
    for (const queue of this.bySender.values()) {
      const first = queue[0];
      if (first) heads.push({ gasPrice: first.gasPrice, seq: first.seq, queue, at: 0 });
    }
    const out: Uint8Array[] = [];
    let bytes = 0;
    let gas = 0;
    let recheckBudget = RECHECK_SLICE;
    let overBudget = 0;
    while (out.length < maxTxs) {
      const head = heads.pop();
      if (!head) break;
      if (head.at === 0 && this.stale.has((head.queue[0] as Entry).sender)) {
        const sender = (head.queue[0] as Entry).sender;
        // During a commit the app's check state is being replaced: re-check nothing, take nothing
        // stale. Otherwise re-check only a slice's worth: the proposal must not wait for the whole
        // pool (senders left stale wait for the background re-check and the next block).
        const queued = this.bySender.get(sender)?.length ?? 0;
        if (this.committing || recheckBudget < queued) continue;
        recheckBudget -= queued;
        this.freshenLocked(sender);
        const fresh = this.bySender.get(sender);
        if (fresh?.[0]) heads.push({ gasPrice: fresh[0].gasPrice, seq: fresh[0].seq, queue: fresh, at: 0 });
        continue;
      }
      const entry = head.queue[head.at] as Entry;
      // A transaction that does not fit ends its sender's run: later nonces would be unexecutable.
      if (bytes + entry.bytes.length > maxBytes || gas + entry.gasWanted > maxGas) continue;
      if (budget && out.length > 0 && (bytes + entry.bytes.length > budget.bytes || gas + entry.gasWanted > budget.gas)) {
        // The budget is nearly spent: a few more tries for a smaller transaction, not a re-check of every stale sender.
        if (++overBudget >= OVER_BUDGET_TRIES) break;
        continue;
      }
      out.push(entry.bytes);
      bytes += entry.bytes.length;
      gas += entry.gasWanted;
      const next = head.queue[head.at + 1];
      if (next) heads.push({ gasPrice: next.gasPrice, seq: next.seq, queue: head.queue, at: head.at + 1 });
    }
    return out;
  }

  /**
   * Holds admissions, re-checks and proposals' re-checks while the block executor applies a
   * block (CometBFT's Lock/Update/Unlock, as one call so the lock cannot be left held). The
   * app's check state is replaced by its Commit inside `section`, so meanwhile proposals and
   * queries take and re-check nothing stale. `section` must report the block's transactions
   * through `update` once the app has committed; returning without doing so is a bug in the
   * caller and throws, since the pool would keep offering committed transactions.
   */
  async lockForBlock<T>(section: (pool: BlockUpdate) => Promise<T>): Promise<T> {
    return this.lock.runExclusive(async () => {
      this.committing = true;
      let open = true;
      let updated = false;
      const handle: BlockUpdate = {
        update: (committedHashes) => {
          if (!open) throw new Error('Mempool: update() called after lockForBlock() returned');
          if (updated) throw new Error('Mempool: update() called twice for one block');
          updated = true;
          return this.update(committedHashes);
        },
      };
      try {
        const result = await section(handle);
        if (!updated) throw new Error('Mempool: lockForBlock() section returned without update()');
        return result;
      } finally {
        open = false;
        this.committing = false;
      }
    });
  }

  /** After a commit reset the app's check state: drop committed transactions, mark the rest for re-check. */
  private update(committedHashes: readonly Uint8Array[]): { removed: number; stale: number; seen: SeenTxs } {
    const seen: SeenTxs = { at: this.now(), ages: [], viaRpc: 0 };
    for (const hash of committedHashes) {
      const key = bytesKey(hash);
      this.remember(key);
      const entry = this.byHash.get(key);
      if (entry) {
        seen.ages.push(seen.at - entry.arrivedAt);
        if (entry.viaRpc) seen.viaRpc++;
        this.removeEntry(key);
      }
    }
    for (const sender of this.bySender.keys()) this.stale.add(sender);
    this.scheduleRecheck();
    return { removed: seen.ages.length, stale: this.stale.size, seen };
  }

  /** Re-checks one sender now if it is stale (its pending nonce is about to be read). */
  freshen(sender: Uint8Array): void {
    if (this.stale.size > 0 && !this.committing) this.freshenLocked(bytesKey(sender));
  }

  /** True while some pending transactions were not re-checked since the last commit. */
  get recheckPending(): boolean {
    return this.stale.size > 0;
  }

  /** Resolves once the background re-check has caught up (tests and benchmarks). */
  async recheckDone(): Promise<void> {
    while (this.stale.size > 0) await this.recheckSlice();
  }

  private scheduleRecheck(): void {
    if (this.recheckScheduled || this.stale.size === 0) return;
    this.recheckScheduled = true;
    this.soon(() => {
      this.recheckScheduled = false;
      void this.recheckSlice().then(() => this.scheduleRecheck());
    });
  }

  private async recheckSlice(): Promise<void> {
    await this.lock.runExclusive(() => {
      let done = 0;
      for (const sender of this.stale) {
        done += this.bySender.get(sender)?.length ?? 0;
        this.freshenLocked(sender);
        if (done >= RECHECK_SLICE) break;
      }
    });
  }

  /**
   * CheckTx again on one sender's transactions in nonce order. A transaction whose nonce is
   * already used goes alone; one failing for any other reason takes the same sender's later
   * transactions with it (they could not run).
   */
  private freshenLocked(sender: string): void {
    if (!this.stale.delete(sender)) return;
    const queue = this.bySender.get(sender);
    if (!queue) return;
    const kept: Entry[] = [];
    let broken = false;
    for (const entry of queue) {
      const code = broken ? -1 : this.app.checkTx(entry.bytes, 'recheck').code;
      if (code === TxCode.OK) {
        kept.push(entry);
        continue;
      }
      if (code !== TxCode.NONCE_TOO_LOW) broken = true;
      this.byHash.delete(entry.key);
      this.bytes -= entry.bytes.length;
      this.levels.change(entry.gasPrice, entry.gasWanted, entry.bytes.length, -1);
      this.evicted++;
    }
    if (kept.length === 0) this.bySender.delete(sender);
    else this.bySender.set(sender, kept);
  }

  private removeEntry(key: string): void {
    const entry = this.byHash.get(key);
    if (!entry) return;
    this.byHash.delete(key);
    this.bytes -= entry.bytes.length;
    this.levels.change(entry.gasPrice, entry.gasWanted, entry.bytes.length, -1);
    const queue = this.bySender.get(entry.sender);
    if (!queue) return;
    const i = queue.indexOf(entry);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) this.bySender.delete(entry.sender);
  }

  private remember(key: string): void {
    if (this.limits.cacheSize === 0) return;
    if (this.committed.size >= this.limits.cacheSize) {
      const oldest = this.committed.values().next();
      if (!oldest.done) this.committed.delete(oldest.value);
    }
    this.committed.add(key);
  }
}

/**
 * Transactions between mempools. Gossipsub costs about as much per message as per kilobyte,
 * so transactions this node accepts from its clients leave in batches (every few
 * milliseconds, or when a batch is full); batches from peers go through CheckTx here, and
 * gossipsub forwards a batch on, as it came, only once CheckTx took something new from it.
 * A batch holding a transaction no honest node would relay (undecodable, forged signature,
 * another chain) is rejected: not forwarded, and it counts against the peer.
 */
import { TxCode } from '../app/errors.js';
import { decodeTxBatch, encodeTxBatch, MAX_TX_BATCH } from '../codec/gossip.js';
import type { AddResult, Mempool } from '../mempool/mempool.js';
import { systemClock, type Clock, type Timer } from '../runtime/clock.js';
import type { Logger } from './logger.js';
import { topicsFor, type GossipNetwork, type Verdict } from './network.js';

const FLUSH_AFTER_MS = 10;
/** Keeps a batch well under the gossip message size limit. */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Bytes of one peer's batches being checked at once; more is dropped unchecked (not scored). */
export const MAX_CHECKING_BYTES_PER_PEER = 8 * 1024 * 1024;

/** Outcomes that depend on the transaction alone, never on state: proof the relaying peer did not check it. */
const FORGED: ReadonlySet<number> = new Set([TxCode.TX_DECODE, TxCode.INVALID_SIGNATURE, TxCode.WRONG_CHAIN_ID]);

export class TxGossip {
  private readonly topic: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private timer: Timer | undefined;
  /** Bytes of each peer's batches under CheckTx; a peer leaves the map when it has none. */
  private readonly checking = new Map<string, number>();
  received = 0;

  constructor(
    private readonly net: GossipNetwork,
    private readonly mempool: Mempool,
    chainId: string,
    private readonly logger: Logger,
    /** The host's time: batches are flushed on its timers (virtual ones in the simulator). */
    private readonly clock: Clock = systemClock,
  ) {
    this.topic = topicsFor(chainId).txs;
  }

  start(): void {
    this.net.subscribe(this.topic, (data, from) => this.onBatch(data, from));
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.pending = [];
  }

  /** A transaction this node's mempool accepted from a client. */
  announce(tx: Uint8Array): void {
    this.pending.push(tx);
    this.pendingBytes += tx.length;
    if (this.pending.length >= MAX_TX_BATCH || this.pendingBytes >= MAX_BATCH_BYTES) this.flush();
    else this.timer ??= this.clock.after(FLUSH_AFTER_MS, () => this.flush());
  }

  private flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = encodeTxBatch(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.net.publish(this.topic, batch).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'publishing transactions failed'));
  }

  private async onBatch(data: Uint8Array, from: string): Promise<Verdict> {
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(data);
    } catch {
      return 'reject';
    }
    const busy = this.checking.get(from) ?? 0;
    if (busy + data.length > MAX_CHECKING_BYTES_PER_PEER) return 'ignore';
    this.checking.set(from, busy + data.length);
    this.received += txs.length;
    let results: (AddResult | null)[];
    try {
      // A CheckTx failure is this node's business (a nonce another mempool took may be used
      // here), except for the outcomes that prove the transaction was never valid anywhere.
      results = await Promise.all(txs.map((tx) => this.mempool.add(tx).catch(() => null)));
    } finally {
      const left = (this.checking.get(from) ?? 0) - data.length;
      if (left > 0) this.checking.set(from, left);
      else this.checking.delete(from);
    }
    if (results.some((r) => r !== null && FORGED.has(r.code))) return 'reject';
    return results.some((r) => r?.code === TxCode.OK) ? 'accept' : 'ignore';
  }
}

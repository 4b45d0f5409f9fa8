/**
 * Transactions between mempools. Gossipsub costs about as much per message as per kilobyte,
 * so transactions this node accepts from its clients leave in batches (every few
 * milliseconds, or when a batch is full); batches from peers go through CheckTx here and
 * gossipsub forwards them on as they came.
 */
import { decodeTxBatch, encodeTxBatch, MAX_TX_BATCH } from '../codec/gossip.js';
import type { Mempool } from '../mempool/mempool.js';
import type { Logger } from './logger.js';
import { topicsFor, type GossipNetwork, type Verdict } from './network.js';

const FLUSH_AFTER_MS = 10;
/** Keeps a batch well under the gossip message size limit. */
const MAX_BATCH_BYTES = 1024 * 1024;

export class TxGossip {
  private readonly topic: string;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  received = 0;

  constructor(
    private readonly net: GossipNetwork,
    private readonly mempool: Mempool,
    chainId: string,
    private readonly logger: Logger,
  ) {
    this.topic = topicsFor(chainId).txs;
  }

  start(): void {
    this.net.subscribe(this.topic, (data) => this.onBatch(data));
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }

  /** A transaction this node's mempool accepted from a client. */
  announce(tx: Uint8Array): void {
    this.pending.push(tx);
    this.pendingBytes += tx.length;
    if (this.pending.length >= MAX_TX_BATCH || this.pendingBytes >= MAX_BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_AFTER_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = encodeTxBatch(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.net.publish(this.topic, batch).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'publishing transactions failed'));
  }

  private onBatch(data: Uint8Array): Verdict {
    let txs: Uint8Array[];
    try {
      txs = decodeTxBatch(data);
    } catch {
      return 'reject';
    }
    this.received += txs.length;
    // CheckTx outcomes are this node's business: a tx another mempool took may fail here (a
    // nonce already used), which says nothing bad about the peer.
    for (const tx of txs) void this.mempool.add(tx).catch(() => undefined);
    return 'accept';
  }
}

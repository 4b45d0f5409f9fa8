/**
 * Prometheus metrics of a node (`GET /metrics`), named like CometBFT's where one exists
 * (cometbft_consensus_height becomes cmt_consensus_height). Gauges read live values when
 * scraped; block interval and size are observed as blocks commit.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { EventBus } from './event-bus.js';

export interface MetricSources {
  height(): number;
  round(): number;
  peers(): number;
  mempoolSize(): number;
  mempoolBytes(): number;
  walBytes(): number;
  /** Messages dropped by the p2p layer and by consensus checks, by reason. */
  dropped(): Record<string, number>;
  evidencePending(): number;
  /** Peers banned for invalid messages since start. */
  bans(): number;
}

export class NodeMetrics {
  readonly registry = new Registry();

  constructor(sources: MetricSources, events: EventBus) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'cmt_process_' });
    const live = (name: string, help: string, read: () => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read()); } });
    };
    live('cmt_consensus_height', 'Height consensus is deciding', sources.height);
    live('cmt_consensus_round', 'Round of the height being decided', sources.round);
    live('cmt_p2p_peers', 'Connected peers', sources.peers);
    live('cmt_mempool_size', 'Transactions waiting in the mempool', sources.mempoolSize);
    live('cmt_mempool_size_bytes', 'Bytes of the transactions in the mempool', sources.mempoolBytes);
    live('cmt_consensus_wal_bytes', 'Size of the consensus write-ahead log', sources.walBytes);
    live('cmt_evidence_pending', 'Evidence waiting to be included in a block', sources.evidencePending);
    live('cmt_p2p_bans', 'Peers banned for invalid messages since start', sources.bans);
    new Counter({
      name: 'cmt_p2p_dropped_messages_total',
      help: 'Messages from peers dropped, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(sources.dropped())) this.inc({ reason }, n);
      },
    });
    const interval = new Histogram({
      name: 'cmt_consensus_block_interval_seconds',
      help: 'Time between consecutive blocks (header times)',
      buckets: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 2, 3, 5, 10, 30],
      registers,
    });
    const txs = new Histogram({ name: 'cmt_consensus_block_txs', help: 'Transactions per block', buckets: [0, 1, 10, 100, 1000, 5000, 10000, 50000], registers });
    const blocks = new Counter({ name: 'cmt_consensus_blocks_total', help: 'Blocks committed since start', registers });
    let lastTime: number | undefined;
    events.on('newBlock', (e) => {
      blocks.inc();
      txs.observe(e.block.txs.length);
      if (lastTime !== undefined) interval.observe((e.block.header.time - lastTime) / 1000);
      lastTime = e.block.header.time;
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The parts of a running node its metrics read; the network and its reactors exist only once it started. */
export interface MeteredNode {
  consensus(): { height: number; round: number };
  host(): { peers(): readonly unknown[]; stats(): { dropped: Record<string, number>; bans: number } } | undefined;
  gossip(): { counters: { rejected: number; ignored: number } } | undefined;
  mempool: { readonly size: number; readonly sizeBytes: number };
  wal: { readonly sizeBytes: number };
  evidencePool(): { readonly size: number };
}

/** A node's metrics, reading its parts live when scraped. */
export function nodeMetrics(node: MeteredNode, events: EventBus): NodeMetrics {
  return new NodeMetrics(
    {
      height: () => node.consensus().height,
      round: () => node.consensus().round,
      peers: () => node.host()?.peers().length ?? 0,
      mempoolSize: () => node.mempool.size,
      mempoolBytes: () => node.mempool.sizeBytes,
      walBytes: () => node.wal.sizeBytes,
      dropped: () => ({ ...(node.host()?.stats().dropped ?? {}), ...prefixed('consensus_', node.gossip()?.counters) }),
      evidencePending: () => node.evidencePool().size,
      bans: () => node.host()?.stats().bans ?? 0,
    },
    events,
  );
}

/** Consensus-check drop counts under the p2p drop metric, labelled apart. */
function prefixed(prefix: string, counters: { rejected: number; ignored: number } | undefined): Record<string, number> {
  return counters ? { [`${prefix}rejected`]: counters.rejected, [`${prefix}ignored`]: counters.ignored } : {};
}

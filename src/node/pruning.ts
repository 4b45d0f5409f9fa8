/**
 * Block pruning (config storage.retain_blocks): keeps the last `retainBlocks` blocks, deleting
 * older ones after each new block. Passes run one at a time, in the background: a slow pass
 * never holds up consensus, and the next block's pass waits for it.
 */
import type { EventBus } from './event-bus.js';
import type { Logger } from './logger.js';

/** What pruning needs of the block store. */
export interface PrunableStore {
  /** The lowest height still stored. */
  readonly base: number;
  /** Deletes every block below `height`; answers how many it deleted. */
  pruneBelow(height: number): Promise<number>;
}

export class BlockPruner {
  private pass: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: PrunableStore,
    private readonly retainBlocks: number,
    private readonly logger: Logger,
  ) {}

  /** Prunes after every new block; with retainBlocks 0 (keep every block) it never runs. */
  static attach(events: EventBus, store: PrunableStore, retainBlocks: number, logger: Logger): BlockPruner {
    const pruner = new BlockPruner(store, retainBlocks, logger);
    if (retainBlocks > 0) events.on('newBlock', (e) => pruner.prune(e.block.header.height));
    return pruner;
  }

  /** Queues a pass keeping the blocks from `height - retainBlocks + 1` on; a failed pass is logged, and the next one retries. */
  prune(height: number): void {
    if (this.retainBlocks <= 0) return;
    const below = height - this.retainBlocks + 1;
    if (below <= this.store.base) return;
    this.pass = this.pass
      .then(() => this.store.pruneBelow(below))
      .then((n) => void (n > 0 && this.logger.debug({ below, pruned: n }, 'pruned blocks')))
      .catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'pruning blocks failed'));
  }

  /** Resolves once the passes queued so far are done: the store may then close. */
  idle(): Promise<void> {
    return this.pass;
  }
}

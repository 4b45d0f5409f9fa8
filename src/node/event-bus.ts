/**
 * Block, transaction and consensus events, for RPC subscribers and for callers waiting on a
 * transaction. Consensus events (spec/rpc-events.md) are made by the consensus driver only
 * while someone listens to their name: `wantsConsensus` is what it asks first.
 */
import { EventEmitter } from 'node:events';
import type { Block } from '../codec/block.js';
import { bytesKey } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import type { TxResult } from '../codec/results.js';
import type { FinalizeBlockResponse } from '../app/abci.js';
import type { Commit } from '../codec/vote.js';
import type { ValidatorUpdateInfo } from '../app/abci.js';
import type { ConsensusEventName, ObservedConsensusEvent } from './consensus-events.js';

export interface NewBlockEvent {
  block: Block;
  hash: Uint8Array;
  response: FinalizeBlockResponse;
  /** The +2/3 precommits that decided it (this node's seen commit). */
  commit: Commit;
}

export interface TxEvent {
  hash: Uint8Array;
  height: number;
  index: number;
  tx: Uint8Array;
  result: TxResult;
}

/** A block that changed the validator set: the app's updates, in its order (power 0 removes). */
export interface ValidatorSetUpdatesEvent {
  height: number;
  updates: readonly ValidatorUpdateInfo[];
}

export type ConsensusListener = (event: ObservedConsensusEvent) => void;

export class TimeoutError extends CmtError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

interface Events {
  newBlock: [NewBlockEvent];
  tx: [TxEvent];
  validatorSetUpdates: [ValidatorSetUpdatesEvent];
}

export class EventBus extends EventEmitter<Events> {
  /** Per transaction hash, the callers waiting for it: a Set, so a caller leaves in O(1). */
  private readonly txWaiters = new Map<string, Set<(event: TxEvent) => void>>();
  /** Per consensus event name, its listeners; a name nobody listens to is absent. */
  private readonly consensusListeners = new Map<ConsensusEventName, Set<ConsensusListener>>();

  constructor() {
    super();
    // Every WebSocket subscription is a listener; the RPC bounds them per client.
    this.setMaxListeners(0);
  }

  publishBlock(event: NewBlockEvent, txHashes: readonly Uint8Array[]): void {
    this.emit('newBlock', event);
    event.block.txs.forEach((tx, index) => {
      const hash = txHashes[index] as Uint8Array;
      const txEvent: TxEvent = { hash, height: event.block.header.height, index, tx, result: event.response.txResults[index] as TxResult };
      this.emit('tx', txEvent);
      const key = bytesKey(hash);
      const waiters = this.txWaiters.get(key);
      if (waiters) {
        this.txWaiters.delete(key);
        for (const w of waiters) w(txEvent);
      }
    });
    const updates = event.response.validatorUpdates;
    if (updates.length > 0) this.emit('validatorSetUpdates', { height: event.block.header.height, updates });
  }

  /** True while anyone listens to any consensus event: the driver observes nothing otherwise. */
  get observingConsensus(): boolean {
    return this.consensusListeners.size > 0;
  }

  wantsConsensus(name: ConsensusEventName): boolean {
    return this.consensusListeners.has(name);
  }

  onConsensus(names: readonly ConsensusEventName[], listener: ConsensusListener): void {
    for (const name of names) {
      const set = this.consensusListeners.get(name);
      if (set) set.add(listener);
      else this.consensusListeners.set(name, new Set([listener]));
    }
  }

  offConsensus(names: readonly ConsensusEventName[], listener: ConsensusListener): void {
    for (const name of names) {
      const set = this.consensusListeners.get(name);
      set?.delete(listener);
      if (set?.size === 0) this.consensusListeners.delete(name);
    }
  }

  /** Hands `event` to the listeners of its name. A listener that throws is skipped: the caller is consensus. */
  publishConsensus(event: ObservedConsensusEvent): void {
    const set = this.consensusListeners.get(event.name);
    if (!set) return;
    // A Set tolerates a listener leaving while it is iterated: no copy per event.
    for (const listener of set) {
      try {
        listener(event);
      } catch {
        // Observation only: a broken listener must not stop consensus or the other listeners.
      }
    }
  }

  /** Callers waiting for a transaction (what the RPC's broadcast_tx_commit holds). */
  pendingTxWaits(): number {
    let n = 0;
    for (const waiters of this.txWaiters.values()) n += waiters.size;
    return n;
  }

  /**
   * Resolves when a block includes the transaction; rejects with TIMEOUT after `timeoutMs`.
   * `signal` ends the wait early (the transaction was refused): the waiter leaves at once.
   */
  waitForTx(hash: Uint8Array, timeoutMs: number, signal?: AbortSignal): Promise<TxEvent> {
    const key = bytesKey(hash);
    return new Promise((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const waiters = this.txWaiters.get(key);
        waiters?.delete(done);
        if (waiters?.size === 0) this.txWaiters.delete(key);
      };
      const done = (event: TxEvent): void => {
        leave();
        resolve(event);
      };
      const onAbort = (): void => {
        leave();
        reject(new TimeoutError('stopped waiting for the transaction'));
      };
      const timer = setTimeout(() => {
        leave();
        reject(new TimeoutError(`timed out after ${timeoutMs} ms waiting for the transaction to be committed (it may still be)`));
      }, timeoutMs);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      const waiters = this.txWaiters.get(key);
      if (waiters) waiters.add(done);
      else this.txWaiters.set(key, new Set([done]));
    });
  }
}

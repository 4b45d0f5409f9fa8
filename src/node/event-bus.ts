/** Block and transaction events, for RPC subscribers and for callers waiting on a transaction. */
import { EventEmitter } from 'node:events';
import type { Block } from '../codec/block.js';
import { bytesKey } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import type { TxResult } from '../codec/results.js';
import type { FinalizeBlockResponse } from '../app/abci.js';

export interface NewBlockEvent {
  block: Block;
  hash: Uint8Array;
  response: FinalizeBlockResponse;
}

export interface TxEvent {
  hash: Uint8Array;
  height: number;
  index: number;
  tx: Uint8Array;
  result: TxResult;
}

export class TimeoutError extends CmtError {
  constructor(message: string) {
    super('TIMEOUT', message);
  }
}

interface Events {
  newBlock: [NewBlockEvent];
  tx: [TxEvent];
}

export class EventBus extends EventEmitter<Events> {
  private readonly txWaiters = new Map<string, ((event: TxEvent) => void)[]>();

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
  }

  /** Resolves when a block includes the transaction; rejects with TIMEOUT after `timeoutMs`. */
  waitForTx(hash: Uint8Array, timeoutMs: number): Promise<TxEvent> {
    const key = bytesKey(hash);
    return new Promise((resolve, reject) => {
      const done = (event: TxEvent): void => {
        clearTimeout(timer);
        resolve(event);
      };
      const timer = setTimeout(() => {
        const list = this.txWaiters.get(key)?.filter((w) => w !== done) ?? [];
        if (list.length > 0) this.txWaiters.set(key, list);
        else this.txWaiters.delete(key);
        reject(new TimeoutError(`timed out after ${timeoutMs} ms waiting for the transaction to be committed (it may still be)`));
      }, timeoutMs);
      const list = this.txWaiters.get(key);
      if (list) list.push(done);
      else this.txWaiters.set(key, [done]);
    });
  }
}

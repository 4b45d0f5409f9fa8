/** A binary max-heap by gas price, earliest arrival first among equals: the order a proposer reaps in. */
import { BinaryHeap } from '../runtime/binary-heap.js';

export interface Ranked {
  gasPrice: bigint;
  seq: number;
}

function before(a: Ranked, b: Ranked): boolean {
  return a.gasPrice > b.gasPrice || (a.gasPrice === b.gasPrice && a.seq < b.seq);
}

export class TxHeap<T extends Ranked> extends BinaryHeap<T> {
  constructor() {
    super(before);
  }
}

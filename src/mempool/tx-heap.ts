/** A binary max-heap by gas price, earliest arrival first among equals: the order a proposer reaps in. */
export interface Ranked {
  gasPrice: bigint;
  seq: number;
}

function before(a: Ranked, b: Ranked): boolean {
  return a.gasPrice > b.gasPrice || (a.gasPrice === b.gasPrice && a.seq < b.seq);
}

export class TxHeap<T extends Ranked> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i] as T, a[parent] as T)) break;
      [a[i], a[parent]] = [a[parent] as T, a[i] as T];
      i = parent;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < a.length && before(a[l] as T, a[best] as T)) best = l;
        if (r < a.length && before(a[r] as T, a[best] as T)) best = r;
        if (best === i) break;
        [a[i], a[best]] = [a[best] as T, a[i] as T];
        i = best;
      }
    }
    return top;
  }
}

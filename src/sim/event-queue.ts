/**
 * The virtual clock's agenda: a binary heap ordered by (time, insertion sequence), so events at
 * the same virtual time run in the order they were scheduled and a run never depends on heap
 * internals.
 */
interface Entry<T> {
  at: number;
  seq: number;
  item: T;
}

export class EventQueue<T> {
  private readonly heap: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  push(at: number, item: T): void {
    const entry = { at, seq: this.seq++, item };
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, h[parent] as Entry<T>)) break;
      h[i] = h[parent] as Entry<T>;
      i = parent;
    }
    h[i] = entry;
  }

  /** The earliest entry's time, or Infinity when empty. */
  peekTime(): number {
    return this.heap[0]?.at ?? Infinity;
  }

  pop(): { at: number; item: T } | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop() as Entry<T>;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const child = r < h.length && before(h[r] as Entry<T>, h[l] as Entry<T>) ? r : l;
        if (!before(h[child] as Entry<T>, last)) break;
        h[i] = h[child] as Entry<T>;
        i = child;
      }
      h[i] = last;
    }
    return { at: top.at, item: top.item };
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

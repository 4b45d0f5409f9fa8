/**
 * Overlays: a view over a StateReader that buffers writes and records which keys it read
 * from below. A block executes on one overlay over the store, each transaction (or message)
 * on a child of it; checkTx, proposal validation and the parallel executor build on the read
 * and write sets recorded here.
 */
import { bytesFromKey, bytesKey } from '../codec/bytes.js';
import { StateUsageError } from './errors.js';
import { ORDERED_PREFIX, SortedKeys, type RangeReader } from './ordered-keys.js';

/** Anything that answers the latest value of a key. */
export interface StateReader {
  get(key: Uint8Array): Uint8Array | undefined;
}

/** The writes of a block or transaction: null deletes the key. */
export type WriteSet = ReadonlyArray<{ key: Uint8Array; value: Uint8Array | null }>;

export class Overlay implements StateReader, RangeReader {
  /** key (latin1) -> value written here, or null for a delete. */
  private readonly writes = new Map<string, Uint8Array | null>();
  private readonly reads = new Set<string>();
  private readonly prefixReads = new Set<string>();
  /** This overlay's written keys under ORDERED_PREFIX: what orderedKeys merges in. */
  private readonly ordered = new SortedKeys();

  constructor(private readonly parent: StateReader) {}

  /**
   * Keys (latin1 strings, see bytesKey) whose value came from the parent: every read that this
   * overlay's own writes did not answer. A read through a child reaches this overlay's get()
   * and is recorded here at once, so the reads of a child that is discarded (a failed message)
   * still count: they decided its outcome, and conflict detection must see them.
   */
  get readSet(): ReadonlySet<string> {
    return this.reads;
  }

  /** Prefixes listed through orderedKeys: a later write of any key under one is a conflict. */
  get rangeReadSet(): ReadonlySet<string> {
    return this.prefixReads;
  }

  /**
   * Keys under `prefix` (latin1), lazily in byte order, with this overlay's writes and deletes
   * merged into its parent's listing: the first n cost about n steps per level (plus deletes
   * skipped), whatever the table's size.
   */
  orderedKeys(prefix: string, onSkip?: () => void): Iterable<string> {
    const parent = this.parent as Partial<RangeReader>;
    if (typeof parent.orderedKeys !== 'function') throw new StateUsageError('orderedKeys: the state below this overlay cannot list keys');
    this.prefixReads.add(prefix);
    return this.mergedKeys(parent.orderedKeys(prefix, onSkip), prefix, onSkip);
  }

  /**
   * Each key this overlay deleted is passed once (`onSkip`), whether or not a layer below has
   * it: a count that depends on the keys and the layers, never on timing.
   */
  private *mergedKeys(below: Iterable<string>, prefix: string, onSkip?: () => void): Generator<string> {
    const parentKeys = below[Symbol.iterator]();
    const own = this.ordered.under(prefix);
    let p = parentKeys.next();
    let o = own.next();
    while (!p.done || !o.done) {
      if (o.done || (!p.done && p.value < o.value)) {
        // Only the parent has it, unless this overlay wrote it (then `own` yields it in turn).
        if (!this.writes.has(p.value as string)) yield p.value as string;
        p = parentKeys.next();
        continue;
      }
      if (!p.done && p.value === o.value) p = parentKeys.next();
      if (this.writes.get(o.value) !== null) yield o.value;
      else onSkip?.();
      o = own.next();
    }
  }

  get(key: Uint8Array): Uint8Array | undefined {
    const k = bytesKey(key);
    const written = this.writes.get(k);
    if (written !== undefined) return written ?? undefined;
    this.reads.add(k);
    return this.parent.get(key);
  }

  /** Buffers a write. The array is kept, not copied: do not change it afterwards. */
  set(key: Uint8Array, value: Uint8Array): void {
    this.record(bytesKey(key), value);
  }

  delete(key: Uint8Array): void {
    this.record(bytesKey(key), null);
  }

  private record(k: string, value: Uint8Array | null): void {
    if (k.startsWith(ORDERED_PREFIX) && !this.writes.has(k)) this.ordered.add(k);
    this.writes.set(k, value);
  }

  /** Buffers writes computed elsewhere (a worker's transaction); keys are latin1 strings (bytesKey). */
  applyWrites(keys: readonly string[], values: readonly (Uint8Array | null)[]): void {
    keys.forEach((k, i) => this.record(k, values[i] ?? null));
  }

  /** True when this overlay has buffered no writes. */
  get isEmpty(): boolean {
    return this.writes.size === 0;
  }

  /** The buffered writes, sorted by key bytes (deterministic whatever the order of set calls). */
  writeSet(): WriteSet {
    const { keys, values } = this.writeEntries();
    return keys.map((k, i) => ({ key: bytesFromKey(k), value: values[i] as Uint8Array | null }));
  }

  /** The same writes with keys as latin1 strings (bytesKey), for code that keeps them as strings. */
  writeEntries(): { keys: string[]; values: (Uint8Array | null)[] } {
    // latin1 strings compare by code unit, which is byte order.
    const keys = [...this.writes.keys()].sort();
    return { keys, values: keys.map((k) => this.writes.get(k) as Uint8Array | null) };
  }

  /** A nested overlay reading through this one (a transaction inside a block). */
  child(): Overlay {
    return new Overlay(this);
  }

  /**
   * Applies this overlay's writes to its parent overlay. Its reads are already recorded there
   * (they went through the parent's get). Discard this overlay afterwards.
   */
  mergeIntoParent(): void {
    if (!(this.parent instanceof Overlay)) throw new StateUsageError('mergeIntoParent: the parent is not an Overlay (stage a store through writeSet())');
    for (const [k, v] of this.writes) this.parent.record(k, v);
  }
}

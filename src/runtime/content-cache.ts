/**
 * What was compiled from a file's text, kept for reuse: entries keyed by the SHA-256 of the
 * file's name and text, the least recently used leaving past `capacity`. Rule files and
 * process definitions are compiled once per process this way; callers charge the same gas
 * whether they find an entry or not.
 */
import { createHash } from 'node:crypto';

export class ContentCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  /** The cached value for `file` with `source`, or what `build` makes of it (kept, unless it throws). */
  get(file: string, source: string, build: () => V, onHit: (value: V) => void = () => undefined): V {
    const key = createHash('sha256').update(file).update('\0').update(source).digest('hex');
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      onHit(hit);
      return hit;
    }
    const value = build();
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }
}

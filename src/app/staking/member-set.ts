/**
 * A set of 20-byte members per 20-byte owner that can be listed without range scans (the state
 * store has none): members sit at dense indexes 0..n-1 and removal moves the last member into
 * the hole. Adding, removing and testing cost O(1) reads and writes; listing costs O(n).
 */
import { concatBytes, readU64be, u64be } from '../../codec/bytes.js';
import type { Overlay, StateReader } from '../../state/overlay.js';

const COUNT = Uint8Array.of(0);
const AT = Uint8Array.of(1);
const INDEX = Uint8Array.of(2);

export class MemberSet {
  constructor(private readonly prefix: Uint8Array) {}

  size(state: StateReader, owner: Uint8Array): number {
    const raw = state.get(concatBytes(this.prefix, owner, COUNT));
    return raw === undefined ? 0 : readU64be(raw);
  }

  has(state: StateReader, owner: Uint8Array, member: Uint8Array): boolean {
    return state.get(this.indexKey(owner, member)) !== undefined;
  }

  members(state: StateReader, owner: Uint8Array): Uint8Array[] {
    const n = this.size(state, owner);
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; i++) out.push(state.get(this.atKey(owner, i)) as Uint8Array);
    return out;
  }

  add(state: Overlay, owner: Uint8Array, member: Uint8Array): void {
    if (this.has(state, owner, member)) return;
    const n = this.size(state, owner);
    state.set(this.atKey(owner, n), member);
    state.set(this.indexKey(owner, member), u64be(n));
    state.set(concatBytes(this.prefix, owner, COUNT), u64be(n + 1));
  }

  remove(state: Overlay, owner: Uint8Array, member: Uint8Array): void {
    const raw = state.get(this.indexKey(owner, member));
    if (raw === undefined) return;
    const index = readU64be(raw);
    const last = this.size(state, owner) - 1;
    if (index !== last) {
      const moved = state.get(this.atKey(owner, last)) as Uint8Array;
      state.set(this.atKey(owner, index), moved);
      state.set(this.indexKey(owner, moved), u64be(index));
    }
    state.delete(this.atKey(owner, last));
    state.delete(this.indexKey(owner, member));
    if (last === 0) state.delete(concatBytes(this.prefix, owner, COUNT));
    else state.set(concatBytes(this.prefix, owner, COUNT), u64be(last));
  }

  private atKey(owner: Uint8Array, index: number): Uint8Array {
    return concatBytes(this.prefix, owner, AT, u64be(index));
  }

  private indexKey(owner: Uint8Array, member: Uint8Array): Uint8Array {
    return concatBytes(this.prefix, owner, INDEX, member);
  }
}

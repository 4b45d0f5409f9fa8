import { afterEach, describe, expect, it } from 'vitest';
import { bytesKey, toHex } from '../../src/codec/bytes.js';
import { StateUsageError } from '../../src/state/errors.js';
import { Overlay, type StateReader, type WriteSet } from '../../src/state/overlay.js';
import { writeVersion, prng, randomBytes, randomKeys, shuffled, tempStore, text, type TempStore } from '../support/state-fixtures.js';

/** A parent that answers from a map and counts the reads that reach it. */
class MapReader implements StateReader {
  readonly asked: string[] = [];
  constructor(private readonly values: Map<string, Uint8Array> = new Map()) {}

  get(key: Uint8Array): Uint8Array | undefined {
    this.asked.push(bytesKey(key));
    return this.values.get(bytesKey(key));
  }
}

const k = (s: string): string => bytesKey(text(s));
const sortedReads = (overlay: Overlay): string[] => [...overlay.readSet].sort();
const plain = (set: WriteSet): [string, string | null][] => set.map(({ key, value }) => [toHex(key), value === null ? null : toHex(value)]);

describe('Overlay reads', () => {
  it('reads through to the parent and records each key read from it', () => {
    const parent = new MapReader(new Map([[k('a'), text('1')]]));
    const overlay = new Overlay(parent);
    expect(overlay.get(text('a'))).toEqual(text('1'));
    expect(overlay.get(text('missing'))).toBeUndefined();
    expect(overlay.get(text('a'))).toEqual(text('1'));
    expect(parent.asked).toEqual([k('a'), k('missing'), k('a')]);
    // A set: each key once, absent keys included (their absence decided something too).
    expect(sortedReads(overlay)).toEqual([k('a'), k('missing')]);
    expect(overlay.isEmpty).toBe(true);
    expect(overlay.writeSet()).toEqual([]);
  });

  it('answers its own writes and deletes without asking the parent or recording a read', () => {
    const parent = new MapReader(new Map([[k('a'), text('1')], [k('b'), text('2')]]));
    const overlay = new Overlay(parent);
    overlay.set(text('a'), text('10'));
    overlay.delete(text('b'));
    overlay.set(text('c'), text('3'));
    expect(overlay.get(text('a'))).toEqual(text('10'));
    expect(overlay.get(text('b'))).toBeUndefined();
    expect(overlay.get(text('c'))).toEqual(text('3'));
    expect(parent.asked).toEqual([]);
    expect(overlay.readSet.size).toBe(0);
    expect(overlay.isEmpty).toBe(false);
  });

  it('records a read made before the key was written (it still decided the outcome)', () => {
    const parent = new MapReader(new Map([[k('a'), text('1')]]));
    const overlay = new Overlay(parent);
    const before = overlay.get(text('a'));
    overlay.set(text('a'), text('2'));
    expect(before).toEqual(text('1'));
    expect(overlay.get(text('a'))).toEqual(text('2'));
    expect(sortedReads(overlay)).toEqual([k('a')]);
  });

  it('does not change the parent: writes stay buffered', () => {
    const values = new Map([[k('a'), text('1')]]);
    const parent = new MapReader(values);
    const overlay = new Overlay(parent);
    overlay.set(text('a'), text('2'));
    overlay.delete(text('a'));
    overlay.set(text('b'), text('3'));
    expect(values.get(k('a'))).toEqual(text('1'));
    expect(values.has(k('b'))).toBe(false);
  });
});

describe('Overlay write sets', () => {
  it('sorts by key bytes whatever the order of the writes (bytes above 0x7f included)', () => {
    const keys = [Uint8Array.of(0xff), Uint8Array.of(0x80, 0x00), Uint8Array.of(0x7f, 0xff), Uint8Array.of(0x00), Uint8Array.of(0x00, 0x00), new Uint8Array(0), Uint8Array.of(0x61)];
    const expected = ['', '00', '0000', '61', '7fff', '8000', 'ff'];
    const rand = prng(1);
    for (let round = 0; round < 5; round++) {
      const overlay = new Overlay(new MapReader());
      for (const key of shuffled(rand, keys)) overlay.set(key, Uint8Array.of(key.length));
      expect(overlay.writeSet().map((w) => toHex(w.key))).toEqual(expected);
    }
  });

  it('is deterministic for random keys: sorted, one entry per key, independent of write order', () => {
    const rand = prng(2);
    const keys = randomKeys(rand, 300);
    const values = new Map(keys.map((key) => [bytesKey(key), randomBytes(rand, 8)]));
    const build = (order: Uint8Array[]): WriteSet => {
      const overlay = new Overlay(new MapReader());
      for (const key of order) overlay.set(key, values.get(bytesKey(key)) as Uint8Array);
      return overlay.writeSet();
    };
    const first = plain(build(keys));
    expect(first.length).toBe(300);
    expect(first.map(([key]) => key)).toEqual(keys.map((key) => toHex(key)).sort((a, b) => Buffer.compare(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'))));
    expect(plain(build(shuffled(rand, keys)))).toEqual(first);
  });

  it('keeps the last write of a key, deletes included', () => {
    const overlay = new Overlay(new MapReader(new Map([[k('d'), text('old')]])));
    overlay.set(text('a'), text('1'));
    overlay.set(text('a'), text('2'));
    overlay.set(text('b'), text('1'));
    overlay.delete(text('b'));
    overlay.delete(text('c'));
    overlay.set(text('c'), text('3'));
    overlay.delete(text('d'));
    overlay.delete(text('d'));
    expect(overlay.writeSet()).toEqual([
      { key: text('a'), value: text('2') },
      { key: text('b'), value: null },
      { key: text('c'), value: text('3') },
      { key: text('d'), value: null },
    ]);
    // A delete of a key the parent does not hold is still a write (the store skips it).
    expect(overlay.get(text('b'))).toBeUndefined();
    expect(overlay.get(text('d'))).toBeUndefined();
  });
});

describe('Overlay children', () => {
  it('reads through the parent overlay: its writes first, then the store below', () => {
    const base = new MapReader(new Map([[k('a'), text('1')], [k('b'), text('2')]]));
    const block = new Overlay(base);
    block.set(text('a'), text('10'));
    block.delete(text('b'));
    const tx = block.child();
    expect(tx.get(text('a'))).toEqual(text('10'));
    expect(tx.get(text('b'))).toBeUndefined();
    expect(tx.get(text('c'))).toBeUndefined();
    // The child records all three; the block only the one its own writes did not answer.
    expect(sortedReads(tx)).toEqual([k('a'), k('b'), k('c')]);
    expect(sortedReads(block)).toEqual([k('c')]);
    expect(base.asked).toEqual([k('c')]);
  });

  it('keeps a child writes out of the parent until mergeIntoParent, then last write wins', () => {
    const block = new Overlay(new MapReader(new Map([[k('x'), text('base')]])));
    block.set(text('a'), text('1'));
    block.set(text('b'), text('1'));
    const tx = block.child();
    tx.set(text('a'), text('2'));
    tx.delete(text('b'));
    tx.set(text('c'), text('3'));
    tx.delete(text('x'));
    expect(tx.get(text('a'))).toEqual(text('2'));
    expect(block.get(text('a'))).toEqual(text('1'));
    expect(block.get(text('c'))).toBeUndefined();
    expect(block.get(text('x'))).toEqual(text('base'));

    tx.mergeIntoParent();
    expect(block.get(text('a'))).toEqual(text('2'));
    expect(block.get(text('b'))).toBeUndefined();
    expect(block.get(text('c'))).toEqual(text('3'));
    expect(block.get(text('x'))).toBeUndefined();
    expect(plain(block.writeSet())).toEqual([
      [toHex(text('a')), toHex(text('2'))],
      [toHex(text('b')), null],
      [toHex(text('c')), toHex(text('3'))],
      [toHex(text('x')), null],
    ]);
  });

  it('drops a discarded child writes but keeps its reads in the parent read set', () => {
    const base = new MapReader(new Map([[k('a'), text('1')]]));
    const block = new Overlay(base);
    const failed = block.child();
    expect(failed.get(text('a'))).toEqual(text('1'));
    expect(failed.get(text('gone'))).toBeUndefined();
    failed.set(text('a'), text('99'));
    // Not merged: the block sees none of its writes, but its reads are recorded there.
    expect(block.isEmpty).toBe(true);
    expect(block.get(text('a'))).toEqual(text('1'));
    expect(sortedReads(block)).toEqual([k('a'), k('gone')]);
  });

  it('merges nested children level by level', () => {
    const block = new Overlay(new MapReader());
    const tx = block.child();
    const msg = tx.child();
    msg.set(text('k'), text('msg'));
    expect(tx.get(text('k'))).toBeUndefined();
    msg.mergeIntoParent();
    expect(tx.get(text('k'))).toEqual(text('msg'));
    expect(block.get(text('k'))).toBeUndefined();
    tx.mergeIntoParent();
    expect(block.get(text('k'))).toEqual(text('msg'));
  });

  it('refuses mergeIntoParent when the parent is not an overlay', () => {
    const overlay = new Overlay(new MapReader());
    overlay.set(text('a'), text('1'));
    expect(() => overlay.mergeIntoParent()).toThrow(StateUsageError);
    expect(() => overlay.mergeIntoParent()).toThrow(/the parent is not an Overlay/);
  });
});

describe('Overlay over a StateStore', () => {
  let handle: TempStore | undefined;
  afterEach(async () => {
    await handle?.cleanup();
    handle = undefined;
  });

  it('reads the committed version and stages its write set as the next version', async () => {
    handle = await tempStore();
    const store = handle.store;
    await writeVersion(store, [
      [text('a'), text('1')],
      [text('b'), text('2')],
    ]);
    const block = new Overlay(store);
    const tx = block.child();
    tx.set(text('a'), text('3'));
    tx.delete(text('b'));
    tx.set(text('c'), text('4'));
    tx.mergeIntoParent();
    expect(store.get(text('a'))).toEqual(text('1'));
    expect(block.get(text('a'))).toEqual(text('3'));
    const root = store.stage(1, block.writeSet());
    await store.write();
    expect(store.rootHash).toEqual(root);
    expect(store.get(text('a'))).toEqual(text('3'));
    expect(store.get(text('b'))).toBeUndefined();
    expect(store.get(text('c'))).toEqual(text('4'));
    expect(store.getAt(text('b'), 0)).toEqual(text('2'));
    // A fresh overlay sees the new version.
    expect(new Overlay(store).get(text('c'))).toEqual(text('4'));
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { bytesKey, utf8 } from '../../src/codec/bytes.js';
import { SortedKeys, take, type RangeReader } from '../../src/state/ordered-keys.js';
import { Overlay, type StateReader } from '../../src/state/overlay.js';
import { StateStore } from '../../src/state/store.js';
import { prng } from '../support/state-fixtures.js';

const key = (s: string): Uint8Array => utf8(`r/${s}`);

describe('ordered keys through the store and overlays', () => {
  let store: StateStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('lists the first n keys under a prefix as a sorted model does, with writes and deletes at every level', async () => {
    store = await StateStore.openInMemory();
    const rand = prng(7);
    const model = new Map<string, boolean>();
    const names = Array.from({ length: 300 }, (_, i) => `${['a', 'ab', 'b'][i % 3]}${String(Math.floor(rand() * 1000)).padStart(3, '0')}`);
    let version = 0;
    for (let round = 0; round < 3; round++) {
      const block = new Overlay(store);
      for (let i = 0; i < 80; i++) {
        const n = names[Math.floor(rand() * names.length)] as string;
        if (rand() < 0.3) {
          block.delete(key(n));
          model.set(n, false);
        } else {
          block.set(key(n), utf8('v'));
          model.set(n, true);
        }
      }
      store.stage(version++, block.writeSet());
      await store.write();
    }
    const block = new Overlay(store);
    const tx = block.child();
    for (let i = 0; i < 60; i++) {
      const n = names[Math.floor(rand() * names.length)] as string;
      const target = rand() < 0.5 ? block : tx;
      const del = rand() < 0.4;
      if (del) target.delete(key(n));
      else target.set(key(n), utf8('w'));
    }
    const present = (n: string): boolean => tx.get(key(n)) !== undefined;
    for (const prefix of ['', 'a', 'ab', 'b0', 'b9', 'zz']) {
      const expected = [...new Set(names)].filter((n) => n.startsWith(prefix) && present(n)).sort().map((n) => bytesKey(key(n)));
      for (const limit of [1, 5, 1000]) expect(take(tx.orderedKeys(bytesKey(key(prefix))), limit)).toEqual(expected.slice(0, limit));
    }
    expect(tx.rangeReadSet.has(bytesKey(key('ab')))).toBe(true);
  });

  it('pulls about n keys from below to list n, however many the table holds', () => {
    let pulled = 0;
    const huge: StateReader & RangeReader = {
      get: () => undefined,
      *orderedKeys(prefix: string) {
        for (let i = 0; i < 1_000_000; i++) {
          pulled++;
          yield `${prefix}${String(i).padStart(7, '0')}`;
        }
      },
    };
    const block = new Overlay(huge);
    block.delete(utf8('r/t0000001'));
    const tx = block.child();
    expect(take(tx.orderedKeys('r/t'), 3)).toEqual(['r/t0000000', 'r/t0000002', 'r/t0000003']);
    expect(pulled).toBeLessThanOrEqual(5);
  });

  it('keeps a sorted set through adds, removes and re-adds merged only when listed', () => {
    const rand = prng(11);
    const set = new SortedKeys(['b', 'd']);
    const model = new Set(['b', 'd']);
    for (let step = 0; step < 3000; step++) {
      const k = String.fromCharCode(97 + Math.floor(rand() * 20)) + (rand() < 0.5 ? String.fromCharCode(97 + Math.floor(rand() * 5)) : '');
      const r = rand();
      if (r < 0.45) {
        set.add(k);
        model.add(k);
      } else if (r < 0.8) {
        set.remove(k);
        model.delete(k);
      } else {
        const prefix = rand() < 0.5 ? '' : k.slice(0, 1);
        expect([...set.under(prefix)]).toEqual([...model].filter((m) => m.startsWith(prefix)).sort());
      }
    }
    expect([...set.under('')]).toEqual([...model].sort());
  });

  it('stays a sorted set when far more changes arrive than it holds, never listed in between', () => {
    const rand = prng(12);
    const set = new SortedKeys();
    const model = new Set<string>();
    for (let step = 0; step < 30_000; step++) {
      const k = `k${Math.floor(rand() * 500)}`;
      if (rand() < 0.7) {
        set.add(k);
        model.add(k);
      } else {
        set.remove(k);
        model.delete(k);
      }
    }
    expect([...set.under('')]).toEqual([...model].sort());
  });
});

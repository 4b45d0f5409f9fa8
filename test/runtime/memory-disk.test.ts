/**
 * MemoryDisk against a naive reference of the POSIX crash model (spec/wal.md, "The Disk port"):
 * after a crash at any point of a random sequence of operations, every fsync'd byte under a
 * synced name is there, and nothing unsynced is (or, with torn writes, only a prefix of bytes
 * appended since the last fsync).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryDisk } from '../../src/runtime/memory-disk.js';
import { ManualClock } from '../support/manual-clock.js';

const DIR = '/data/d';
const NAMES = ['a', 'b', 'c'] as const;
type Name = (typeof NAMES)[number];

type Op =
  | { t: 'create'; name: Name }
  | { t: 'write'; name: Name; at: 'append' | 'gap' | number; bytes: Uint8Array }
  | { t: 'truncate'; name: Name; at: number }
  | { t: 'sync'; name: Name }
  | { t: 'syncDir' }
  | { t: 'unlink'; name: Name }
  | { t: 'replace'; name: Name; bytes: Uint8Array }
  | { t: 'crash'; torn: boolean };

const name = fc.constantFrom(...NAMES);
const bytes = fc.uint8Array({ minLength: 0, maxLength: 12 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('create' as const), name }),
  { arbitrary: fc.record({ t: fc.constant('write' as const), name, at: fc.oneof(fc.constant('append' as const), fc.constant('gap' as const), fc.double({ min: 0, max: 1, noNaN: true })), bytes }), weight: 4 },
  fc.record({ t: fc.constant('truncate' as const), name, at: fc.double({ min: 0, max: 1.2, noNaN: true }) }),
  { arbitrary: fc.record({ t: fc.constant('sync' as const), name }), weight: 2 },
  fc.record({ t: fc.constant('syncDir' as const) }),
  fc.record({ t: fc.constant('unlink' as const), name }),
  fc.record({ t: fc.constant('replace' as const), name, bytes }),
  fc.record({ t: fc.constant('crash' as const), torn: fc.boolean() }),
);

/** The reference: one file per id, names to ids live and durable, content live and durable. */
interface RefFile {
  live: Uint8Array;
  durable: Uint8Array;
  /** Since the last fsync, nothing below the durable end was overwritten or cut. */
  appendOnly: boolean;
}

class Reference {
  files = new Map<number, RefFile>();
  live = new Map<string, number>();
  durable = new Map<string, number>();
  private nextId = 0;

  add(content: Uint8Array, durable: Uint8Array): number {
    const id = this.nextId++;
    this.files.set(id, { live: content, durable, appendOnly: true });
    return id;
  }

  file(n: string): RefFile | undefined {
    const id = this.live.get(n);
    return id === undefined ? undefined : this.files.get(id);
  }
}

function concatAt(base: Uint8Array, bytes: Uint8Array, position: number): Uint8Array {
  const out = new Uint8Array(Math.max(base.length, position + bytes.length));
  out.set(base);
  out.set(bytes, position);
  return out;
}

/** Deterministic [0, 1) stream for torn writes. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

async function run(ops: Op[], seed: number): Promise<void> {
  let disk = new MemoryDisk();
  await disk.mkdirDurably(DIR);
  const ref = new Reference();
  const rng = seeded(seed);
  const path = (n: string): string => `${DIR}/${n}`;

  for (const o of ops) {
    switch (o.t) {
      case 'create': {
        const exists = ref.live.has(o.name);
        const result = await disk.createExclusive(path(o.name), 0o600).then(
          (f) => f.close(),
          (err: NodeJS.ErrnoException) => err.code,
        );
        expect(result).toBe(exists ? 'EEXIST' : undefined);
        if (!exists) ref.live.set(o.name, ref.add(new Uint8Array(0), new Uint8Array(0)));
        break;
      }
      case 'write':
      case 'truncate':
      case 'sync': {
        const f = ref.file(o.name);
        const opened = await disk.openForUpdate(path(o.name)).catch((err: NodeJS.ErrnoException) => String(err.code));
        if (!f) {
          expect(opened).toBe('ENOENT');
          break;
        }
        if (typeof opened === 'string') throw new Error(`open failed: ${opened}`);
        if (o.t === 'write') {
          const position = o.at === 'append' ? f.live.length : o.at === 'gap' ? f.live.length + 3 : Math.floor(o.at * f.live.length);
          await opened.write(o.bytes, position);
          if (o.bytes.length > 0 && position < f.durable.length) f.appendOnly = false;
          if (o.bytes.length > 0) f.live = concatAt(f.live, o.bytes, position); // pwrite of nothing does not grow the file
        } else if (o.t === 'truncate') {
          const length = Math.floor(o.at * f.live.length);
          await opened.truncate(length);
          if (length < f.durable.length) f.appendOnly = false;
          f.live = length <= f.live.length ? f.live.slice(0, length) : concatAt(f.live, new Uint8Array(length - f.live.length), f.live.length);
        } else {
          await opened.sync();
          f.durable = f.live;
          f.appendOnly = true;
        }
        await opened.close();
        break;
      }
      case 'syncDir':
        await disk.syncDir(DIR);
        ref.durable = new Map(ref.live);
        break;
      case 'unlink':
        expect(await code(disk.unlink(path(o.name)))).toBe(ref.live.has(o.name) ? undefined : 'ENOENT');
        ref.live.delete(o.name);
        break;
      case 'replace':
        await disk.replaceDurably(path(o.name), o.bytes, 0o600);
        ref.live.set(o.name, ref.add(o.bytes, o.bytes));
        ref.durable = new Map(ref.live);
        break;
      case 'crash': {
        disk = disk.crash(o.torn ? { torn: rng } : {});
        expect((await disk.list(DIR)).sort()).toEqual([...ref.durable.keys()].sort());
        const survivors = new Map<number, Uint8Array>();
        for (const [n, id] of ref.durable) {
          const f = ref.files.get(id)!;
          const got = await disk.readFile(path(n));
          if (o.torn && f.appendOnly) {
            // The durable bytes, then a prefix of what was appended after them.
            expect(got.length).toBeGreaterThanOrEqual(f.durable.length);
            expect(got.length).toBeLessThanOrEqual(Math.max(f.live.length, f.durable.length));
            expect(got).toEqual(f.live.slice(0, got.length));
          } else {
            expect(got).toEqual(f.durable);
          }
          // Two names of one file are still one file.
          if (survivors.has(id)) expect(got).toEqual(survivors.get(id));
          survivors.set(id, got);
        }
        const files = new Map<number, RefFile>();
        for (const [id, content] of survivors) files.set(id, { live: content, durable: content, appendOnly: true });
        ref.files = files;
        ref.live = new Map(ref.durable);
        break;
      }
    }
    // The volatile view is always the live one.
    for (const n of NAMES) {
      const f = ref.file(n);
      expect(await disk.readSmallFile(path(n), 1 << 20)).toEqual(f ? f.live : null);
    }
  }
}

describe('MemoryDisk', () => {
  it('keeps, after a crash at any point, exactly what was synced (model check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), fc.integer(), (ops, seed) => run(ops, seed)),
      { numRuns: 400 },
    );
  });

  it('a name never synced into its directory vanishes, even with fsync’d content; an unsynced unlink comes back', async () => {
    const disk = new MemoryDisk();
    await disk.mkdirDurably('/d');
    const f = await disk.createExclusive('/d/new', 0o600);
    await f.write(Uint8Array.of(1, 2, 3), 0);
    await f.sync();
    const kept = await disk.createExclusive('/d/kept', 0o600);
    await kept.write(Uint8Array.of(9), 0);
    await kept.sync();
    await disk.syncDir('/d');
    await disk.unlink('/d/kept');
    const f2 = await disk.createExclusive('/d/new2', 0o600);
    await f2.sync();
    const after = disk.crash();
    expect((await after.list('/d')).sort()).toEqual(['kept', 'new']);
    expect(await after.readFile('/d/kept')).toEqual(Uint8Array.of(9));
  });

  it('a directory whose name was not yet synced vanishes with what is in it', async () => {
    const clock = new ManualClock();
    const disk = new MemoryDisk({ clock, syncMs: 5 });
    void disk.mkdirDurably('/top/sub'); // its parent's fsync takes 5 ms
    await expect(disk.list('/top/sub')).resolves.toEqual([]);
    const after = disk.crash();
    expect(await after.list('/')).toEqual([]);
    expect(await after.readSmallFile('/top/sub/x', 10)).toBeNull();
    await expect(after.list('/top')).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('torn writes are deterministic for a seed', async () => {
    const survive = async (seed: number): Promise<number[]> => {
      const lengths: number[] = [];
      for (let i = 0; i < 10; i++) {
        const disk = new MemoryDisk();
        const f = await disk.createExclusive('/w', 0o600);
        await f.write(new Uint8Array(8).fill(1), 0);
        await f.sync();
        await disk.syncDir('/');
        await f.write(new Uint8Array(100).fill(2), 8);
        lengths.push((await disk.crash({ torn: seeded(seed + i) }).readFile('/w')).length);
      }
      return lengths;
    };
    const a = await survive(7);
    expect(await survive(7)).toEqual(a);
    expect(a.every((n) => n >= 8 && n <= 108)).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('a crashed disk answers no more: in-flight fsyncs never complete nor count, later calls never settle', async () => {
    const clock = new ManualClock();
    const disk = new MemoryDisk({ clock, syncMs: 5 });
    const f = await disk.createExclusive('/f', 0o600);
    const dirSynced = disk.syncDir('/');
    clock.advance(5);
    await dirSynced;
    await f.write(Uint8Array.of(1, 2), 0);
    let settled = false;
    void f.sync().then(
      () => (settled = true),
      () => (settled = true),
    );
    clock.advance(4); // not yet
    const after = disk.crash();
    clock.advance(10);
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(await after.readFile('/f')).toEqual(new Uint8Array(0));
    // Nothing the crashed process asks for happens or returns.
    let answered = 0;
    const count = (): void => void answered++;
    f.write(Uint8Array.of(3), 0).then(count, count);
    disk.list('/').then(count, count);
    disk.replaceDurably('/f', 'x', 0o600).then(count, count);
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(0);
    expect(await after.readFile('/f')).toEqual(new Uint8Array(0));
    expect(() => disk.crash()).toThrow(expect.objectContaining({ code: 'DISK_CRASHED' }));
  });
});

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, describe, expect, it } from 'vitest';
import { bytesEqual, bytesKey, toHex, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { decode, encode } from '../../src/codec/schema.js';
import { StateCorruptError, StateDatabaseError, StateUsageError, VersionUnavailableError } from '../../src/state/errors.js';
import { decodeJournal, encodeJournal } from '../../src/state/journal.js';
import { FLAT, flatKey, JOURNAL, META_KEY, ROOT, STATE_FORMAT, StateMeta, tableRange, versionKey } from '../../src/state/layout.js';
import { EMPTY_STATE_ROOT, StateProof, verifyStateProof, type ProofStep } from '../../src/state/proof.js';
import { DEFAULT_KEEP_RECENT, StateStore, type StateStoreOptions } from '../../src/state/store.js';
import { writeVersion, prng, randomBytes, randomKeys, shuffled, tempStore, text, writes, type TempStore } from '../support/state-fixtures.js';
import { tempDir } from '../support/temp-dir.js';

type Entry = [Uint8Array, Uint8Array | null];
type Level = ClassicLevel<Buffer, Buffer>;

const handles: TempStore[] = [];
const dirs: { cleanup: () => Promise<void> }[] = [];

async function fresh(options?: StateStoreOptions): Promise<TempStore> {
  const handle = await tempStore(options);
  handles.push(handle);
  return handle;
}

afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.cleanup();
  for (const dir of dirs.splice(0)) await dir.cleanup();
});

const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : toHex(bytes));

/** Opens the store's LevelDB directly (the store must be closed), runs `fn`, closes it. */
async function withLevel<T>(dir: string, fn: (db: Level) => Promise<T>): Promise<T> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The versions present in one versioned table. */
async function versionsIn(db: Level, prefix: number): Promise<number[]> {
  const out: number[] = [];
  for await (const key of db.keys(tableRange(prefix))) out.push(Number(key.readBigUInt64BE(1)));
  return out;
}

/** The error StateStore.open rejects with (fails the test when it opens). */
async function openError(dir: string, options?: StateStoreOptions): Promise<unknown> {
  return StateStore.open(dir, options).then(
    async (store) => {
      const at = store.latestVersion;
      await store.close();
      throw new Error(`expected the open to fail, but it opened at version ${at}`);
    },
    (err: unknown) => err,
  );
}

/** The error a synchronous call throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

/** Key/value model of one version: hex key -> value. */
type Model = Map<string, Uint8Array>;

function applyToModel(model: Model, entries: Entry[]): Model {
  const next = new Map(model);
  for (const [key, value] of entries) {
    if (value === null) next.delete(toHex(key));
    else next.set(toHex(key), value);
  }
  return next;
}

/**
 * A random history: version 0 inserts `initial` keys, each later version overwrites, deletes
 * and inserts some. Returns the model of every version and the keys ever used.
 */
async function randomHistory(store: StateStore, seed: number, versions: number, initial = 60): Promise<{ models: Model[]; keys: Uint8Array[] }> {
  const rand = prng(seed);
  const keys = randomKeys(rand, initial + versions * 10);
  const models: Model[] = [];
  let model: Model = new Map();
  let nextFresh = initial;
  for (let v = 0; v < versions; v++) {
    const entries: Entry[] = [];
    if (v === 0) {
      for (const key of keys.slice(0, initial)) entries.push([key, randomBytes(rand, 1 + Math.floor(rand() * 40))]);
    } else {
      const live = keys.filter((k) => model.has(toHex(k)));
      for (let i = 0; i < 8; i++) entries.push([live[Math.floor(rand() * live.length)] as Uint8Array, randomBytes(rand, Math.floor(rand() * 40))]);
      for (let i = 0; i < 3; i++) entries.push([live[Math.floor(rand() * live.length)] as Uint8Array, null]);
      for (let i = 0; i < 5; i++) entries.push([keys[nextFresh++] as Uint8Array, randomBytes(rand, 1 + Math.floor(rand() * 40))]);
    }
    await writeVersion(store, entries);
    model = applyToModel(model, entries);
    models.push(model);
  }
  return { models, keys };
}

function expectVersionMatches(store: StateStore, version: number, model: Model, keys: Uint8Array[]): void {
  for (const key of keys) expect(hex(store.getAt(key, version)), `key ${toHex(key)} at version ${version}`).toBe(hex(model.get(toHex(key))));
}

describe('state store versions', () => {
  it('starts empty at version -1 with the zero root', async () => {
    const { store } = await fresh();
    expect(store.latestVersion).toBe(-1);
    expect(store.oldestVersion).toBe(-1);
    expect(store.size).toBe(0);
    expect(store.stagedVersion).toBeUndefined();
    expect(hex(store.rootHash)).toBe('00'.repeat(32));
    expect(store.get(text('a'))).toBeUndefined();
    for (const read of [() => store.getAt(text('a'), 0), () => store.rootAt(0), () => store.prove(text('a'))]) {
      const err = thrown(read);
      expect(err).toBeInstanceOf(VersionUnavailableError);
      expect((err as VersionUnavailableError).code).toBe('VERSION_UNAVAILABLE');
      expect((err as Error).message).toMatch(/state is empty/);
    }
  });

  it('numbers versions from 0, shows a staged version only after commit, and changes the root', async () => {
    const { store } = await fresh();
    const root0 = store.stage(0, writes([[text('a'), text('1')]]));
    expect(store.stagedVersion).toBe(0);
    expect(store.latestVersion).toBe(-1);
    expect(store.get(text('a'))).toBeUndefined();
    expect(hex(store.rootHash)).toBe('00'.repeat(32));
    await store.write();
    expect(store.stagedVersion).toBeUndefined();
    expect(store.latestVersion).toBe(0);
    expect(store.oldestVersion).toBe(0);
    expect(hex(store.rootHash)).toBe(hex(root0));
    expect(hex(root0)).not.toBe('00'.repeat(32));
    expect(store.get(text('a'))).toEqual(text('1'));

    const root1 = store.stage(1, writes([[text('b'), text('2')]]));
    expect(hex(store.rootHash)).toBe(hex(root0));
    expect(store.get(text('b'))).toBeUndefined();
    await store.write();
    expect(store.latestVersion).toBe(1);
    expect(hex(root1)).not.toBe(hex(root0));
    expect(hex(store.rootAt(0))).toBe(hex(root0));
    expect(hex(store.rootAt(1))).toBe(hex(root1));
    expect(store.size).toBe(2);

    // Deleting b restores the key set of version 0, and with it version 0's root.
    const root2 = await writeVersion(store, [[text('b'), null]]);
    expect(store.latestVersion).toBe(2);
    expect(hex(root2)).toBe(hex(root0));
    expect(store.get(text('b'))).toBeUndefined();
    expect(store.size).toBe(1);
  });

  it('advances the version without changing the root when nothing effectively changes', async () => {
    const { store } = await fresh();
    const root0 = await writeVersion(store, [[text('a'), text('1')]]);
    // Same value again and a delete of an absent key: no change.
    const root1 = await writeVersion(store, [
      [text('a'), text('1')],
      [text('zzz'), null],
    ]);
    expect(store.latestVersion).toBe(1);
    expect(hex(root1)).toBe(hex(root0));
    expect(store.getAt(text('a'), 0)).toEqual(text('1'));
    // An empty write set is a version too.
    await writeVersion(store, []);
    expect(store.latestVersion).toBe(2);
    expect(hex(store.rootAt(2))).toBe(hex(root0));
  });

  it('takes the last write of a key within a write set, a delete included', async () => {
    const { store } = await fresh();
    await writeVersion(store, [
      [text('a'), text('1')],
      [text('b'), text('x')],
      [text('a'), text('2')],
      [text('b'), null],
      [text('c'), null],
      [text('c'), text('3')],
    ]);
    expect(store.get(text('a'))).toEqual(text('2'));
    expect(store.get(text('b'))).toBeUndefined();
    expect(store.get(text('c'))).toEqual(text('3'));
    expect(store.size).toBe(2);
  });

  it('copies staged values and returned values (callers cannot change the state through them)', async () => {
    const { store } = await fresh();
    const value = text('abc');
    store.stage(0, writes([[text('k'), value]]));
    value[0] = 0x7a;
    await store.write();
    const read = store.get(text('k')) as Uint8Array;
    expect(read).toEqual(text('abc'));
    read[0] = 0x7a;
    expect(store.get(text('k'))).toEqual(text('abc'));
    const proof = store.prove(text('k'));
    expect(verifyStateProof(proof.root, text('k'), text('abc'), proof.proof)).toBe(true);
  });

  it('keeps an empty value (present, not deleted) and the empty key across a reopen', async () => {
    const handle = await fresh();
    const empty = new Uint8Array(0);
    const root = await writeVersion(handle.store, [
      [text('k'), empty],
      [empty, text('v')],
    ]);
    expect(handle.store.get(text('k'))).toEqual(empty);
    const store = await handle.reopen();
    expect(store.size).toBe(2);
    expect(store.get(text('k'))).toEqual(empty);
    expect(store.get(empty)).toEqual(text('v'));
    expect(hex(store.rootHash)).toBe(hex(root));
    const proof = store.prove(text('k'));
    expect(proof.proof.terminal.type).toBe('leaf');
    expect(verifyStateProof(proof.root, text('k'), empty, proof.proof)).toBe(true);
    expect(verifyStateProof(proof.root, text('k'), undefined, proof.proof)).toBe(false);
  });

  it('reopens with the same version, root, values and kept history, and continues from there', async () => {
    const handle = await fresh();
    const { models, keys } = await randomHistory(handle.store, 11, 6);
    const roots = models.map((_, v) => hex(handle.store.rootAt(v)));
    const root = hex(handle.store.rootHash);
    const size = handle.store.size;

    const store = await handle.reopen();
    expect(store.latestVersion).toBe(5);
    expect(store.oldestVersion).toBe(0);
    expect(hex(store.rootHash)).toBe(root);
    expect(store.size).toBe(size);
    for (let v = 0; v < models.length; v++) {
      expect(hex(store.rootAt(v))).toBe(roots[v]);
      expectVersionMatches(store, v, models[v] as Model, keys);
    }
    for (const key of keys) expect(hex(store.get(key))).toBe(hex((models[5] as Model).get(toHex(key))));

    expect(() => store.stage(5, [])).toThrow(StateUsageError);
    const next = await writeVersion(store, [[text('after'), text('reopen')]]);
    expect(store.latestVersion).toBe(6);
    expect(hex(next)).not.toBe(root);
    const again = await handle.reopen();
    expect(again.latestVersion).toBe(6);
    expect(hex(again.rootHash)).toBe(hex(next));
    expect(again.get(text('after'))).toEqual(text('reopen'));
  });

  it('reopens a store that never committed as empty', async () => {
    const handle = await fresh();
    const store = await handle.reopen();
    expect(store.latestVersion).toBe(-1);
    expect(hex(store.rootHash)).toBe('00'.repeat(32));
  });

  it('writes one batch per commit: flat table, journal, root and metadata', async () => {
    const handle = await fresh();
    const root0 = await writeVersion(handle.store, [
      [text('a'), text('1')],
      [text('b'), text('2')],
    ]);
    const root1 = await writeVersion(handle.store, [
      [text('a'), text('9')],
      [text('b'), null],
      [text('c'), text('3')],
    ]);
    await handle.store.close();
    await withLevel(handle.dir, async (db) => {
      const flat = await db.iterator(tableRange(FLAT)).all();
      expect(flat.map(([k, v]) => [k.toString('latin1'), v.toString('latin1')])).toEqual([
        ['fa', '9'],
        ['fc', '3'],
      ]);
      expect(await versionsIn(db, ROOT)).toEqual([0, 1]);
      expect(toHex((await db.get(versionKey(ROOT, 0))) as Buffer)).toBe(toHex(root0));
      expect(toHex((await db.get(versionKey(ROOT, 1))) as Buffer)).toBe(toHex(root1));
      // Version 0 is the oldest kept: its journal would lead nowhere and is not written.
      expect(await versionsIn(db, JOURNAL)).toEqual([1]);
      const journal = decodeJournal((await db.get(versionKey(JOURNAL, 1))) as Buffer, 1);
      expect([...journal].sort()).toEqual([
        ['a', '1'],
        ['b', '2'],
        ['c', undefined],
      ]);
      const meta = decode(StateMeta, (await db.get(META_KEY)) as Buffer, 'meta');
      expect(meta.format).toBe(STATE_FORMAT);
      expect(meta.latestVersion).toBe(1);
      expect(meta.oldestVersion).toBe(0);
      expect(toHex(meta.rootHash)).toBe(toHex(root1));
      // Nothing else is in the database.
      expect((await db.keys().all()).length).toBe(2 + 2 + 1 + 1);
    });
  });
});

describe('state store ownership of its directory', () => {
  it('refuses a second store on an open directory in the same process, and allows it after close', async () => {
    const handle = await fresh();
    await writeVersion(handle.store, [[text('k'), text('v')]]);
    const second = StateStore.open(handle.dir);
    await expect(second).rejects.toBeInstanceOf(StateDatabaseError);
    await expect(second).rejects.toThrow(/already open in this process/);
    const reopened = await handle.reopen();
    expect(hex(reopened.get(text('k')))).toBe(hex(text('v')));
  });
});

describe('state store past versions', () => {
  it('answers getAt for every kept version, also after a reopen', async () => {
    const handle = await fresh({ keepRecent: 0 });
    const { models, keys } = await randomHistory(handle.store, 21, 12);
    for (let v = 0; v < models.length; v++) expectVersionMatches(handle.store, v, models[v] as Model, keys);
    const store = await handle.reopen();
    for (let v = 0; v < models.length; v++) expectVersionMatches(store, v, models[v] as Model, keys);
    // getAt at the latest version is get.
    for (const key of keys) expect(hex(store.getAt(key, 11))).toBe(hex(store.get(key)));
  });

  it('prunes versions that leave a small keepRecent window, in memory and on disk', async () => {
    const handle = await fresh({ keepRecent: 3 });
    const { models, keys } = await randomHistory(handle.store, 31, 7);
    const store = handle.store;
    expect(store.latestVersion).toBe(6);
    expect(store.oldestVersion).toBe(4);
    for (let v = 4; v <= 6; v++) expectVersionMatches(store, v, models[v] as Model, keys);
    const key = keys[0] as Uint8Array;
    for (const version of [0, 3, 7, -1, 4.5]) {
      for (const read of [() => store.getAt(key, version), () => store.rootAt(version), () => store.prove(key, version)]) {
        const err = thrown(read);
        expect(err).toBeInstanceOf(VersionUnavailableError);
        expect(err).toMatchObject({ code: 'VERSION_UNAVAILABLE', version, oldest: 4, latest: 6 });
        expect((err as Error).message).toBe(`state version ${version} is not available: kept versions are 4..6`);
      }
    }
    await store.close();
    await withLevel(handle.dir, async (db) => {
      expect(await versionsIn(db, ROOT)).toEqual([4, 5, 6]);
      expect(await versionsIn(db, JOURNAL)).toEqual([5, 6]);
      expect(decode(StateMeta, (await db.get(META_KEY)) as Buffer, 'meta').oldestVersion).toBe(4);
    });
    const reopened = await handle.reopen();
    expect(reopened.oldestVersion).toBe(4);
    expect(() => reopened.getAt(key, 3)).toThrow(VersionUnavailableError);
    for (let v = 4; v <= 6; v++) expectVersionMatches(reopened, v, models[v] as Model, keys);
  });

  it('keeps only the latest version with keepRecent 1', async () => {
    const handle = await fresh({ keepRecent: 1 });
    await randomHistory(handle.store, 41, 4);
    expect(handle.store.oldestVersion).toBe(3);
    expect(() => handle.store.rootAt(2)).toThrow(VersionUnavailableError);
    await handle.store.close();
    await withLevel(handle.dir, async (db) => {
      expect(await versionsIn(db, ROOT)).toEqual([3]);
      expect(await versionsIn(db, JOURNAL)).toEqual([]);
    });
  });

  it(`keeps ${DEFAULT_KEEP_RECENT} versions by default and every version with keepRecent 0`, async () => {
    const versions = DEFAULT_KEEP_RECENT + 20;
    const byDefault = await fresh({ sync: false });
    const all = await fresh({ keepRecent: 0, sync: false });
    for (let v = 0; v < versions; v++) {
      const entries: Entry[] = [[text(`k${v % 7}`), text(`v${v}`)]];
      await writeVersion(byDefault.store, entries);
      await writeVersion(all.store, entries);
    }
    expect(byDefault.store.oldestVersion).toBe(versions - DEFAULT_KEEP_RECENT);
    expect(() => byDefault.store.getAt(text('k0'), versions - DEFAULT_KEEP_RECENT - 1)).toThrow(VersionUnavailableError);
    expect(byDefault.store.getAt(text('k0'), versions - DEFAULT_KEEP_RECENT)).toEqual(text(`v${Math.floor((versions - DEFAULT_KEEP_RECENT) / 7) * 7}`));
    expect(all.store.oldestVersion).toBe(0);
    expect(all.store.getAt(text('k0'), 0)).toEqual(text('v0'));
    expect(all.store.getAt(text('k1'), 0)).toBeUndefined();
    expect(all.store.getAt(text('k3'), 10)).toEqual(text('v10'));
    const reopened = await all.reopen();
    expect(reopened.oldestVersion).toBe(0);
    expect(reopened.getAt(text('k0'), 0)).toEqual(text('v0'));
  });

  it('shrinks the window when reopened with a smaller keepRecent and never brings pruned versions back', async () => {
    const handle = await fresh({ keepRecent: 0 });
    const { models, keys } = await randomHistory(handle.store, 51, 8);
    let store = await handle.reopen({ keepRecent: 2 });
    expect(store.oldestVersion).toBe(6);
    expect(() => store.getAt(keys[0] as Uint8Array, 5)).toThrow(VersionUnavailableError);
    expectVersionMatches(store, 6, models[6] as Model, keys);
    // The next commit deletes the records below the window from disk too.
    await writeVersion(store, [[text('x'), text('y')]]);
    expect(store.oldestVersion).toBe(7);
    await store.close();
    await withLevel(handle.dir, async (db) => {
      expect(await versionsIn(db, ROOT)).toEqual([7, 8]);
      expect(await versionsIn(db, JOURNAL)).toEqual([8]);
    });
    store = await handle.reopen({ keepRecent: 0 });
    expect(store.oldestVersion).toBe(7);
    expectVersionMatches(store, 7, models[7] as Model, keys);
  });

  it('rejects a keepRecent that is not a non-negative integer', async () => {
    const dir = await tempDir('state-options');
    dirs.push(dir);
    for (const keepRecent of [-1, 1.5, Number.NaN]) {
      const err = await openError(dir.path, { keepRecent });
      expect(err).toBeInstanceOf(StateUsageError);
      expect((err as Error).message).toMatch(/keepRecent must be a non-negative integer/);
    }
  });
});

describe('state store staging', () => {
  it('refuses to stage any version but the next one', async () => {
    const { store } = await fresh();
    for (const version of [1, -1, 0.5]) {
      const err = thrown(() => store.stage(version, []));
      expect(err).toBeInstanceOf(StateUsageError);
      expect(err).toMatchObject({ code: 'STATE_USAGE', message: `cannot stage version ${version}: the next version is 0` });
    }
    await writeVersion(store, [[text('a'), text('1')]]);
    for (const version of [0, 2, 5]) expect(() => store.stage(version, [])).toThrow(`cannot stage version ${version}: the next version is 1`);
    expect(store.stagedVersion).toBeUndefined();
  });

  it('refuses to commit when nothing is staged and to stage twice', async () => {
    const { store } = await fresh();
    await expect(store.write()).rejects.toThrow(StateUsageError);
    await expect(store.write()).rejects.toThrow('nothing is staged to write');
    store.stage(0, writes([[text('a'), text('1')]]));
    const err = thrown(() => store.stage(0, []));
    expect(err).toBeInstanceOf(StateUsageError);
    expect((err as Error).message).toBe('version 0 is already staged: write or discard it first');
    await store.write();
    await expect(store.write()).rejects.toThrow('nothing is staged to write');
    expect(store.latestVersion).toBe(0);
  });

  it('discardStaged leaves the committed state unchanged, in memory and on disk', async () => {
    const handle = await fresh();
    const root0 = await writeVersion(handle.store, [[text('a'), text('1')]]);
    const staged = handle.store.stage(1, writes([
      [text('a'), text('2')],
      [text('b'), text('3')],
    ]));
    expect(hex(staged)).not.toBe(hex(root0));
    handle.store.discardStaged();
    expect(handle.store.stagedVersion).toBeUndefined();
    expect(handle.store.latestVersion).toBe(0);
    expect(hex(handle.store.rootHash)).toBe(hex(root0));
    expect(handle.store.get(text('a'))).toEqual(text('1'));
    expect(handle.store.get(text('b'))).toBeUndefined();
    await expect(handle.store.write()).rejects.toThrow(StateUsageError);
    handle.store.discardStaged(); // nothing staged: a no-op

    // The same version can be staged again with other writes.
    const root1 = await writeVersion(handle.store, [[text('c'), text('4')]]);
    expect(handle.store.latestVersion).toBe(1);
    expect(handle.store.get(text('b'))).toBeUndefined();
    expect(handle.store.getAt(text('a'), 1)).toEqual(text('1'));
    const store = await handle.reopen();
    expect(hex(store.rootHash)).toBe(hex(root1));
    expect(store.get(text('a'))).toEqual(text('1'));
    expect(store.get(text('b'))).toBeUndefined();
  });

  it('refuses a second commit, a stage and a discard while a commit is being written', async () => {
    const { store } = await fresh();
    store.stage(0, writes([[text('a'), text('1')]]));
    const first = store.write();
    await expect(store.write()).rejects.toThrow('a version is already being written');
    expect(() => store.stage(1, [])).toThrow('cannot stage while a version is being written');
    expect(() => store.discardStaged()).toThrow('cannot discard a version that is being written');
    await first;
    expect(store.latestVersion).toBe(0);
    expect(store.get(text('a'))).toEqual(text('1'));
  });

  it('refuses every use after close', async () => {
    const handle = await fresh();
    await writeVersion(handle.store, [[text('a'), text('1')]]);
    await handle.store.close();
    await handle.store.close(); // twice is fine
    for (const use of [() => handle.store.get(text('a')), () => handle.store.getAt(text('a'), 0), () => handle.store.prove(text('a')), () => handle.store.stage(1, [])]) {
      const err = thrown(use);
      expect(err).toBeInstanceOf(StateUsageError);
      expect((err as Error).message).toContain(handle.dir);
    }
    await expect(handle.store.write()).rejects.toThrow(StateUsageError);
  });
});

describe('state proofs', () => {
  async function provenStore(seed: number, count: number): Promise<{ store: StateStore; present: Uint8Array[]; absent: Uint8Array[]; model: Model }> {
    const { store } = await fresh();
    const rand = prng(seed);
    const keys = randomKeys(rand, count * 2);
    const present = keys.slice(0, count);
    const entries: Entry[] = present.map((k) => [k, randomBytes(rand, Math.floor(rand() * 60))]);
    await writeVersion(store, entries);
    return { store, present, absent: keys.slice(count), model: applyToModel(new Map(), entries) };
  }

  const flipped = (bytes: Uint8Array, at = 0): Uint8Array => {
    const out = Uint8Array.from(bytes);
    out[at] = (out[at] as number) ^ 0x01;
    return out;
  };

  it('proves inclusion: verifies the value against the root, fails for a tampered value or root', async () => {
    const { store, present, model } = await provenStore(61, 400);
    for (const key of present) {
      const result = store.prove(key);
      const value = model.get(toHex(key)) as Uint8Array;
      expect(result.version).toBe(0);
      expect(hex(result.value)).toBe(toHex(value));
      expect(hex(result.root)).toBe(hex(store.rootHash));
      expect(result.proof.terminal.type).toBe('leaf');
      expect(result.proof.steps.length).toBeGreaterThan(0);
      expect(verifyStateProof(result.root, key, value, result.proof)).toBe(true);
      expect(verifyStateProof(result.root, key, Uint8Array.of(...value, 0), result.proof)).toBe(false);
      if (value.length > 0) expect(verifyStateProof(result.root, key, flipped(value), result.proof)).toBe(false);
      expect(verifyStateProof(flipped(result.root, 31), key, value, result.proof)).toBe(false);
      expect(verifyStateProof(result.root, key, undefined, result.proof)).toBe(false);
      expect(verifyStateProof(result.root, flipped(key), value, result.proof)).toBe(false);
    }
  });

  it('proves absence with an empty slot or another leaf, and fails when a value is claimed', async () => {
    const { store, absent } = await provenStore(62, 400);
    const seen = new Set<string>();
    for (const key of absent) {
      const result = store.prove(key);
      expect(result.value).toBeUndefined();
      expect(store.get(key)).toBeUndefined();
      const terminal = result.proof.terminal;
      seen.add(terminal.type);
      expect(terminal.type).not.toBe('leaf');
      if (terminal.type === 'otherLeaf') expect(toHex(terminal.keyHash)).not.toBe(toHex(sha256(key)));
      expect(verifyStateProof(result.root, key, undefined, result.proof)).toBe(true);
      expect(verifyStateProof(result.root, key, text('claimed'), result.proof)).toBe(false);
      expect(verifyStateProof(result.root, key, new Uint8Array(0), result.proof)).toBe(false);
      expect(verifyStateProof(flipped(result.root), key, undefined, result.proof)).toBe(false);
    }
    // 400 absent keys among 400 present: both kinds of absence occur.
    expect([...seen].sort()).toEqual(['empty', 'otherLeaf']);
  });

  it('rejects tampered proofs and a proof used for another key', async () => {
    const { store, present, absent, model } = await provenStore(63, 200);
    const key = present[0] as Uint8Array;
    const value = model.get(toHex(key)) as Uint8Array;
    const { proof, root } = store.prove(key);
    const step0 = proof.steps[0] as ProofStep;
    const withStep = (step: ProofStep): StateProof => ({ ...proof, steps: [step, ...proof.steps.slice(1)] });
    expect(verifyStateProof(root, key, value, withStep({ ...step0, siblings: step0.siblings.map((s, i) => (i === 0 ? flipped(s) : s)) }))).toBe(false);
    expect(verifyStateProof(root, key, value, withStep({ ...step0, bitmap: flipped(step0.bitmap, 1) }))).toBe(false);
    expect(verifyStateProof(root, key, value, withStep({ ...step0, siblings: step0.siblings.slice(1) }))).toBe(false);
    expect(verifyStateProof(root, key, value, { ...proof, steps: proof.steps.slice(1) })).toBe(false);
    expect(verifyStateProof(root, key, value, { ...proof, terminal: { type: 'empty' } })).toBe(false);
    // Another present key's proof does not prove this key.
    const other = present[1] as Uint8Array;
    expect(verifyStateProof(root, key, value, store.prove(other).proof)).toBe(false);

    // An absence proof ending at another leaf: a changed leaf or a leaf that is the key itself fail.
    const absentKey = absent.find((k) => store.prove(k).proof.terminal.type === 'otherLeaf') as Uint8Array;
    const absence = store.prove(absentKey);
    const terminal = absence.proof.terminal;
    if (terminal.type !== 'otherLeaf') throw new Error('expected an otherLeaf terminal');
    expect(verifyStateProof(root, absentKey, undefined, absence.proof)).toBe(true);
    expect(verifyStateProof(root, absentKey, undefined, { ...absence.proof, terminal: { ...terminal, valueHash: flipped(terminal.valueHash) } })).toBe(false);
    expect(verifyStateProof(root, absentKey, undefined, { ...absence.proof, terminal: { ...terminal, keyHash: sha256(absentKey) } })).toBe(false);
    // An absence proof of one key is not one of the key whose leaf it ends at.
    const leafKey = present.find((k) => bytesEqual(sha256(k), terminal.keyHash)) as Uint8Array;
    expect(leafKey).toBeDefined();
    expect(verifyStateProof(root, leafKey, undefined, absence.proof)).toBe(false);
  });

  it('survives an encode/decode round trip (as queries carry it)', async () => {
    const { store, present, absent, model } = await provenStore(64, 50);
    for (const key of [...present.slice(0, 10), ...absent.slice(0, 10)]) {
      const result = store.prove(key);
      const decoded = decode(StateProof, encode(StateProof, result.proof), 'proof');
      expect(verifyStateProof(result.root, key, model.get(toHex(key)), decoded)).toBe(true);
    }
  });

  it('proves absence in the empty state and in a one-key state', async () => {
    const { store } = await fresh();
    await writeVersion(store, []);
    const empty = store.prove(text('a'));
    expect(empty.proof).toEqual({ steps: [], terminal: { type: 'empty' } });
    expect(empty.root).toEqual(EMPTY_STATE_ROOT);
    expect(verifyStateProof(EMPTY_STATE_ROOT, text('a'), undefined, empty.proof)).toBe(true);
    expect(verifyStateProof(EMPTY_STATE_ROOT, text('a'), text('x'), empty.proof)).toBe(false);

    await writeVersion(store, [[text('only'), text('v')]]);
    const inclusion = store.prove(text('only'));
    expect(inclusion.proof.steps).toEqual([]);
    expect(verifyStateProof(inclusion.root, text('only'), text('v'), inclusion.proof)).toBe(true);
    const absence = store.prove(text('a'));
    expect(absence.proof.steps).toEqual([]);
    expect(absence.proof.terminal.type).toBe('otherLeaf');
    expect(verifyStateProof(absence.root, text('a'), undefined, absence.proof)).toBe(true);
    // The empty-state proof does not verify against the one-key root.
    expect(verifyStateProof(absence.root, text('a'), undefined, empty.proof)).toBe(false);
  });

  it('proves at past versions against that version root, before and after a reopen', async () => {
    const handle = await fresh();
    const { models, keys } = await randomHistory(handle.store, 65, 6);
    const check = (store: StateStore): void => {
      for (let v = 0; v < models.length; v++) {
        const model = models[v] as Model;
        const root = store.rootAt(v);
        for (const key of keys.slice(0, 120)) {
          const expected = model.get(toHex(key));
          const result = store.prove(key, v);
          expect(result.version).toBe(v);
          expect(hex(result.root)).toBe(hex(root));
          expect(hex(result.value)).toBe(hex(expected));
          expect(verifyStateProof(root, key, expected, result.proof)).toBe(true);
          // The present value (or absence) claimed at the wrong version fails where it differs.
          const latest = (models[5] as Model).get(toHex(key));
          if (hex(latest) !== hex(expected)) expect(verifyStateProof(root, key, latest, result.proof)).toBe(false);
        }
        if (v < 5) expect(hex(root)).not.toBe(hex(store.rootHash));
      }
    };
    check(handle.store);
    check(await handle.reopen());
  });
});

describe('state store corruption on open', () => {
  /** A closed store of three versions: a, b, c at 0; a changed at 1; b deleted, d added at 2. */
  async function closedStore(): Promise<TempStore> {
    const handle = await fresh();
    await writeVersion(handle.store, [
      [text('a'), text('1')],
      [text('b'), text('2')],
      [text('c'), text('3')],
    ]);
    await writeVersion(handle.store, [[text('a'), text('10')]]);
    await writeVersion(handle.store, [
      [text('b'), null],
      [text('d'), text('4')],
    ]);
    await handle.store.close();
    return handle;
  }

  function expectCorrupt(err: unknown, dir: string, reason: RegExp): void {
    expect(err).toBeInstanceOf(StateCorruptError);
    expect((err as StateCorruptError).code).toBe('STATE_CORRUPT');
    expect((err as Error).message).toContain(`state database ${dir} is corrupt`);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toMatch(/it was not reset/);
  }

  it('detects a changed value in the flat table (the recomputed root differs), and keeps refusing', async () => {
    const { dir } = await closedStore();
    await withLevel(dir, (db) => db.put(flatKey('c'), Buffer.from('33')));
    const err = await openError(dir);
    expectCorrupt(err, dir, /the root recomputed from its 3 values \([0-9a-f]{64}\) differs from the stored root of version 2/);
    // Nothing was repaired or reset: the next open fails the same way, and the bad value is still there.
    expectCorrupt(await openError(dir), dir, /differs from the stored root/);
    expect((await withLevel(dir, (db) => db.get(flatKey('c'))))?.toString()).toBe('33');
  });

  it('detects an extra and a missing key in the flat table', async () => {
    const extra = await closedStore();
    await withLevel(extra.dir, (db) => db.put(flatKey('zz'), Buffer.from('1')));
    expectCorrupt(await openError(extra.dir), extra.dir, /recomputed from its 4 values/);
    const missing = await closedStore();
    await withLevel(missing.dir, (db) => db.del(flatKey('a')));
    expectCorrupt(await openError(missing.dir), missing.dir, /recomputed from its 2 values/);
  });

  it('detects a journal whose bytes were changed (checksum) and a missing journal', async () => {
    const changed = await closedStore();
    await withLevel(changed.dir, async (db) => {
      const bytes = (await db.get(versionKey(JOURNAL, 2))) as Buffer;
      bytes[14] = (bytes[14] as number) ^ 0xff;
      await db.put(versionKey(JOURNAL, 2), bytes);
    });
    expectCorrupt(await openError(changed.dir), changed.dir, /the journal of version 2 does not decode \(journal checksum mismatch\)/);

    const missing = await closedStore();
    await withLevel(missing.dir, (db) => db.del(versionKey(JOURNAL, 1)));
    expectCorrupt(await openError(missing.dir), missing.dir, /the journal of kept version 1 is missing/);
  });

  it('detects a well-formed journal that does not lead to the previous root, or defers it with verifyHistory false', async () => {
    const handle = await closedStore();
    // Version 1 claims a's previous value was '7' instead of '1': a valid record with a wrong content.
    await withLevel(handle.dir, (db) => db.put(versionKey(JOURNAL, 1), encodeJournal(1, new Map([['a', '7']]))));
    expectCorrupt(await openError(handle.dir), handle.dir, /undoing the journal of version 1 does not give the stored root of version 0/);

    const store = await StateStore.open(handle.dir, { verifyHistory: false });
    handle.store = store;
    expect(store.latestVersion).toBe(2);
    expect(store.get(text('a'))).toEqual(text('10'));
    // Version 1 still rebuilds to its root; version 0 does not, and a proof there is refused.
    const proof = store.prove(text('a'), 1);
    expect(verifyStateProof(store.rootAt(1), text('a'), text('10'), proof.proof)).toBe(true);
    const err = thrown(() => store.prove(text('a'), 0));
    expectCorrupt(err, handle.dir, /undoing the journals down to version 0 does not give its stored root/);
  });

  it('detects root records that are missing, malformed or differ from the metadata', async () => {
    const missing = await closedStore();
    await withLevel(missing.dir, (db) => db.del(versionKey(ROOT, 1)));
    expectCorrupt(await openError(missing.dir), missing.dir, /the root record of kept version 1 is missing/);

    const short = await closedStore();
    await withLevel(short.dir, (db) => db.put(versionKey(ROOT, 0), Buffer.alloc(31)));
    expectCorrupt(await openError(short.dir), short.dir, /the root record of version 0 has 31 bytes/);

    const differs = await closedStore();
    await withLevel(differs.dir, (db) => db.put(versionKey(ROOT, 2), Buffer.alloc(32, 1)));
    expectCorrupt(await openError(differs.dir), differs.dir, /the root record of version 2 differs from the metadata's root/);

    const past = await closedStore();
    await withLevel(past.dir, (db) => db.put(versionKey(ROOT, 0), Buffer.alloc(32, 1)));
    expectCorrupt(await openError(past.dir), past.dir, /undoing the journal of version 1 does not give the stored root of version 0/);
  });

  it('detects missing, undecodable and foreign-format metadata', async () => {
    const missing = await closedStore();
    await withLevel(missing.dir, (db) => db.del(META_KEY));
    expectCorrupt(await openError(missing.dir), missing.dir, /it holds data but no state metadata record/);

    const garbage = await closedStore();
    await withLevel(garbage.dir, (db) => db.put(META_KEY, Buffer.from([0xc0, 0x01])));
    expectCorrupt(await openError(garbage.dir), garbage.dir, /its metadata record does not decode/);

    const format = await closedStore();
    await withLevel(format.dir, async (db) => {
      const meta = decode(StateMeta, (await db.get(META_KEY)) as Buffer, 'meta');
      await db.put(META_KEY, Buffer.from(encode(StateMeta, { ...meta, format: STATE_FORMAT + 1 })));
    });
    expectCorrupt(await openError(format.dir), format.dir, new RegExp(`it has layout format ${STATE_FORMAT + 1}; this build reads format ${STATE_FORMAT}`));

    const order = await closedStore();
    await withLevel(order.dir, async (db) => {
      const meta = decode(StateMeta, (await db.get(META_KEY)) as Buffer, 'meta');
      await db.put(META_KEY, Buffer.from(encode(StateMeta, { ...meta, oldestVersion: 3 })));
    });
    expectCorrupt(await openError(order.dir), order.dir, /its oldest version 3 is above its latest 2/);
  });

  it('reports a damaged table file (.ldb) as a database error naming the directory', async () => {
    const handle = await fresh();
    // Compressible values, so the table's data blocks are snappy-compressed and damage is detected.
    const entries: Entry[] = [];
    for (let i = 0; i < 300; i++) entries.push([text(`key-${i}`), text(`value-${i}-${'x'.repeat(60)}`)]);
    await writeVersion(handle.store, entries);
    await handle.store.close();
    // Compaction moves everything from the write-ahead log into a sorted table file.
    await withLevel(handle.dir, (db) => db.compactRange(Buffer.of(0), Buffer.of(0xff)));
    const tables = (await readdir(handle.dir)).filter((f) => f.endsWith('.ldb'));
    expect(tables.length).toBeGreaterThan(0);
    for (const table of tables) {
      const file = join(handle.dir, table);
      const bytes = await readFile(file);
      for (let i = 0; i < 64; i++) bytes[(bytes.length >> 1) + i] = (bytes[(bytes.length >> 1) + i] as number) ^ 0xff;
      await writeFile(file, bytes);
    }

    const err = await openError(handle.dir);
    expect(err).toBeInstanceOf(StateDatabaseError);
    expect((err as StateDatabaseError).code).toBe('DATABASE_ERROR');
    expect((err as Error).message).toContain(`database ${handle.dir}: is corrupted`);
    expect((err as Error).message).toMatch(/Corruption/);
  });

  it('reports a damaged MANIFEST as a database error naming the directory', async () => {
    const { dir } = await closedStore();
    const manifest = (await readdir(dir)).find((f) => f.startsWith('MANIFEST-')) as string;
    const bytes = await readFile(join(dir, manifest));
    bytes.fill(0x5a, 0, Math.min(bytes.length, 40));
    await writeFile(join(dir, manifest), bytes);
    const err = await openError(dir);
    expect(err).toBeInstanceOf(StateDatabaseError);
    expect((err as Error).message).toContain(`database ${dir}: is corrupted (Corruption`);
  });

  it('opens the untouched store of the same shape (the corruption tests start from a valid one)', async () => {
    const handle = await closedStore();
    const store = await StateStore.open(handle.dir);
    handle.store = store;
    expect(store.latestVersion).toBe(2);
    expect(store.getAt(text('a'), 0)).toEqual(text('1'));
    expect(store.getAt(text('b'), 1)).toEqual(text('2'));
    expect(store.get(text('b'))).toBeUndefined();
  });
});

describe('state store determinism', () => {
  it('gives the same root bytes for the same writes in any order within a version', async () => {
    const rand = prng(71);
    const keys = randomKeys(rand, 500);
    const values = keys.map(() => randomBytes(rand, 1 + Math.floor(rand() * 30)));
    const a = await fresh({ sync: false });
    const b = await fresh({ sync: false });
    const batches: Entry[][] = [
      keys.map((k, i) => [k, values[i] as Uint8Array]),
      keys.slice(0, 100).map((k): Entry => [k, null]),
      [...keys.slice(100, 200).map((k): Entry => [k, text('changed')]), ...keys.slice(0, 50).map((k): Entry => [k, text('back')])],
    ];
    for (const batch of batches) {
      const rootA = await writeVersion(a.store, batch);
      const rootB = await writeVersion(b.store, shuffled(rand, batch));
      expect(toHex(rootB)).toBe(toHex(rootA));
    }
    // The same final state reached in one version from scratch has the same root as well.
    const c = await fresh({ sync: false });
    const final = new Map<string, Entry>();
    for (const batch of batches) for (const [k, v] of batch) final.set(bytesKey(k), [k, v]);
    const rootC = await writeVersion(
      c.store,
      shuffled(rand, [...final.values()].filter(([, v]) => v !== null)),
    );
    expect(toHex(rootC)).toBe(toHex(a.store.rootHash));
    expect(c.store.size).toBe(a.store.size);
    // And a reopened store recomputes exactly those bytes from its flat table.
    expect(toHex((await a.reopen()).rootHash)).toBe(toHex(rootC));
  });
});

describe('an in-memory state store', () => {
  it('commits, reads past versions and proves like the one on disk, with the same roots', async () => {
    const dir = await tempDir('state-mem-compare');
    const disk = await StateStore.open(dir.path, { keepRecent: 10 });
    const memory = await StateStore.openInMemory({ keepRecent: 10 });
    try {
      for (let version = 0; version < 5; version++) {
        const writes = [0, 1, 2].map((i) => ({ key: utf8(`k${version}-${i}`), value: utf8(`v${version}`) }));
        expect(memory.stage(version, writes)).toEqual(disk.stage(version, writes));
        await Promise.all([memory.write(), disk.write()]);
      }
      expect(memory.rootHash).toEqual(disk.rootHash);
      expect(memory.getAt(utf8('k1-0'), 2)).toEqual(utf8('v1'));
      expect(memory.prove(utf8('k3-2'), 4).value).toEqual(utf8('v3'));
    } finally {
      await memory.close();
      await disk.close();
      await dir.cleanup();
    }
  });
});

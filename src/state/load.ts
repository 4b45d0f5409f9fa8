/**
 * Opening a state database: rebuild the in-memory trie from the flat table, check it against
 * the stored root, load the kept roots and journals and (by default) check that undoing each
 * journal leads to the root recorded for the version before it. Anything that does not fit is
 * a typed error naming the directory; nothing is ever reset.
 */
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { decode } from '../codec/schema.js';
import { StateCorruptError, StateDatabaseError } from './errors.js';
import { sha256String } from './hashing.js';
import { decodeJournal, History, type Journal } from './journal.js';
import { FLAT, JOURNAL, META_KEY, ROOT, STATE_FORMAT, StateMeta, tableRange, versionKey } from './layout.js';
import { applyUndo, keyHashFinder } from './past.js';
import { buildTrie, EMPTY_TRIE, hashedLeaf, sortByKeyHash, type HashedLeaf, type Leaf, type Trie } from './trie.js';
import { levelOpenFailure } from '../runtime/level-open-failure.js';

export type StateLevel = ClassicLevel<Buffer, Buffer>;

export interface LoadedState {
  values: Map<string, Leaf>;
  trie: Trie;
  history: History;
  /** Oldest version with records on disk (may be below the window after keepRecent shrank). */
  diskOldest: number;
  /** Where opening spent its time, for the benchmark and the node's start-up log. */
  timings: { readFlatMs: number; buildTrieMs: number; historyMs: number };
}

export async function openStateLevel(dir: string): Promise<StateLevel> {
  // multithreading: worker threads of the parallel executor open the same database to read the flat table.
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', multithreading: true });
  try {
    await db.open();
  } catch (err) {
    throw new StateDatabaseError(dir, levelOpenFailure(err), err);
  }
  return db;
}

/** A database that lives in this process's memory only (the simulator's validators). */
export async function openMemoryLevel(): Promise<StateLevel> {
  const db = new MemoryLevel<Buffer, Buffer>({ keyEncoding: 'buffer', valueEncoding: 'buffer' });
  await db.open();
  // memory-level implements the same abstract-level 3 interface as classic-level for every
  // call the store makes (get, keys, iterator, chained batch, close); classic-level's extra
  // options (fillCache, sync) are ignored. The typings differ only in those extras.
  return db as unknown as StateLevel;
}

export async function loadState(db: StateLevel, dir: string, keepRecent: number, verifyHistory: boolean): Promise<LoadedState> {
  const corrupt = (reason: string, cause?: unknown): StateCorruptError => new StateCorruptError(dir, reason, cause);
  try {
    const metaBytes = await db.get(META_KEY);
    if (metaBytes === undefined) {
      if ((await db.keys({ limit: 1 }).all()).length > 0) throw corrupt('it holds data but no state metadata record');
      return { values: new Map(), trie: EMPTY_TRIE, history: new History(), diskOldest: 0, timings: { readFlatMs: 0, buildTrieMs: 0, historyMs: 0 } };
    }
    let meta: StateMeta;
    try {
      meta = decode(StateMeta, metaBytes, 'state metadata');
    } catch (err) {
      throw corrupt('its metadata record does not decode', err);
    }
    if (meta.format !== STATE_FORMAT) throw corrupt(`it has layout format ${meta.format}; this build reads format ${STATE_FORMAT}`);
    if (meta.oldestVersion > meta.latestVersion) throw corrupt(`its oldest version ${meta.oldestVersion} is above its latest ${meta.latestVersion}`);

    const t0 = performance.now();
    const { values, leaves } = await readFlat(db);
    const t1 = performance.now();
    const trie = buildTrie(sortByKeyHash(leaves));
    const t2 = performance.now();
    const storedRoot = Buffer.from(meta.rootHash).toString('latin1');
    if (trie.hash !== storedRoot) {
      throw corrupt(
        `the root recomputed from its ${values.size} values (${toHex(Buffer.from(trie.hash, 'latin1'))}) differs from the stored root of version ${meta.latestVersion} (${toHex(meta.rootHash)})`,
      );
    }

    const latest = meta.latestVersion;
    const oldest = keepRecent === 0 ? meta.oldestVersion : Math.max(meta.oldestVersion, latest - keepRecent + 1);
    const roots = await readVersions(db, ROOT, oldest, latest, (bytes, v) => {
      if (bytes.length !== 32) throw corrupt(`the root record of version ${v} has ${bytes.length} bytes`);
      return bytes.toString('latin1');
    });
    const journals = await readVersions(db, JOURNAL, oldest + 1, latest, (bytes, v) => {
      try {
        return decodeJournal(bytes, v);
      } catch (err) {
        throw corrupt(`the journal of version ${v} does not decode (${err instanceof Error ? err.message : String(err)})`, err);
      }
    });
    for (let v = oldest; v <= latest; v++) if (!roots.has(v)) throw corrupt(`the root record of kept version ${v} is missing`);
    for (let v = oldest + 1; v <= latest; v++) if (!journals.has(v)) throw corrupt(`the journal of kept version ${v} is missing`);
    if (roots.get(latest) !== storedRoot) throw corrupt(`the root record of version ${latest} differs from the metadata's root`);

    const history = new History();
    history.add(oldest, roots.get(oldest) as string, null);
    for (let v = oldest + 1; v <= latest; v++) history.add(v, roots.get(v) as string, journals.get(v) as Journal);
    if (verifyHistory) {
      // Undo the journals one version at a time and check each root on the way down.
      const keyHashOf = keyHashFinder(values);
      let past = trie;
      for (let v = latest; v > oldest; v--) {
        past = applyUndo(past, journals.get(v) as Journal, keyHashOf);
        if (past.hash !== roots.get(v - 1)) throw corrupt(`undoing the journal of version ${v} does not give the stored root of version ${v - 1}`);
      }
    }
    const t3 = performance.now();
    return { values, trie, history, diskOldest: meta.oldestVersion, timings: { readFlatMs: t1 - t0, buildTrieMs: t2 - t1, historyMs: t3 - t2 } };
  } catch (err) {
    if (err instanceof CmtError) throw err;
    throw new StateDatabaseError(dir, `is corrupted or unreadable (${err instanceof Error ? err.message : String(err)}); restore it from a backup or resync — it was not reset`, err);
  }
}

/** Every key of the flat table: the latest map and the leaves, hashed as they arrive. */
async function readFlat(db: StateLevel): Promise<{ values: Map<string, Leaf>; leaves: HashedLeaf[] }> {
  const values = new Map<string, Leaf>();
  const leaves: HashedLeaf[] = [];
  const iterator = db.iterator({ ...tableRange(FLAT), fillCache: false });
  try {
    // Ask for the next chunk before hashing this one, so LevelDB reads while we hash.
    let next = iterator.nextv(8192);
    for (;;) {
      const entries = await next;
      if (entries.length === 0) break;
      next = iterator.nextv(8192);
      for (const [k, v] of entries) {
        const leaf = hashedLeaf(sha256String(k.subarray(1)), v.toString('latin1'), sha256String(v));
        values.set(k.toString('latin1', 1), leaf.leaf);
        leaves.push(leaf);
      }
    }
  } finally {
    await iterator.close();
  }
  return { values, leaves };
}

/** The records of one versioned table for versions [from, to] (to < from reads nothing). */
async function readVersions<T>(db: StateLevel, prefix: number, from: number, to: number, parse: (bytes: Buffer, version: number) => T): Promise<Map<number, T>> {
  const out = new Map<number, T>();
  if (to < from) return out;
  for await (const [key, value] of db.iterator({ gte: versionKey(prefix, from), lte: versionKey(prefix, to) })) {
    const version = key.readUInt32BE(1) * 2 ** 32 + key.readUInt32BE(5);
    out.set(version, parse(value, version));
  }
  return out;
}

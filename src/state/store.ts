/**
 * The authenticated, versioned state store (spec/state.md).
 *
 * The whole latest state lives in memory: a Map of latest values for O(1) synchronous reads
 * and an immutable Merkle trie over key hashes. A block's writes are staged into a new trie
 * that shares every unchanged node with the latest one (reads keep seeing the latest
 * version), then written with one LevelDB batch: the flat latest-value table, the version's
 * journal (previous values), its root and the metadata, with journals that leave the kept
 * window deleted in the same batch. Past versions are answered from the journals in memory.
 */
import { resolve } from 'node:path';
import { bytesKey } from '../codec/bytes.js';
import { encode } from '../codec/schema.js';
import { StateCorruptError, StateDatabaseError, StateUsageError, VersionUnavailableError } from './errors.js';
import { sha256String, stringBytes, valueHashOf } from './hashing.js';
import { encodeJournal, type History, type Journal } from './journal.js';
import { flatKey, JOURNAL, META_KEY, ROOT, STATE_FORMAT, StateMeta, versionKey } from './layout.js';
import { loadState, openMemoryLevel, openStateLevel, type LoadedState, type StateLevel } from './load.js';
import type { StateReader, WriteSet } from './overlay.js';
import { applyUndo, keyHashFinder, PastTrieCache } from './past.js';
import { OrderedKeys, type RangeReader } from './ordered-keys.js';
import type { StateProof } from './proof.js';
import { applyUpdates, hashedLeaf, pathTo, sortByKeyHash, type Leaf, type Trie, type TrieUpdate } from './trie.js';

export const DEFAULT_KEEP_RECENT = 100;

/** Directories opened by a StateStore of this process. */
const OPEN_DIRS = new Set<string>();
/** Names in-memory stores apart in errors. */
let memoryStores = 0;

export interface StateStoreOptions {
  /** Versions kept readable, the latest included (default 100); 0 keeps every version. */
  keepRecent?: number;
  /** On open, undo every kept journal and check each past root (default true). */
  verifyHistory?: boolean;
  /** fsync each version's batch (default true): a write() that returned survives a power cut. */
  sync?: boolean;
}

export interface StateProofResult {
  /** The key's value at `version`, undefined when the proof shows absence. */
  value: Uint8Array | undefined;
  proof: StateProof;
  version: number;
  /** The root the proof verifies against (the app hash of header `version + 1`). */
  root: Uint8Array;
}

/** Where the last version spent its time: stage() (trie work) and write() (LevelDB); the benchmark splits them. */
export interface VersionTimings {
  stageMs: number;
  writeMs: number;
}

interface Staged {
  version: number;
  trie: Trie;
  /** key -> new leaf, or null when the key is deleted. */
  changes: Map<string, Leaf | null>;
  journal: Journal;
  stageMs: number;
}

export class StateStore implements StateReader, RangeReader {
  private trie: Trie;
  private readonly ordered: OrderedKeys;
  private readonly values: Map<string, Leaf>;
  private readonly history: History;
  private readonly past = new PastTrieCache();
  private diskOldest: number;
  private staged: Staged | undefined;
  /** The batch of a write() in progress, so close() can wait for it. */
  private writing: Promise<void> | undefined;
  private closed = false;
  private timings: VersionTimings = { stageMs: 0, writeMs: 0 };

  private constructor(
    private readonly db: StateLevel,
    readonly dir: string,
    private readonly keepRecent: number,
    private readonly sync: boolean,
    loaded: LoadedState,
  ) {
    this.trie = loaded.trie;
    this.values = loaded.values;
    this.ordered = new OrderedKeys(loaded.values.keys());
    this.history = loaded.history;
    this.diskOldest = loaded.diskOldest;
    this.openTimings = loaded.timings;
  }

  /** Where opening spent its time (reading the flat table, building the trie, checking history). */
  readonly openTimings: LoadedState['timings'];

  static async open(dir: string, options: StateStoreOptions = {}): Promise<StateStore> {
    const keepRecent = options.keepRecent ?? DEFAULT_KEEP_RECENT;
    if (!Number.isSafeInteger(keepRecent) || keepRecent < 0) throw new StateUsageError(`keepRecent must be a non-negative integer, got ${keepRecent}`);
    // multithreading:true lets this process open the directory twice without LevelDB's lock
    // complaining; two stores on one directory would drift apart, so refuse here instead.
    const id = resolve(dir);
    if (OPEN_DIRS.has(id)) throw new StateDatabaseError(dir, 'is already open in this process');
    OPEN_DIRS.add(id);
    try {
      const db = await openStateLevel(dir);
      try {
        const loaded = await loadState(db, dir, keepRecent, options.verifyHistory ?? true);
        return new StateStore(db, dir, keepRecent, options.sync ?? true, loaded);
      } catch (err) {
        await db.close().catch(() => undefined);
        throw err;
      }
    } catch (err) {
      OPEN_DIRS.delete(id);
      throw err;
    }
  }

  /**
   * A store whose database lives in memory only (memory-level): the same trie, journals and
   * proofs, nothing on disk. For the simulator, where hundreds of validators are created and
   * dropped per second; nodes always use `open`. `db` reopens a database an earlier store wrote.
   */
  static async openInMemory(options: Pick<StateStoreOptions, 'keepRecent'> & { db?: StateLevel } = {}): Promise<StateStore> {
    const keepRecent = options.keepRecent ?? DEFAULT_KEEP_RECENT;
    // The simulator keeps a validator's database across its crashes and opens a new store on it at each restart.
    const db = options.db ?? (await openMemoryLevel());
    const dir = `memory:${++memoryStores}`;
    return new StateStore(db, dir, keepRecent, false, await loadState(db, dir, keepRecent, false));
  }

  /** -1 for a new, empty store; genesis state is version 0, block h is version h. */
  get latestVersion(): number {
    return this.history.latest;
  }

  /** The oldest version still readable (equal to latestVersion when keepRecent is 1). */
  get oldestVersion(): number {
    return this.history.latest < 0 ? -1 : this.history.oldest;
  }

  /** Root at latestVersion (32 zero bytes for the empty store). */
  get rootHash(): Uint8Array {
    return stringBytes(this.trie.hash);
  }

  /** Number of keys at latestVersion. */
  get size(): number {
    return this.values.size;
  }

  /** Version staged and not yet written, if any. */
  get stagedVersion(): number | undefined {
    return this.staged?.version;
  }

  get lastTimings(): VersionTimings {
    return this.timings;
  }

  get(key: Uint8Array): Uint8Array | undefined {
    this.assertOpen();
    const leaf = this.values.get(bytesKey(key));
    return leaf === undefined ? undefined : stringBytes(leaf.value);
  }

  /** Latest keys under `prefix` (which must lie under ORDERED_PREFIX), lazily, in byte order. */
  orderedKeys(prefix: string): Iterable<string> {
    this.assertOpen();
    return this.ordered.orderedKeys(prefix);
  }

  getAt(key: Uint8Array, version: number): Uint8Array | undefined {
    this.assertOpen();
    this.assertKept(version);
    const k = bytesKey(key);
    const value = this.history.valueAt(k, version, this.values.get(k)?.value);
    return value === undefined ? undefined : stringBytes(value);
  }

  rootAt(version: number): Uint8Array {
    this.assertOpen();
    this.assertKept(version);
    return stringBytes(this.history.rootOf(version) as string);
  }

  prove(key: Uint8Array, version: number = this.latestVersion): StateProofResult {
    this.assertOpen();
    this.assertKept(version);
    const trie = this.trieAt(version);
    const keyHash = sha256String(key);
    const path = pathTo(trie, keyHash);
    const steps = path.steps.map((s) => ({ bitmap: Uint8Array.of(s.bitmap >>> 8, s.bitmap & 0xff), siblings: s.siblings.map(stringBytes) }));
    let value: Uint8Array | undefined;
    let terminal: StateProof['terminal'];
    if (path.leaf === null) {
      terminal = { type: 'empty' };
    } else if (path.leaf.keyHash === keyHash) {
      terminal = { type: 'leaf' };
      value = stringBytes(path.leaf.value);
    } else {
      terminal = { type: 'otherLeaf', keyHash: stringBytes(path.leaf.keyHash), valueHash: stringBytes(valueHashOf(path.leaf.value)) };
    }
    return { value, proof: { steps, terminal }, version, root: stringBytes(trie.hash) };
  }

  /**
   * Stages the next version from a write set and returns its root. Nothing is durable and
   * reads still see latestVersion until write(). A key written twice takes its last value.
   */
  stage(version: number, writes: WriteSet): Uint8Array {
    this.assertOpen();
    if (this.writing) throw new StateUsageError('cannot stage while a version is being written');
    if (this.staged !== undefined) throw new StateUsageError(`version ${this.staged.version} is already staged: write or discard it first`);
    if (version !== this.latestVersion + 1) throw new StateUsageError(`cannot stage version ${version}: the next version is ${this.latestVersion + 1}`);
    const started = performance.now();
    const last = new Map<string, WriteSet[number]>();
    for (const write of writes) last.set(bytesKey(write.key), write);
    const changes = new Map<string, Leaf | null>();
    const journal: Journal = new Map();
    const updates: TrieUpdate[] = [];
    for (const [key, write] of last) {
      const old = this.values.get(key);
      if (write.value === null) {
        if (old === undefined) continue;
        updates.push({ keyHash: old.keyHash, leaf: null });
        changes.set(key, null);
      } else {
        // The value is copied into a string here, so a caller reusing its array cannot change state.
        const value = bytesKey(write.value);
        if (old !== undefined && old.value === value) continue;
        const keyHash = old?.keyHash ?? sha256String(write.key);
        const leaf = hashedLeaf(keyHash, value, sha256String(write.value));
        updates.push({ keyHash, leaf });
        changes.set(key, leaf.leaf);
      }
      journal.set(key, old?.value);
    }
    const sorted = sortByKeyHash(updates);
    const trie = applyUpdates(this.trie, sorted);
    this.staged = { version, trie, changes, journal, stageMs: performance.now() - started };
    return stringBytes(trie.hash);
  }

  /** Writes the staged version to the database with one LevelDB batch and makes it the latest. */
  async write(): Promise<void> {
    this.assertOpen();
    const staged = this.staged;
    if (staged === undefined) throw new StateUsageError('nothing is staged to write');
    if (this.writing) throw new StateUsageError('a version is already being written');
    const { version, trie, changes, journal } = staged;
    const first = this.history.latest < 0;
    const oldest = first ? version : this.keepRecent === 0 ? this.history.oldest : Math.max(this.history.oldest, version - this.keepRecent + 1);
    const keepJournal = version > oldest;
    const started = performance.now();
    const batch = this.db.batch();
    try {
      for (const [key, leaf] of changes) {
        if (leaf === null) batch.del(flatKey(key));
        else batch.put(flatKey(key), Buffer.from(leaf.value, 'latin1'));
      }
      if (keepJournal) batch.put(versionKey(JOURNAL, version), encodeJournal(version, journal));
      const root = Buffer.from(trie.hash, 'latin1');
      batch.put(versionKey(ROOT, version), root);
      if (!first) {
        for (let v = this.diskOldest; v < oldest; v++) {
          batch.del(versionKey(ROOT, v));
          batch.del(versionKey(JOURNAL, v + 1));
        }
      }
      batch.put(META_KEY, Buffer.from(encode(StateMeta, { format: STATE_FORMAT, latestVersion: version, oldestVersion: oldest, rootHash: root })));
    } catch (err) {
      await batch.close();
      throw err;
    }
    this.writing = batch.write({ sync: this.sync });
    try {
      await this.writing;
    } catch (err) {
      throw new StateDatabaseError(this.dir, `write of version ${version} failed (${err instanceof Error ? err.message : String(err)})`, err);
    } finally {
      this.writing = undefined;
    }
    for (const [key, leaf] of changes) {
      if (leaf === null) {
        this.values.delete(key);
        this.ordered.remove(key);
      } else {
        // The index holds keys, not values: only a new key changes it.
        if (!this.values.has(key)) this.ordered.add(key);
        this.values.set(key, leaf);
      }
    }
    this.trie = trie;
    this.history.add(version, trie.hash, keepJournal ? journal : null);
    this.history.pruneBelow(oldest);
    this.past.pruneBelow(oldest);
    this.diskOldest = oldest;
    this.staged = undefined;
    this.timings = { stageMs: staged.stageMs, writeMs: performance.now() - started };
  }

  discardStaged(): void {
    if (this.writing) throw new StateUsageError('cannot discard a version that is being written');
    this.staged = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A version being written finishes (or fails) first: its batch is all or nothing on disk.
    await this.writing?.catch(() => undefined);
    try {
      await this.db.close();
    } finally {
      OPEN_DIRS.delete(resolve(this.dir));
    }
  }

  /** The trie of a kept version: the latest, a cached one, or the latest with journals undone. */
  private trieAt(version: number): Trie {
    if (version === this.history.latest) return this.trie;
    const cached = this.past.get(version);
    if (cached !== undefined) return cached;
    const trie = applyUndo(this.trie, this.history.undoTo(version), keyHashFinder(this.values));
    if (trie.hash !== this.history.rootOf(version)) {
      throw new StateCorruptError(this.dir, `undoing the journals down to version ${version} does not give its stored root`);
    }
    this.past.set(version, trie);
    return trie;
  }

  private assertKept(version: number): void {
    if (!this.history.includes(version)) throw new VersionUnavailableError(version, this.history.oldest, this.history.latest);
  }

  private assertOpen(): void {
    if (this.closed) throw new StateUsageError(`the state store ${this.dir} is closed`);
  }
}

/**
 * A Disk in memory with the crash semantics of a POSIX file system, for the simulator and tests
 * (spec/wal.md, "The Disk port"). No real I/O and no timers of its own: every call resolves
 * through promises only, and the same calls give the same disk, so a seed names a run.
 *
 * The crash model, kept simple but honest:
 * - Every write lands in a volatile layer (the page cache). `DiskFile.sync` makes the file's
 *   current content durable.
 * - A directory holds volatile and durable names. Creating, unlinking or renaming a name changes
 *   the volatile ones; `syncDir` makes the directory's durable names what its volatile names are.
 *   So a file created (even written and fsync'd) in a directory never synced vanishes in a
 *   crash, an unlink never synced comes back (with the file's durable content), and a
 *   directory whose own name was never synced vanishes with everything in it.
 * - `crash()` keeps only what is durable and returns the disk that the restarted process sees.
 *   With `torn`, a file whose only unsynced change is bytes appended past its durable end
 *   keeps a random prefix of those bytes (a write cut off by the power), drawn from the given
 *   `() => number` in [0, 1) so a seeded generator keeps it deterministic. Any other unsynced
 *   change (an overwrite, a truncation) is lost whole. Not modelled: zero-filled or reordered
 *   pages, a sync that fails.
 * - The crashed disk's process is gone, so nothing it does takes effect or returns: calls it had
 *   in flight (an fsync waiting on the clock or on a microtask) and any later call on that disk
 *   or its open files never settle. A crashed node whose host forgot to stop it thus stalls at
 *   its next disk access (its own votes wait on the WAL), instead of running error paths.
 *
 * Appends are cheap: a file's durable content shares the file's buffer until something below
 * the durable end is overwritten or truncated, so an append and an fsync copy nothing.
 */
import { posix } from 'node:path';
import { CmtError } from '../codec/errors.js';
import type { Clock } from './clock.js';
import type { Disk, DiskFile } from './disk.js';

export interface MemoryDiskOptions {
  /**
   * With `syncMs` > 0: every fsync (of a file or a directory, and `replaceDurably`'s) completes
   * `syncMs` later on this clock, and only then is the data durable. So a crash can fall
   * between a write and its fsync's completion, as it can on a real disk. Default: an fsync
   * completes at once (in a microtask).
   */
  clock?: Clock;
  /** A function: the fsync time of the moment (the simulator's slow-disk windows). */
  syncMs?: number | (() => number);
}

export interface CrashOptions {
  /** Keep a random prefix of each file's unsynced appended bytes; draws from this in [0, 1). */
  torn?: () => number;
}

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(`${code}: ${syscall} '${path}' (memory disk)`);
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

/** A promise that never settles: what a crashed process's call gets. A fresh one each time, so nothing accumulates on it. */
function halt(): Promise<never> {
  return new Promise<never>(() => undefined);
}

class Inode {
  /** Capacity grows by doubling; bytes [len, buf.length) are meaningless. */
  buf = new Uint8Array(0);
  len = 0;
  /** The durable content: this private copy, or when null the first `durableLen` bytes of `buf`, unchanged since the fsync. */
  durableCopy: Uint8Array | null = null;
  durableLen = 0;

  /** Before `buf` changes below `from`, gives the durable content its own copy if it shared those bytes. */
  private protect(from: number): void {
    if (this.durableCopy === null && from < this.durableLen) this.durableCopy = this.buf.slice(0, this.durableLen);
  }

  private reserve(size: number): void {
    if (size <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(size, this.buf.length * 2, 64));
    grown.set(this.buf.subarray(0, this.len));
    this.buf = grown;
  }

  write(bytes: Uint8Array, position: number): void {
    if (bytes.length === 0) return;
    this.protect(position);
    const end = position + bytes.length;
    this.reserve(end);
    if (position > this.len) this.buf.fill(0, this.len, position);
    this.buf.set(bytes, position);
    if (end > this.len) this.len = end;
  }

  truncate(length: number): void {
    if (length < this.len) {
      this.protect(length);
    } else {
      this.reserve(length);
      this.buf.fill(0, this.len, length);
    }
    this.len = length;
  }

  sync(): void {
    this.durableCopy = null;
    this.durableLen = this.len;
  }

  content(): Uint8Array {
    return this.buf.slice(0, this.len);
  }

  /** What a crash leaves of this file: its durable content, plus a torn prefix of pure appends if asked. */
  afterCrash(torn: (() => number) | undefined): Inode {
    const out = new Inode();
    let bytes: Uint8Array;
    if (this.durableCopy !== null) {
      bytes = this.durableCopy;
    } else {
      let keep = this.durableLen;
      if (torn && this.len > keep) keep += Math.min(this.len - keep, Math.floor(torn() * (this.len - keep + 1)));
      bytes = this.buf.subarray(0, keep);
    }
    out.buf = bytes.slice();
    out.len = out.durableLen = bytes.length;
    return out;
  }
}

class Dir {
  live = new Map<string, Node>();
  durable = new Map<string, Node>();
}

type Node = Inode | Dir;

class MemoryFile implements DiskFile {
  private closed = false;

  constructor(
    private readonly disk: MemoryDisk,
    private readonly inode: Inode,
    private readonly path: string,
  ) {}

  private check(syscall: string): void {
    if (this.closed) throw fsError('EBADF', syscall, this.path);
  }

  async write(bytes: Uint8Array, position: number): Promise<void> {
    if (this.disk.isCrashed) return halt();
    this.check('write');
    this.inode.write(bytes, position);
  }

  async truncate(length: number): Promise<void> {
    if (this.disk.isCrashed) return halt();
    this.check('ftruncate');
    this.inode.truncate(length);
  }

  async sync(): Promise<void> {
    if (this.disk.isCrashed) return halt();
    this.check('fsync');
    await this.disk.syncDelay();
    this.inode.sync();
  }

  async close(): Promise<void> {
    if (this.disk.isCrashed) return halt();
    this.check('close');
    this.closed = true;
  }
}

export class MemoryDisk implements Disk {
  private root = new Dir();
  private crashed = false;

  constructor(private readonly options: MemoryDiskOptions = {}) {}

  /**
   * The power fails: returns the disk the restarted process sees, holding only what was durable
   * (see the model above). This disk and its open files are dead from now on.
   */
  crash(options: CrashOptions = {}): MemoryDisk {
    if (this.crashed) throw new CmtError('DISK_CRASHED', 'this memory disk already crashed; crash the disk that crash() returned');
    this.crashed = true;
    const copies = new Map<Inode, Inode>(); // two durable names of one file stay one file
    const copyDir = (dir: Dir): Dir => {
      const out = new Dir();
      for (const [name, node] of dir.durable) {
        let copy: Node;
        if (node instanceof Dir) {
          copy = copyDir(node);
        } else {
          copy = copies.get(node) ?? node.afterCrash(options.torn);
          copies.set(node, copy);
        }
        out.live.set(name, copy);
        out.durable.set(name, copy);
      }
      return out;
    };
    const next = new MemoryDisk(this.options);
    next.root = copyDir(this.root);
    return next;
  }

  /** @internal */
  get isCrashed(): boolean {
    return this.crashed;
  }

  /** @internal Waits as an fsync takes (see MemoryDiskOptions); never returns if the disk crashes meanwhile. */
  async syncDelay(): Promise<void> {
    const { clock } = this.options;
    const syncMs = typeof this.options.syncMs === 'function' ? this.options.syncMs() : (this.options.syncMs ?? 0);
    if (clock && syncMs > 0) await new Promise<void>((resolve) => clock.after(syncMs, resolve));
    else await Promise.resolve();
    // The process that asked is gone: nothing of it runs any more.
    if (this.crashed) await halt();
  }

  // ---- offline tools: the process is down, someone works on its disk (a backup restored, damage) ----

  /** A file's durable content (what a crash now would keep), or null when it has no durable name. Synchronous: for backups. */
  durableContent(path: string): Uint8Array | null {
    if (this.crashed) throw new CmtError('DISK_CRASHED', 'this memory disk crashed; read the disk that crash() returned');
    let dir = this.root;
    const parts = this.components(path);
    const name = parts.pop();
    for (const c of parts) {
      const next = dir.durable.get(c);
      if (!(next instanceof Dir)) return null;
      dir = next;
    }
    const node = name === undefined ? undefined : dir.durable.get(name);
    if (!(node instanceof Inode)) return null;
    return node.durableCopy !== null ? node.durableCopy.slice() : node.buf.slice(0, node.durableLen);
  }

  /**
   * Sets a file's content, durably and at once, or removes it (null): what an operator does to a
   * stopped node's disk (restoring a backup, losing a file, a damaged block). Its directory must exist.
   */
  setFile(path: string, content: Uint8Array | null): void {
    if (this.crashed) throw new CmtError('DISK_CRASHED', 'this memory disk crashed; change the disk that crash() returned');
    const { dir, name } = this.entry(path, 'open');
    if (dir.live.get(name) instanceof Dir) throw fsError('EISDIR', 'open', path);
    // Only this name changes, in the live and the durable listing alike: other pending renames stay pending.
    if (content === null) {
      dir.live.delete(name);
      dir.durable.delete(name);
    } else {
      const inode = new Inode();
      inode.write(content, 0);
      inode.sync();
      dir.live.set(name, inode);
      dir.durable.set(name, inode);
    }
  }

  /** The names in a directory, synchronously (none when it does not exist). */
  names(path: string): string[] {
    try {
      return [...this.dirAt(path, 'scandir').live.keys()];
    } catch {
      return [];
    }
  }

  /** A file's current content, synchronously (null when absent). */
  contentOf(path: string): Uint8Array | null {
    try {
      return this.fileAt(path, 'open').content();
    } catch {
      return null;
    }
  }

  private components(path: string): string[] {
    return posix.resolve('/', path).split('/').filter((c) => c !== '');
  }

  private dirAt(path: string, syscall: string): Dir {
    let dir = this.root;
    for (const name of this.components(path)) {
      const next = dir.live.get(name);
      if (next === undefined) throw fsError('ENOENT', syscall, path);
      if (!(next instanceof Dir)) throw fsError('ENOTDIR', syscall, path);
      dir = next;
    }
    return dir;
  }

  /** The directory holding `path` and the name in it. */
  private entry(path: string, syscall: string): { dir: Dir; name: string } {
    const parts = this.components(path);
    const name = parts.pop();
    if (name === undefined) throw fsError('EISDIR', syscall, path);
    return { dir: this.dirAt('/' + parts.join('/'), syscall), name };
  }

  private fileAt(path: string, syscall: string): Inode {
    const { dir, name } = this.entry(path, syscall);
    const node = dir.live.get(name);
    if (node === undefined) throw fsError('ENOENT', syscall, path);
    if (node instanceof Dir) throw fsError('EISDIR', syscall, path);
    return node;
  }

  async mkdirDurably(path: string): Promise<void> {
    if (this.crashed) return halt();
    let dir = this.root;
    const created: { parent: Dir; name: string; dir: Dir }[] = [];
    for (const name of this.components(path)) {
      const next = dir.live.get(name);
      if (next instanceof Inode) throw fsError('EEXIST', 'mkdir', path);
      if (next === undefined) {
        const made = new Dir();
        dir.live.set(name, made);
        created.push({ parent: dir, name, dir: made });
        dir = made;
      } else {
        dir = next;
      }
    }
    if (created.length === 0) return;
    await this.syncDelay();
    // As nodeDisk syncs each parent: the new names (only those) become durable.
    for (const { parent, name, dir: made } of created) parent.durable.set(name, made);
  }

  async list(dir: string): Promise<string[]> {
    if (this.crashed) return halt();
    return [...this.dirAt(dir, 'scandir').live.keys()];
  }

  async size(path: string): Promise<number> {
    if (this.crashed) return halt();
    return this.fileAt(path, 'stat').len;
  }

  async readFile(path: string): Promise<Uint8Array> {
    if (this.crashed) return halt();
    return this.fileAt(path, 'open').content();
  }

  async readSmallFile(path: string, maxBytes: number): Promise<Uint8Array | null> {
    if (this.crashed) return halt();
    let inode: Inode;
    try {
      inode = this.fileAt(path, 'open');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new Error('not a regular file');
      throw err;
    }
    if (inode.len > maxBytes) throw new Error(`${inode.len} bytes, more than the ${maxBytes} such a file may have`);
    return inode.content();
  }

  async createExclusive(path: string, _mode: number): Promise<DiskFile> {
    if (this.crashed) return halt();
    const { dir, name } = this.entry(path, 'open');
    if (dir.live.has(name)) throw fsError('EEXIST', 'open', path);
    const inode = new Inode();
    dir.live.set(name, inode);
    return new MemoryFile(this, inode, path);
  }

  async openForUpdate(path: string): Promise<DiskFile> {
    if (this.crashed) return halt();
    return new MemoryFile(this, this.fileAt(path, 'open'), path);
  }

  async syncDir(path: string): Promise<void> {
    if (this.crashed) return halt();
    const dir = this.dirAt(path, 'fsync');
    await this.syncDelay();
    dir.durable = new Map(dir.live);
  }

  async unlink(path: string): Promise<void> {
    if (this.crashed) return halt();
    const { dir, name } = this.entry(path, 'unlink');
    const node = dir.live.get(name);
    if (node === undefined) throw fsError('ENOENT', 'unlink', path);
    if (node instanceof Dir) throw fsError('EISDIR', 'unlink', path);
    dir.live.delete(name);
  }

  /** As nodeDisk's: write a temporary file, fsync it, rename it over `path`, fsync the directory. */
  async replaceDurably(path: string, content: Uint8Array | string, _mode: number): Promise<void> {
    if (this.crashed) return halt();
    const { dir, name } = this.entry(path, 'open');
    const tmpName = `${name}.tmp`;
    const existing = dir.live.get(tmpName);
    if (existing instanceof Dir) throw fsError('EISDIR', 'open', `${path}.tmp`);
    const tmp = existing ?? new Inode();
    tmp.truncate(0);
    tmp.write(typeof content === 'string' ? new TextEncoder().encode(content) : content, 0);
    dir.live.set(tmpName, tmp);
    await this.syncDelay();
    tmp.sync();
    if (dir.live.get(name) instanceof Dir) throw fsError('EISDIR', 'rename', path);
    dir.live.delete(tmpName);
    dir.live.set(name, tmp);
    await this.syncDelay();
    dir.durable = new Map(dir.live);
  }
}

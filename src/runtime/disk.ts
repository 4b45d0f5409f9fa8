/**
 * Durable storage as a host provides it: exactly what the consensus WAL (`node/wal.ts`) and the
 * priv-validator's key and last-sign state (`node/priv-validator.ts`) need, nothing more. The real
 * process uses `nodeDisk` (node:fs); the simulator and tests use `MemoryDisk`
 * (`runtime/memory-disk.ts`), which loses on a crash every write that was not synced, so the
 * callers' fsync ordering is what gets tested. See spec/wal.md ("The Disk port").
 *
 * Durability follows POSIX: `DiskFile.sync` makes a file's content durable, but a new, removed
 * or renamed name survives a crash only once its directory is synced (`syncDir`).
 * Errors for a missing or existing entry carry the system's code (`ENOENT`, `EEXIST`) on both
 * hosts, so callers can tell them apart the same way.
 */
import { constants } from 'node:fs';
import { lstat, mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { writeFileDurably } from './durable-file.js';

/** An open file, for writing. */
export interface DiskFile {
  /** Writes all of `bytes` at `position`, growing the file as needed. Not durable until `sync`. */
  write(bytes: Uint8Array, position: number): Promise<void>;
  truncate(length: number): Promise<void>;
  /** fsync: the file's content so far survives a crash (its name only once its directory is synced too). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export interface Disk {
  /** mkdir -p, durably: every directory it creates is synced into its parent. */
  mkdirDurably(path: string): Promise<void>;
  /** The names in a directory (any order). */
  list(dir: string): Promise<string[]>;
  /** A file's size in bytes. */
  size(path: string): Promise<number>;
  /** A whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * A small file read at start: only a regular file of at most `maxBytes`. Null when there is no
   * entry at all (on the real disk, a symlink to nothing is an error, not an absence: a data disk
   * that is not mounted must not look like a validator that never signed).
   */
  readSmallFile(path: string, maxBytes: number): Promise<Uint8Array | null>;
  /** Creates a new, empty file (`EEXIST` if the name exists) and opens it. Its name is durable only after `syncDir`. */
  createExclusive(path: string, mode: number): Promise<DiskFile>;
  /** Opens an existing file for reading and writing in place. */
  openForUpdate(path: string): Promise<DiskFile>;
  /** fsyncs a directory: the names created, removed or renamed in it so far survive a crash. */
  syncDir(dir: string): Promise<void>;
  /** Removes a name (`ENOENT` if absent). Durable only after `syncDir`. */
  unlink(path: string): Promise<void>;
  /** Replaces (or creates) a small file so that after a crash either the old or the new content is there, whole. */
  replaceDurably(path: string, content: Uint8Array | string, mode: number): Promise<void>;
}

class NodeDiskFile implements DiskFile {
  constructor(private readonly handle: FileHandle) {}

  async write(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function syncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** The real file system (node:fs/promises), with the fsync points the WAL and the sign state have always had. */
export const nodeDisk: Disk = {
  async mkdirDurably(path) {
    const created = await mkdir(path, { recursive: true });
    if (created === undefined) return;
    // Make the new directories' entries durable: sync every parent from path's up to created's.
    const top = dirname(resolve(created));
    for (let parent = dirname(resolve(path)); ; parent = dirname(parent)) {
      await syncDir(parent);
      if (parent === top || parent === dirname(parent)) break;
    }
  },

  list: (dir) => readdir(dir),

  size: async (path) => (await stat(path)).size,

  readFile: async (path) => {
    const handle = await open(path, 'r');
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  },

  async readSmallFile(path, maxBytes) {
    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one.
      handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !(await lstat(path).catch(() => undefined))) return null;
      throw err;
    }
    try {
      const info = await handle.stat();
      // A FIFO would block start-up for ever, a device such as /dev/zero be read until memory runs out.
      if (!info.isFile()) throw new Error('not a regular file');
      if (info.size > maxBytes) throw new Error(`${info.size} bytes, more than the ${maxBytes} such a file may have`);
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  },

  createExclusive: async (path, mode) => new NodeDiskFile(await open(path, 'wx', mode)),

  openForUpdate: async (path) => new NodeDiskFile(await open(path, 'r+')),

  syncDir,

  unlink: (path) => unlink(path),

  replaceDurably: (path, content, mode) => writeFileDurably(path, content, mode),
};

/** Opening LevelDB with one clear error for a directory that is locked, corrupt or unreadable. */
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { CmtError } from '../codec/errors.js';
import { levelOpenFailure } from '../runtime/level-open-failure.js';

export type BytesLevel = ClassicLevel<Uint8Array, Uint8Array>;

export class DatabaseError extends CmtError {
  constructor(dir: string, reason: string, cause?: unknown) {
    super('DATABASE_ERROR', `database ${dir}: ${reason}`, { cause });
  }
}

export async function openLevel(dir: string): Promise<BytesLevel> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    await db.open();
  } catch (err) {
    throw new DatabaseError(dir, levelOpenFailure(err), err);
  }
  return db;
}

/** A database in this process's memory only; microtask-driven, so a simulated run stays deterministic. */
export async function openMemoryLevel(): Promise<BytesLevel> {
  const db = new MemoryLevel<Uint8Array, Uint8Array>({ keyEncoding: 'view', valueEncoding: 'view' });
  await db.open();
  // The same abstract-level interface for every call the block store makes; classic-level's extra options (sync, fillCache) are ignored.
  return db as unknown as BytesLevel;
}

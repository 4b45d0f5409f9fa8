/** Opening LevelDB with one clear error for a directory that is locked, corrupt or unreadable. */
import { ClassicLevel } from 'classic-level';
import { CmtError } from '../codec/errors.js';

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
    const cause = (err as { cause?: { message?: string } }).cause;
    const detail = cause?.message ?? (err instanceof Error ? err.message : String(err));
    const reason = /lock/i.test(detail)
      ? `is in use by another process (${detail})`
      : /corrupt/i.test(detail)
        ? `is corrupted (${detail}); restore it from a backup or resync — it was not reset`
        : `cannot be opened (${detail})`;
    throw new DatabaseError(dir, reason, err);
  }
  return db;
}

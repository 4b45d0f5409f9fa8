/**
 * Files that survive a crash whole: written to a temporary file, fsynced, then moved into place
 * and the directory fsynced. Replacing (state files) or creating only if absent (key files,
 * where two processes racing to create one must end up with one key).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

async function writeSynced(path: string, content: string | Uint8Array, flags: string, mode: number): Promise<void> {
  const file = await open(path, flags, mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
}

async function syncDirectory(path: string): Promise<void> {
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** After a crash either the old or the new content is there, whole and on disk. */
export async function writeFileDurably(path: string, content: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeSynced(tmp, content, 'w', mode);
  await rename(tmp, path);
  await syncDirectory(path);
}

/** Creates `path` durably; resolves false, leaving the file alone, if it already exists. */
export async function createFileExclusively(path: string, content: string, mode = 0o600): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeSynced(tmp, content, 'wx', mode);
  let created = true;
  try {
    // link(2), unlike rename(2), fails when the target exists: all or nothing, never a clobber.
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    await unlink(tmp);
  }
  if (created) await syncDirectory(path);
  return created;
}

/**
 * Creates a file atomically and only if it does not exist yet. The node layer has its own
 * durable writer, but p2p may not import `src/node`; this one also refuses to overwrite, which
 * is what a key file needs (two processes racing to create it must end up with one key).
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Resolves false, leaving the file alone, if `path` already exists. */
export async function createFileExclusively(path: string, content: string, mode = 0o600): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
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
  if (created) {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
  return created;
}

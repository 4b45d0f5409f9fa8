import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Writes a file so that after a crash either the old or the new content is there, whole and on disk. */
export async function writeFileDurably(path: string, content: string, mode = 0o600): Promise<void> {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, 'w', mode);
  try {
    await file.writeFile(content);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

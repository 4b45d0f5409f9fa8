/**
 * Reading a file the node needs at start. Only a regular file (symlinks followed) of at most a
 * size fit for its kind is read: a FIFO would block start-up for ever, a device such as
 * /dev/zero would be read until memory runs out, and a gigabyte config is a mistake, not a
 * config. Errors keep the system's code (ENOENT: the caller decides what absent means).
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/** Largest files of each kind the node reads at start. */
export const START_FILE_MAX_BYTES = {
  config: 1024 * 1024,
  genesis: 256 * 1024 * 1024,
  key: 64 * 1024,
  signState: 1024 * 1024,
} as const;

export class StartFileError extends Error {}

export async function readStartFile(path: string, maxBytes: number): Promise<string> {
  // O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for one.
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new StartFileError('not a regular file');
    if (info.size > maxBytes) throw new StartFileError(`${info.size} bytes, more than the ${maxBytes} such a file may have`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

/**
 * What a `crash` fault's `disk` does to a stopped node's disk before it restarts
 * (spec/faults.md, "The engine"): the WAL's newest segment cut at a point drawn from the seed,
 * or one of its records with a byte flipped; the sign state lost, or put back as a backup
 * taken earlier. The node then starts on that disk as `cmt start` would on a real one.
 */
import { FRAME_HEADER_BYTES, parseSegmentFileName, scanSegment, SEGMENT_HEADER_BYTES } from '../node/wal-format.js';
import type { MemoryDisk } from '../runtime/memory-disk.js';

/** Large enough for any record the node writes: the scan only has to find the frames. */
const SCAN_MAX_RECORD_BYTES = 1 << 30;

/** The newest WAL segment's path, or null when the WAL has none. */
function newestSegment(disk: MemoryDisk, walDir: string): string | null {
  let best: { seq: number; name: string } | null = null;
  for (const name of disk.names(walDir)) {
    const seq = parseSegmentFileName(name);
    if (seq !== null && (best === null || seq > best.seq)) best = { seq, name };
  }
  return best && `${walDir}/${best.name}`;
}

/** `int(n)` draws an integer in [0, n) from the run's generator. What was done, for the trace. */
export function damageWal(disk: MemoryDisk, walDir: string, how: 'truncate' | 'corrupt', int: (n: number) => number): string {
  const path = newestSegment(disk, walDir);
  const bytes = path === null ? null : disk.contentOf(path);
  if (path === null || bytes === null || bytes.length <= SEGMENT_HEADER_BYTES) return 'WAL: nothing to damage';
  if (how === 'truncate') {
    // Any point after the header: a record may be cut in the middle (a torn tail) or between two.
    const keep = SEGMENT_HEADER_BYTES + int(bytes.length - SEGMENT_HEADER_BYTES + 1);
    disk.setFile(path, bytes.slice(0, keep));
    return `WAL cut to ${keep} of ${bytes.length} bytes`;
  }
  const { entries } = scanSegment(bytes, SCAN_MAX_RECORD_BYTES);
  if (entries.length === 0) return 'WAL: no record to corrupt';
  const entry = entries[int(entries.length)] as (typeof entries)[number];
  const length = new DataView(bytes.buffer, bytes.byteOffset + entry.offset, 4).getUint32(0);
  // Any byte of the frame, its header included: each is covered by one of the two checksums.
  const at = entry.offset + int(FRAME_HEADER_BYTES + length);
  const damaged = bytes.slice();
  damaged[at] = (damaged[at] as number) ^ 0xff;
  disk.setFile(path, damaged);
  return `WAL record at byte ${entry.offset} of ${entries.length} records corrupted (byte ${at})`;
}

/** The sign state as it is now, for a backup; null: there is none yet. */
export function backupSignState(disk: MemoryDisk, path: string): Uint8Array | null {
  return disk.durableContent(path);
}

/**
 * Puts the sign state back as `backup` (null: a backup from before it existed, which is the state lost).
 * A crash before the data directory was durable leaves no directory: then there is no sign state to
 * lose, and no backup either, since a backup is durable content and so implies a durable directory.
 */
export function restoreSignState(disk: MemoryDisk, path: string, backup: Uint8Array | null): string {
  try {
    disk.setFile(path, backup);
  } catch (err) {
    if (backup !== null || (err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return 'sign state: nothing to lose (no data directory yet)';
  }
  return backup === null ? 'sign state lost' : 'sign state rolled back to its backup';
}

/**
 * The consensus write-ahead log (spec/wal.md), as CometBFT's `cs.wal`: every consensus input is
 * appended before it is acted on; on restart the records since the last height marker are
 * replayed. Records are opaque bytes; the caller encodes them.
 *
 * Files: `<dir>/wal-<seq>` segments (12-digit sequence numbers). A height marker always starts a
 * new segment (or goes into the current one while it holds no record); a segment that grows past
 * `maxSegmentBytes` is also continued in a new one. After a marker is on disk, segments older than
 * the previous one are deleted.
 *
 * Every file operation goes through a Disk (`runtime/disk.ts`): the real file system by default,
 * the simulator's or a test's MemoryDisk, which loses what was not synced when it crashes.
 */
import { join } from 'node:path';
import { CmtError } from '../codec/errors.js';
import { nodeDisk, type Disk, type DiskFile } from '../runtime/disk.js';
import { Mutex } from '../runtime/mutex.js';
import type { Logger } from './logger.js';
import {
  encodeFrame,
  encodeHeightFrame,
  KIND_DATA,
  KIND_HEIGHT,
  parseSegmentFileName,
  scanSegment,
  SEGMENT_HEADER,
  SEGMENT_HEADER_BYTES,
  segmentFileName,
  type WalEntry,
} from './wal-format.js';

export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
const MAX_RECORD_BYTES_LIMIT = 1024 * 1024 * 1024;

export interface WalOptions {
  /** Largest record accepted by append/appendSync, and read back on open. Default 16 MiB. */
  maxRecordBytes?: number;
  /**
   * A record that would take the current segment past this size goes into a new segment (a
   * segment holding a single larger record is allowed). Default 64 MiB.
   */
  maxSegmentBytes?: number;
  /** Where the segments live: the real file system (default), or a host's, e.g. the simulator's MemoryDisk. */
  disk?: Disk;
}

/** Damage in the WAL that a crash cannot explain. Nothing was changed or deleted. */
export class WalCorruptError extends CmtError {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, reason: string) {
    super(
      'WAL_CORRUPT',
      `${file}: consensus WAL damaged at byte ${offset}: ${reason}. This is not a torn tail left by a crash, so nothing was repaired or deleted; see spec/wal.md (Recovery)`,
    );
    this.file = file;
    this.offset = offset;
  }
}

interface Segment {
  seq: number;
  path: string;
  size: number;
}

/** A frame waiting to be written; `height` marks a height marker. */
interface Pending {
  frame: Uint8Array;
  height?: number;
}

export class Wal {
  /** The records written since the last height marker at open time, and that marker's height (null: no marker in the WAL). */
  readonly replay: { height: number | null; records: Uint8Array[] };

  private readonly mutex = new Mutex();
  private queue: Pending[] = [];
  private writeScheduled = false;
  /** Written since the last fsync of the current segment. */
  private dirty = false;
  private closing: Promise<void> | null = null;
  private failure: CmtError | null = null;
  /** The height of the last startHeight call (or of the replayed marker), to keep heights increasing. */
  private lastHeight: number | null;

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly maxRecordBytes: number,
    private readonly maxSegmentBytes: number,
    private readonly segments: Segment[],
    private readonly disk: Disk,
    private handle: DiskFile,
    replay: { height: number | null; records: Uint8Array[] },
  ) {
    this.replay = replay;
    this.lastHeight = replay.height;
  }

  /**
   * Opens (creating if needed) the WAL in `dir`. Repairs a torn tail of the newest segment
   * (truncates it, logs a warning naming the file and the bytes dropped); throws WalCorruptError
   * for any other damage in the segments it reads (those since the last marker), changing nothing.
   */
  static async open(dir: string, logger: Logger, options: WalOptions = {}): Promise<Wal> {
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const maxSegmentBytes = options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES;
    if (!Number.isSafeInteger(maxRecordBytes) || maxRecordBytes < 1 || maxRecordBytes > MAX_RECORD_BYTES_LIMIT) {
      throw new CmtError('INVALID_ARGUMENT', `WAL maxRecordBytes must be an integer from 1 to ${MAX_RECORD_BYTES_LIMIT}, got ${maxRecordBytes}`);
    }
    if (!Number.isSafeInteger(maxSegmentBytes) || maxSegmentBytes < 1) {
      throw new CmtError('INVALID_ARGUMENT', `WAL maxSegmentBytes must be a positive integer, got ${maxSegmentBytes}`);
    }

    const disk = options.disk ?? nodeDisk;
    await disk.mkdirDurably(dir);

    const segments: Segment[] = [];
    for (const name of await disk.list(dir)) {
      const seq = parseSegmentFileName(name);
      if (seq === null) continue;
      const path = join(dir, name);
      segments.push({ seq, path, size: await disk.size(path) });
    }
    segments.sort((a, b) => a.seq - b.seq);

    if (segments.length === 0) {
      const path = join(dir, segmentFileName(1));
      const handle = await disk.createExclusive(path, 0o600);
      try {
        await handle.write(SEGMENT_HEADER, 0);
        await handle.sync();
        await disk.syncDir(dir);
      } catch (err) {
        await handle.close();
        throw err;
      }
      segments.push({ seq: 1, path, size: SEGMENT_HEADER_BYTES });
      return new Wal(dir, logger, maxRecordBytes, maxSegmentBytes, segments, disk, handle, { height: null, records: [] });
    }

    // Read back from the newest segment to the one holding the last marker. Nothing is written
    // until all of them checked out, so a WalCorruptError leaves every file as it was.
    const newest = segments[segments.length - 1]!;
    let repair: { end: number; offset: number; reason: string } | null = null;
    const collected: WalEntry[][] = [];
    let height: number | null = null;
    for (let i = segments.length - 1; i >= 0 && height === null; i--) {
      const segment = segments[i]!;
      const next = segments[i + 1];
      if (next && next.seq !== segment.seq + 1) {
        // Pruning deletes oldest first and stops at a failure, so a gap means a file went missing.
        throw new WalCorruptError(join(dir, segmentFileName(segment.seq + 1)), 0, 'segment file missing between two others');
      }
      const scan = scanSegment(await disk.readFile(segment.path), maxRecordBytes);
      if (scan.damage) {
        if (segment !== newest) {
          const why = scan.damage.torn ? `${scan.damage.reason}, in a segment that is not the newest (it was complete when the next one began)` : scan.damage.reason;
          throw new WalCorruptError(segment.path, scan.damage.offset, why);
        }
        if (!scan.damage.torn) throw new WalCorruptError(segment.path, scan.damage.offset, scan.damage.reason);
        repair = { end: scan.end, offset: scan.damage.offset, reason: scan.damage.reason };
      }
      let from = 0;
      for (let j = scan.entries.length - 1; j >= 0; j--) {
        const entry = scan.entries[j]!;
        if (entry.kind === KIND_HEIGHT) {
          height = entry.height;
          from = j + 1;
          break;
        }
      }
      collected.unshift(scan.entries.slice(from));
    }
    const records: Uint8Array[] = [];
    for (const entries of collected) {
      for (const entry of entries) if (entry.kind === KIND_DATA) records.push(new Uint8Array(entry.payload));
    }

    const handle = await disk.openForUpdate(newest.path);
    try {
      if (repair) {
        const keep = repair.end < SEGMENT_HEADER_BYTES ? 0 : repair.end;
        await handle.truncate(keep);
        if (keep === 0) await handle.write(SEGMENT_HEADER, 0);
        await handle.sync();
        const kept = Math.max(keep, SEGMENT_HEADER_BYTES);
        logger.warn(
          { file: newest.path, offset: repair.offset, droppedBytes: newest.size - keep, reason: repair.reason },
          'consensus WAL: truncated a torn tail (a write interrupted by a crash or power cut)',
        );
        newest.size = kept;
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new Wal(dir, logger, maxRecordBytes, maxSegmentBytes, segments, disk, handle, { height, records });
  }

  /** Bytes in the WAL's segment files (written, not counting records still buffered in memory). */
  get sizeBytes(): number {
    let total = 0;
    for (const segment of this.segments) total += segment.size;
    return total;
  }

  /**
   * Starts `height`: writes a marker so later replays begin after it, in a new segment, then
   * deletes the segments older than the previous one. Resolves once the marker and everything
   * before it are fsync'd. Starting the height already started (e.g. the one just replayed) only
   * flushes: the replayed records stay in the log. A lower height is refused (WAL_USAGE).
   */
  startHeight(height: number): Promise<void> {
    try {
      this.checkWritable();
      if (!Number.isSafeInteger(height) || height < 0) throw new CmtError('WAL_USAGE', `WAL startHeight: invalid height ${height}`);
      if (this.lastHeight !== null && height < this.lastHeight) {
        throw new CmtError('WAL_USAGE', `WAL startHeight(${height}): height ${this.lastHeight} was already started; heights only go up`);
      }
    } catch (err) {
      return Promise.reject(err);
    }
    if (height !== this.lastHeight) {
      this.lastHeight = height;
      this.queue.push({ frame: encodeHeightFrame(height), height });
    }
    return this.mutex.runExclusive(() => this.drain(true));
  }

  /**
   * Appends a record. Buffered: handed to the OS shortly after (a process crash keeps it), made
   * durable by the next flush/appendSync/startHeight/close. Throws WAL_RECORD_TOO_LARGE, WAL_CLOSED,
   * or the error that made an earlier write fail.
   */
  append(record: Uint8Array): void {
    this.checkWritable();
    this.checkSize(record);
    this.queue.push({ frame: encodeFrame(KIND_DATA, record) });
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      this.mutex.runExclusive(() => this.drain(false)).catch(() => undefined); // kept in this.failure, thrown by the next call
    }
  }

  /** Appends a record and resolves once it (and everything before it) is fsync'd. */
  appendSync(record: Uint8Array): Promise<void> {
    try {
      this.checkWritable();
      this.checkSize(record);
    } catch (err) {
      return Promise.reject(err);
    }
    this.queue.push({ frame: encodeFrame(KIND_DATA, record) });
    return this.mutex.runExclusive(() => this.drain(true));
  }

  /** Resolves once every record appended before the call is fsync'd. */
  flush(): Promise<void> {
    try {
      this.checkWritable();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.mutex.runExclusive(() => this.drain(true));
  }

  /** Flushes, fsyncs and closes. Further writes throw WAL_CLOSED; closing again returns the same promise. */
  close(): Promise<void> {
    this.closing ??= this.mutex.runExclusive(async () => {
      try {
        await this.drain(true);
      } finally {
        await this.handle.close();
      }
    });
    return this.closing;
  }

  private checkWritable(): void {
    if (this.closing) throw new CmtError('WAL_CLOSED', `${this.dir}: the consensus WAL is closed`);
    if (this.failure) throw this.failure;
  }

  private checkSize(record: Uint8Array): void {
    if (record.length > this.maxRecordBytes) {
      throw new CmtError('WAL_RECORD_TOO_LARGE', `WAL record of ${record.length} bytes exceeds maxRecordBytes (${this.maxRecordBytes})`);
    }
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Writes the queue in order (rotating and pruning at markers), then fsyncs if asked. Runs under the mutex. */
  private async drain(sync: boolean): Promise<void> {
    this.writeScheduled = false;
    if (this.failure) throw this.failure;
    try {
      while (this.queue.length > 0) {
        const items = this.queue;
        this.queue = [];
        await this.writeItems(items);
      }
      if (sync && this.dirty) {
        await this.handle.sync();
        this.dirty = false;
      }
    } catch (err) {
      this.failure = new CmtError('WAL_WRITE_FAILED', `${this.current.path}: writing the consensus WAL failed (${(err as Error).message}); it accepts no more writes`, {
        cause: err,
      });
      this.logger.error({ file: this.current.path, err: (err as Error).message }, 'consensus WAL write failed');
      throw this.failure;
    }
  }

  private async writeItems(items: Pending[]): Promise<void> {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    const writeBatch = async (): Promise<void> => {
      if (batch.length === 0) return;
      const bytes = batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes);
      batch = [];
      batchBytes = 0;
      await this.writeToCurrent(bytes);
    };
    for (const item of items) {
      if (item.height !== undefined) {
        await writeBatch();
        await this.writeMarker(item.frame);
        continue;
      }
      const size = this.current.size + batchBytes;
      if (size > SEGMENT_HEADER_BYTES && size + item.frame.length > this.maxSegmentBytes) {
        await writeBatch();
        await this.startSegment(null);
      }
      batch.push(item.frame);
      batchBytes += item.frame.length;
    }
    await writeBatch();
  }

  private async writeToCurrent(bytes: Uint8Array): Promise<void> {
    const segment = this.current;
    this.dirty = true;
    await this.handle.write(bytes, segment.size);
    segment.size += bytes.length;
  }

  /** The marker goes first in a new segment (or into the current one while it holds no record), durably; then old segments go. */
  private async writeMarker(frame: Uint8Array): Promise<void> {
    if (this.current.size > SEGMENT_HEADER_BYTES) {
      await this.startSegment(frame);
    } else {
      await this.writeToCurrent(frame);
      await this.handle.sync();
      this.dirty = false;
    }
    await this.prune();
  }

  /** Fsyncs the current segment, then creates the next one with `first` in it (fsync'd, and its directory entry). */
  private async startSegment(first: Uint8Array | null): Promise<void> {
    if (this.dirty) {
      await this.handle.sync();
      this.dirty = false;
    }
    const seq = this.current.seq + 1;
    const path = join(this.dir, segmentFileName(seq));
    const content = first ? Buffer.concat([SEGMENT_HEADER, first]) : SEGMENT_HEADER;
    const handle = await this.disk.createExclusive(path, 0o600);
    try {
      await handle.write(content, 0);
      await handle.sync();
      await this.disk.syncDir(this.dir);
    } catch (err) {
      await handle.close();
      throw err;
    }
    const previous = this.handle;
    this.handle = handle;
    this.segments.push({ seq, path, size: content.length });
    await previous.close();
  }

  /** Deletes the segments older than the previous one. A failure is logged, and retried at the next marker. */
  private async prune(): Promise<void> {
    const keepFrom = this.current.seq - 1;
    while (this.segments.length > 0 && this.segments[0]!.seq < keepFrom) {
      const segment = this.segments[0]!;
      try {
        await this.disk.unlink(segment.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.logger.warn({ file: segment.path, err: (err as Error).message }, 'consensus WAL: cannot delete an old segment');
          return;
        }
      }
      this.segments.shift();
    }
  }
}

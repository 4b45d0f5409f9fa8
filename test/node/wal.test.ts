/**
 * The consensus WAL on real files: replay from the last height marker, torn tails repaired at
 * every cut point, damage in the middle refused without touching anything, pruning, ordering of
 * un-awaited calls, limits and fsync semantics.
 */
import { cp, open, readdir, readFile, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../src/node/logger.js';
import { Wal, WalCorruptError } from '../../src/node/wal.js';
import { crc32c, FRAME_HEADER_BYTES, KIND_DATA, KIND_HEIGHT, scanSegment, SEGMENT_HEADER, SEGMENT_HEADER_BYTES } from '../../src/node/wal-format.js';
import { tempDir } from '../support/temp-dir.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string): Uint8Array => enc.encode(s);
const texts = (records: Uint8Array[]): string[] => records.map((r) => dec.decode(r));
const frameBytes = (payload: string): number => FRAME_HEADER_BYTES + b(payload).length;

async function segmentFiles(walDir: string): Promise<string[]> {
  return (await readdir(walDir)).filter((n) => n.startsWith('wal-')).sort();
}

async function diskBytes(walDir: string): Promise<number> {
  let total = 0;
  for (const name of await segmentFiles(walDir)) total += (await stat(join(walDir, name))).size;
  return total;
}

/** Opens the WAL and closes it again, returning what it would replay. */
async function replayOf(walDir: string, options?: { maxRecordBytes?: number }): Promise<{ height: number | null; records: string[] }> {
  const wal = await Wal.open(walDir, silentLogger(), options);
  await wal.close();
  return { height: wal.replay.height, records: texts(wal.replay.records) };
}

async function expectCorrupt(walDir: string, file: string, offset: number): Promise<WalCorruptError> {
  const err = await Wal.open(walDir, silentLogger()).then(
    () => expect.unreachable('open should have thrown'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WalCorruptError);
  const corrupt = err as WalCorruptError;
  expect(corrupt.code).toBe('WAL_CORRUPT');
  expect(corrupt.file).toBe(file);
  expect(corrupt.offset).toBe(offset);
  expect(corrupt.message).toContain(file);
  expect(corrupt.message).toContain(`byte ${offset}`);
  return corrupt;
}

describe('WAL format', () => {
  it('uses CRC-32C (Castagnoli)', () => {
    expect(crc32c(b('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe('Wal', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let walDir: string;
  beforeEach(async () => {
    dir = await tempDir('wal');
    walDir = join(dir.path, 'data', 'cs.wal');
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await dir.cleanup();
  });

  describe('replay', () => {
    it('returns only the records after the last height marker', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      expect(wal.replay).toEqual({ height: null, records: [] });
      await wal.startHeight(1);
      wal.append(b('1a'));
      wal.append(b('1b'));
      await wal.startHeight(2);
      wal.append(b('2a'));
      wal.append(new Uint8Array(0));
      await wal.appendSync(b('2b'));
      await wal.close();

      expect(await replayOf(walDir)).toEqual({ height: 2, records: ['2a', '', '2b'] });
    });

    it('replays records written before any marker with height null', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      wal.append(b('early'));
      await wal.close();
      expect(await replayOf(walDir)).toEqual({ height: null, records: ['early'] });
    });

    it('continues after a reopen; restarting the same height keeps its records, a lower height is refused', async () => {
      const first = await Wal.open(walDir, silentLogger());
      await first.startHeight(4);
      first.append(b('a'));
      await first.close();

      const second = await Wal.open(walDir, silentLogger());
      expect(second.replay).toEqual({ height: 4, records: [b('a')] });
      await second.startHeight(4); // the height being resumed: no new marker
      second.append(b('b'));
      await expect(second.startHeight(3)).rejects.toMatchObject({ code: 'WAL_USAGE' });
      await expect(second.startHeight(-1)).rejects.toMatchObject({ code: 'WAL_USAGE' });
      await expect(second.startHeight(1.5)).rejects.toMatchObject({ code: 'WAL_USAGE' });
      await second.close();
      expect(await replayOf(walDir)).toEqual({ height: 4, records: ['a', 'b'] });

      const third = await Wal.open(walDir, silentLogger());
      await third.startHeight(5);
      await third.close();
      expect(await replayOf(walDir)).toEqual({ height: 5, records: [] });
    });

    it('returns copies the caller may keep', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(1);
      const record = b('mutable');
      wal.append(record);
      record[0] = 0x4d; // the caller reuses its buffer after append
      await wal.close();
      const again = await Wal.open(walDir, silentLogger());
      expect(texts(again.replay.records)).toEqual(['mutable']);
      expect(Object.getPrototypeOf(again.replay.records[0])).toBe(Uint8Array.prototype);
      await again.close();
    });
  });

  describe('torn tail', () => {
    /** One segment: header, marker 7, r1, r2, r3. Returns its bytes and where r3's frame starts. */
    async function writeThree(): Promise<{ file: string; full: Buffer; lastStart: number }> {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(7);
      wal.append(b('first record, twenty'));
      wal.append(b('2'));
      await wal.appendSync(b('the last record, thirty bytes.'));
      await wal.close();
      expect(await segmentFiles(walDir)).toEqual(['wal-000000000001']);
      const file = join(walDir, 'wal-000000000001');
      const full = await readFile(file);
      return { file, full, lastStart: full.length - frameBytes('the last record, thirty bytes.') };
    }

    it('is truncated at every cut point inside the last record, logged, and the WAL keeps working', async () => {
      const { file, full, lastStart } = await writeThree();
      for (let cut = lastStart; cut < full.length; cut++) {
        await writeFile(file, full.subarray(0, cut));
        const logger = silentLogger();
        const warn = vi.spyOn(logger, 'warn');
        const wal = await Wal.open(walDir, logger);
        expect(wal.replay.height).toBe(7);
        expect(texts(wal.replay.records)).toEqual(['first record, twenty', '2']);
        if (cut === lastStart) {
          expect(warn).not.toHaveBeenCalled(); // a clean end: nothing torn
        } else {
          expect(warn).toHaveBeenCalledTimes(1);
          expect(warn).toHaveBeenCalledWith(expect.objectContaining({ file, offset: lastStart, droppedBytes: cut - lastStart }), expect.stringContaining('torn'));
        }
        expect((await stat(file)).size).toBe(lastStart);
        expect(wal.sizeBytes).toBe(lastStart);

        wal.append(b(`after cut ${cut}`));
        await wal.close();
        expect(await replayOf(walDir)).toEqual({ height: 7, records: ['first record, twenty', '2', `after cut ${cut}`] });
      }
    });

    it('drops a last record whose checksum fails, for a flip anywhere outside its length field', async () => {
      const { file, full, lastStart } = await writeThree();
      for (let i = lastStart + 4; i < full.length; i++) {
        const damaged = Buffer.from(full);
        damaged[i]! ^= 0x01;
        await writeFile(file, damaged);
        expect(await replayOf(walDir)).toEqual({ height: 7, records: ['first record, twenty', '2'] });
        expect((await stat(file)).size).toBe(lastStart);
      }
    });

    it('drops zero bytes at the end (the file grew but the data never reached the disk)', async () => {
      const { file, full, lastStart } = await writeThree();
      await writeFile(file, Buffer.concat([full, Buffer.alloc(4096)]));
      expect(await replayOf(walDir)).toEqual({ height: 7, records: ['first record, twenty', '2', 'the last record, thirty bytes.'] });
      expect((await stat(file)).size).toBe(full.length);

      const zeroed = Buffer.from(full);
      zeroed.fill(0, lastStart);
      await writeFile(file, Buffer.concat([zeroed, Buffer.alloc(100)]));
      expect(await replayOf(walDir)).toEqual({ height: 7, records: ['first record, twenty', '2'] });
      expect((await stat(file)).size).toBe(lastStart);
    });

    it('recovers from a crash while a new segment was being started: its torn header or marker is dropped', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(1);
      wal.append(b('a'));
      await wal.startHeight(2);
      wal.append(b('b'));
      await wal.close();
      expect(await segmentFiles(walDir)).toEqual(['wal-000000000001', 'wal-000000000002']);
      const third = join(walDir, 'wal-000000000003');
      const started = Buffer.concat([SEGMENT_HEADER, Buffer.from([0, 0, 0, 8, KIND_HEIGHT, 1, 2, 3])]);
      const cuts = [0, 1, 5, SEGMENT_HEADER_BYTES - 1, SEGMENT_HEADER_BYTES + 3, started.length];
      for (const cut of cuts) {
        await writeFile(third, started.subarray(0, cut));
        expect(await replayOf(walDir)).toEqual({ height: 2, records: ['b'] });
        expect(await readFile(third)).toEqual(Buffer.from(SEGMENT_HEADER));
      }
      const again = await Wal.open(walDir, silentLogger());
      await again.startHeight(3); // goes into the empty third segment
      again.append(b('c'));
      await again.close();
      expect(await segmentFiles(walDir)).toEqual(['wal-000000000002', 'wal-000000000003']);
      expect(await replayOf(walDir)).toEqual({ height: 3, records: ['c'] });
    });
  });

  describe('damage before the tail', () => {
    it('a flipped byte anywhere in a middle record throws WalCorruptError naming file and offset, and changes nothing', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(3);
      wal.append(b('before'));
      wal.append(b('the middle one'));
      wal.append(b('after'));
      await wal.close();
      const file = join(walDir, 'wal-000000000001');
      const full = await readFile(file);
      const middleStart = SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + 8 + frameBytes('before');
      expect(scanSegment(full, 1024).entries.map((e) => e.offset)).toContain(middleStart);

      for (let i = middleStart; i < middleStart + frameBytes('the middle one'); i++) {
        const damaged = Buffer.from(full);
        damaged[i]! ^= 0x20;
        await writeFile(file, damaged);
        await expectCorrupt(walDir, file, middleStart);
        expect(await readFile(file)).toEqual(damaged);
        expect(await segmentFiles(walDir)).toEqual(['wal-000000000001']);
      }
    });

    it('refuses a bad segment header, an unknown version, and a last record whose length field is damaged', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(3);
      wal.append(b('only'));
      await wal.close();
      const file = join(walDir, 'wal-000000000001');
      const full = await readFile(file);

      const badMagic = Buffer.from(full);
      badMagic[0] = 0x58;
      await writeFile(file, badMagic);
      expect((await expectCorrupt(walDir, file, 0)).message).toContain('bad magic');

      const newVersion = Buffer.from(full);
      newVersion[7] = 2;
      await writeFile(file, newVersion);
      expect((await expectCorrupt(walDir, file, 0)).message).toContain('unsupported WAL format version 2');

      const lastStart = full.length - frameBytes('only');
      const badLength = Buffer.from(full);
      badLength[lastStart + 3]! ^= 0x01;
      await writeFile(file, badLength);
      await expectCorrupt(walDir, file, lastStart);
      expect(await readFile(file)).toEqual(badLength);
    });

    it('refuses damage at the end of a segment that is not the newest, without repairing the newest', async () => {
      const wal = await Wal.open(walDir, silentLogger(), { maxSegmentBytes: 64 });
      await wal.startHeight(1);
      for (let i = 0; i < 6; i++) wal.append(b(`record number ${i}`));
      await wal.close();
      const names = await segmentFiles(walDir);
      expect(names.length).toBeGreaterThanOrEqual(3);
      expect(await replayOf(walDir)).toEqual({ height: 1, records: [0, 1, 2, 3, 4, 5].map((i) => `record number ${i}`) });

      const older = join(walDir, names[names.length - 2]!);
      const newest = join(walDir, names[names.length - 1]!);
      const olderBytes = await readFile(older);
      const newestTorn = (await readFile(newest)).subarray(0, -3); // the newest also has a torn tail
      await writeFile(newest, newestTorn);
      const cut = olderBytes.subarray(0, -1);
      await writeFile(older, cut);
      await expectCorrupt(walDir, older, olderBytes.length - frameBytes('record number 0'));
      expect(await readFile(older)).toEqual(cut);
      expect(await readFile(newest)).toEqual(newestTorn);
    });

    it('refuses a missing segment in the middle of the height being replayed', async () => {
      const wal = await Wal.open(walDir, silentLogger(), { maxSegmentBytes: 64 });
      await wal.startHeight(1);
      for (let i = 0; i < 6; i++) wal.append(b(`record number ${i}`));
      await wal.close();
      const names = await segmentFiles(walDir);
      const missing = join(walDir, names[1]!);
      await rm(missing);
      await expectCorrupt(walDir, missing, 0);
      expect(await segmentFiles(walDir)).toEqual(names.filter((n) => n !== names[1]));
    });

    it('refuses a record longer than maxRecordBytes when reading, too', async () => {
      const wal = await Wal.open(walDir, silentLogger(), { maxRecordBytes: 100 });
      await wal.startHeight(1);
      wal.append(new Uint8Array(100).fill(7));
      wal.append(b('next'));
      await wal.close();
      const err = await Wal.open(walDir, silentLogger(), { maxRecordBytes: 50 }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'WAL_CORRUPT' });
      expect((err as Error).message).toContain('exceeds maxRecordBytes (50)');
    });
  });

  describe('segments', () => {
    it('keeps at most the current and the previous segment over 100 heights', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      let largest = 0;
      for (let h = 1; h <= 100; h++) {
        await wal.startHeight(h);
        for (let k = 0; k < 5; k++) wal.append(b(`height ${h} record ${k} ${'x'.repeat(50)}`));
        await wal.flush();
        const files = await segmentFiles(walDir);
        expect(files.length).toBeLessThanOrEqual(2);
        if (h > 1) expect(files).toEqual([`wal-${String(h - 1).padStart(12, '0')}`, `wal-${String(h).padStart(12, '0')}`]);
        const onDisk = await diskBytes(walDir);
        expect(wal.sizeBytes).toBe(onDisk);
        largest = Math.max(largest, onDisk);
      }
      const perHeight = SEGMENT_HEADER_BYTES + FRAME_HEADER_BYTES + 8 + 5 * frameBytes(`height 100 record 0 ${'x'.repeat(50)}`);
      expect(largest).toBeLessThanOrEqual(2 * perHeight);
      await wal.close();
      const replay = await replayOf(walDir);
      expect(replay.height).toBe(100);
      expect(replay.records).toEqual([0, 1, 2, 3, 4].map((k) => `height 100 record ${k} ${'x'.repeat(50)}`));
    });

    it('continues a height in new segments past maxSegmentBytes, replays them in order, prunes them at the next height', async () => {
      const wal = await Wal.open(walDir, silentLogger(), { maxSegmentBytes: 200 });
      await wal.startHeight(1);
      const expected: string[] = [];
      for (let i = 0; i < 30; i++) {
        const r = `record ${String(i).padStart(2, '0')} ..........`;
        expected.push(r);
        wal.append(b(r));
      }
      wal.append(new Uint8Array(500).fill(1)); // larger than a segment: one segment of its own
      await wal.flush();
      const files = await segmentFiles(walDir);
      expect(files.length).toBeGreaterThan(5);
      for (const name of files.slice(0, -1)) {
        const size = (await stat(join(walDir, name))).size;
        expect(size <= 200 || scanSegment(await readFile(join(walDir, name)), 1000).entries.length === 1).toBe(true);
      }
      expect(wal.sizeBytes).toBe(await diskBytes(walDir));
      await wal.close();

      const again = await Wal.open(walDir, silentLogger(), { maxSegmentBytes: 200 });
      expect(again.replay.height).toBe(1);
      expect(texts(again.replay.records.slice(0, 30))).toEqual(expected);
      expect(again.replay.records[30]).toEqual(new Uint8Array(500).fill(1));
      await again.startHeight(2);
      again.append(b('two'));
      await again.close();
      expect((await segmentFiles(walDir)).length).toBe(2);
      expect(await replayOf(walDir)).toEqual({ height: 2, records: ['two'] });
    });
  });

  describe('concurrency', () => {
    it('keeps call order for un-awaited append/appendSync/flush/startHeight, and resolves in call order', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      const ops: Promise<void>[] = [];
      const resolved: number[] = [];
      const track = (p: Promise<void>): void => {
        const n = ops.length;
        ops.push(p.then(() => void resolved.push(n)));
      };
      for (let h = 1; h <= 5; h++) {
        track(wal.startHeight(h)); // right after the previous height's appends, nothing awaited
        for (let i = 0; i < 20; i++) {
          const r = b(`${h}.${i}`);
          if (i % 3 === 0) track(wal.appendSync(r));
          else wal.append(r);
          if (i % 7 === 0) track(wal.flush());
        }
      }
      track(wal.close());
      await Promise.all(ops);
      expect(resolved).toEqual(ops.map((_, n) => n));

      const names = await segmentFiles(walDir);
      expect(names).toHaveLength(2);
      for (const [index, name] of names.entries()) {
        const h = 4 + index;
        const entries = scanSegment(await readFile(join(walDir, name)), 1024).entries;
        expect(entries[0]).toMatchObject({ kind: KIND_HEIGHT, height: h });
        const data = entries.slice(1).map((e) => (e.kind === KIND_DATA ? dec.decode(e.payload) : `marker ${e.height}`));
        expect(data).toEqual(Array.from({ length: 20 }, (_, i) => `${h}.${i}`));
      }
      expect(await replayOf(walDir)).toEqual({ height: 5, records: Array.from({ length: 20 }, (_, i) => `5.${i}`) });
    });
  });

  describe('limits and lifecycle', () => {
    it('rejects a record larger than maxRecordBytes and stays usable', async () => {
      const wal = await Wal.open(walDir, silentLogger(), { maxRecordBytes: 100 });
      await wal.startHeight(1);
      expect(() => wal.append(new Uint8Array(101))).toThrow(expect.objectContaining({ code: 'WAL_RECORD_TOO_LARGE' }));
      await expect(wal.appendSync(new Uint8Array(101))).rejects.toMatchObject({ code: 'WAL_RECORD_TOO_LARGE' });
      wal.append(new Uint8Array(100).fill(9));
      await wal.close();
      const replay = await Wal.open(walDir, silentLogger(), { maxRecordBytes: 100 });
      expect(replay.replay.records).toEqual([new Uint8Array(100).fill(9)]);
      await replay.close();

      const defaults = await Wal.open(walDir, silentLogger());
      expect(() => defaults.append(new Uint8Array(16 * 1024 * 1024 + 1))).toThrow(expect.objectContaining({ code: 'WAL_RECORD_TOO_LARGE' }));
      await defaults.close();
      await expect(Wal.open(walDir, silentLogger(), { maxRecordBytes: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    });

    it('appendSync resolves only after an fsync covering the record; the record is there without a clean close', async () => {
      const probe = await open(join(dir.path, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as FileHandle;
      await probe.close();
      const originalSync = proto.sync;
      const syncedFileSizes: number[] = [];
      vi.spyOn(proto, 'sync').mockImplementation(async function (this: FileHandle) {
        await originalSync.call(this);
        const s = await this.stat();
        if (s.isFile()) syncedFileSizes.push(s.size);
      });

      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(9);
      wal.append(b('received vote'));
      await wal.appendSync(b('own vote'));
      const file = join(walDir, 'wal-000000000001');
      const size = (await stat(file)).size;
      expect(syncedFileSizes.at(-1)).toBe(size);

      // As after kill -9: copy the files while the WAL is still open, then open the copy.
      const copy = join(dir.path, 'copy');
      await cp(walDir, copy, { recursive: true });
      expect(await replayOf(copy)).toEqual({ height: 9, records: ['received vote', 'own vote'] });
      await wal.close();
    });

    it('after a failed write, refuses every further write (WAL_WRITE_FAILED) instead of leaving a gap', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(1);
      await wal.appendSync(b('kept'));
      const probe = await open(join(dir.path, 'probe'), 'w');
      const proto = Object.getPrototypeOf(probe) as FileHandle;
      await probe.close();
      vi.spyOn(proto, 'write').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));

      wal.append(b('lost')); // its background write fails
      await expect(wal.flush()).rejects.toMatchObject({ code: 'WAL_WRITE_FAILED' });
      expect(() => wal.append(b('after'))).toThrow(expect.objectContaining({ code: 'WAL_WRITE_FAILED' }));
      await expect(wal.appendSync(b('after'))).rejects.toMatchObject({ code: 'WAL_WRITE_FAILED' });
      await expect(wal.close()).rejects.toMatchObject({ code: 'WAL_WRITE_FAILED' });
      vi.restoreAllMocks();
      expect(await replayOf(walDir)).toEqual({ height: 1, records: ['kept'] });
    });

    it('writes queued before close() complete; later writes throw WAL_CLOSED; close twice is fine', async () => {
      const wal = await Wal.open(walDir, silentLogger());
      await wal.startHeight(2);
      wal.append(b('x'));
      const sync = wal.appendSync(b('y'));
      const closed = wal.close();
      expect(() => wal.append(b('z'))).toThrow(expect.objectContaining({ code: 'WAL_CLOSED' }));
      await expect(wal.appendSync(b('z'))).rejects.toMatchObject({ code: 'WAL_CLOSED' });
      await expect(wal.flush()).rejects.toMatchObject({ code: 'WAL_CLOSED' });
      await expect(wal.startHeight(3)).rejects.toMatchObject({ code: 'WAL_CLOSED' });
      await sync;
      await closed;
      await wal.close();
      expect(await replayOf(walDir)).toEqual({ height: 2, records: ['x', 'y'] });
    });
  });
});

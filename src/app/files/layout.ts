/**
 * Where registered files live in state (spec/files.md, "State"): one record per CID under
 * "fs/f/", and an append-only index "fs/i/<n>" → CID with its count at "fs/n", so a node can
 * walk every registration in order (its pinner resumes from the last index it pinned).
 */
import { concatBytes, utf8 } from '../../codec/bytes.js';
import { bytes, decode, encode, fixedBytes, safeUint, struct, text, type Infer } from '../../codec/schema.js';
import type { StateReader } from '../../state/overlay.js';

export const MAX_FILE_NAME_BYTES = 256;

export const FileRecord = struct('FileRecord', {
  size: safeUint,
  owner: fixedBytes(20),
  height: safeUint,
  name: text(MAX_FILE_NAME_BYTES),
  /** The registration's place in the index (0-based). */
  index: safeUint,
});
export type FileRecord = Infer<typeof FileRecord>;

const RECORD = utf8('fs/f/');
const INDEX = utf8('fs/i/');
export const COUNT_KEY = utf8('fs/n');
const IndexEntry = struct('FileIndexEntry', { cid: bytes(64) });
const Count = struct('FileCount', { n: safeUint });

export function fileKey(cid: Uint8Array): Uint8Array {
  return concatBytes(RECORD, cid);
}

export function indexKey(n: number): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return concatBytes(INDEX, b);
}

export function readFile(state: StateReader, cid: Uint8Array): FileRecord | undefined {
  const raw = state.get(fileKey(cid));
  return raw === undefined ? undefined : decode(FileRecord, raw, 'file record');
}

export function encodeFileRecord(record: FileRecord): Uint8Array {
  return encode(FileRecord, record);
}

export function fileCount(state: StateReader): number {
  const raw = state.get(COUNT_KEY);
  return raw === undefined ? 0 : decode(Count, raw, 'file count').n;
}

export function encodeFileCount(n: number): Uint8Array {
  return encode(Count, { n });
}

export function fileAt(state: StateReader, n: number): Uint8Array | undefined {
  const raw = state.get(indexKey(n));
  return raw === undefined ? undefined : decode(IndexEntry, raw, 'file index').cid;
}

export function encodeIndexEntry(cid: Uint8Array): Uint8Array {
  return encode(IndexEntry, { cid });
}

/**
 * The consensus WAL's bytes (spec/wal.md): the segment header, record frames, CRC-32C, and
 * the scanner that tells a torn tail (what a crash leaves) from damage in the middle. No
 * file handling here; `wal.ts` does that.
 */

/** "CMTWAL" then the format version, u16 big-endian. */
export const SEGMENT_MAGIC = Uint8Array.of(0x43, 0x4d, 0x54, 0x57, 0x41, 0x4c);
export const FORMAT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 8;
/** u32 length | u8 kind | u32 crc32c(payload) | u32 crc32c(the 9 bytes before it). */
export const FRAME_HEADER_BYTES = 13;
export const KIND_DATA = 0;
export const KIND_HEIGHT = 1;
export const HEIGHT_PAYLOAD_BYTES = 8;

export const SEGMENT_HEADER: Uint8Array = (() => {
  const header = new Uint8Array(SEGMENT_HEADER_BYTES);
  header.set(SEGMENT_MAGIC, 0);
  header[6] = FORMAT_VERSION >>> 8;
  header[7] = FORMAT_VERSION & 0xff;
  return header;
})();

const SEGMENT_NAME = /^wal-(\d{12,16})$/;

/** `wal-` and the segment's sequence number, 12 digits zero-padded (more digits if ever needed). */
export function segmentFileName(seq: number): string {
  return `wal-${String(seq).padStart(12, '0')}`;
}

/** The sequence number of a segment file name, or null for any other file. */
export function parseSegmentFileName(name: string): number | null {
  const match = SEGMENT_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as CometBFT's WAL and LevelDB's log use.
// Not zlib.crc32: that is the IEEE polynomial, and only Node >= 20.15 has it.
const CRC32C_TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C of `bytes[start, end)`. crc32c("123456789") = 0xE3069283. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One record as it goes to disk: frame header then payload (a copy, so the caller may reuse its buffer). */
export function encodeFrame(kind: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length);
  view.setUint8(4, kind);
  view.setUint32(5, crc32c(payload));
  view.setUint32(9, crc32c(frame, 0, 9));
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export function encodeHeightFrame(height: number): Uint8Array {
  const payload = new Uint8Array(HEIGHT_PAYLOAD_BYTES);
  new DataView(payload.buffer).setBigUint64(0, BigInt(height));
  return encodeFrame(KIND_HEIGHT, payload);
}

export type WalEntry =
  | { kind: typeof KIND_DATA; offset: number; payload: Uint8Array }
  | { kind: typeof KIND_HEIGHT; offset: number; height: number };

export interface Damage {
  /** Byte offset in the file of the first frame (or the segment header, 0) that does not check out. */
  offset: number;
  reason: string;
  /**
   * True when the damage looks like an interrupted append: nothing valid can follow it. Only the
   * newest segment may be repaired on that ground; see spec/wal.md "Recovery".
   */
  torn: boolean;
}

export interface SegmentScan {
  /** Records in file order; data payloads are views into the scanned bytes. */
  entries: WalEntry[];
  /** Where the good part ends: the file length when there is no damage, else `damage.offset`. */
  end: number;
  damage: Damage | null;
}

function allZero(bytes: Uint8Array, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * Reads a segment's bytes. Stops at the first thing that does not check out and says whether
 * it looks torn:
 * - a partial segment header or frame header, or a frame whose payload runs past the end;
 * - a frame whose checksum fails and that ends exactly at the end of the file (for a damaged
 *   frame header: whose length field says so);
 * - a bad frame (or segment header) followed only by zero bytes: the file was extended but the
 *   data never reached the disk.
 * Anything else (a bad checksum or an impossible length followed by more data, an unknown kind,
 * a wrong magic or version) is damage, `torn: false`.
 */
export function scanSegment(bytes: Uint8Array, maxRecordBytes: number): SegmentScan {
  const entries: WalEntry[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (offset: number, reason: string, torn: boolean): SegmentScan => ({ entries, end: offset, damage: { offset, reason, torn } });

  const headerBytes = Math.min(bytes.length, SEGMENT_HEADER_BYTES);
  let headerOk = true;
  for (let i = 0; i < headerBytes; i++) if (bytes[i] !== SEGMENT_HEADER[i]) headerOk = false;
  if (!headerOk) {
    if (allZero(bytes, 0)) return damaged(0, 'the segment header was never written (zero bytes)', true);
    let magicOk = bytes.length >= SEGMENT_MAGIC.length;
    for (let i = 0; magicOk && i < SEGMENT_MAGIC.length; i++) if (bytes[i] !== SEGMENT_MAGIC[i]) magicOk = false;
    if (magicOk && bytes.length >= SEGMENT_HEADER_BYTES) {
      return damaged(0, `unsupported WAL format version ${view.getUint16(6)} (this node reads version ${FORMAT_VERSION})`, false);
    }
    return damaged(0, 'not a WAL segment (bad magic)', false);
  }
  if (bytes.length < SEGMENT_HEADER_BYTES) {
    return damaged(0, bytes.length === 0 ? 'empty segment file (no header)' : `partial segment header (${bytes.length} of ${SEGMENT_HEADER_BYTES} bytes)`, true);
  }

  let pos = SEGMENT_HEADER_BYTES;
  while (pos < bytes.length) {
    const rest = bytes.length - pos;
    if (rest < FRAME_HEADER_BYTES) return damaged(pos, `partial record header (${rest} of ${FRAME_HEADER_BYTES} bytes)`, true);
    const length = view.getUint32(pos);
    const kind = view.getUint8(pos + 4);
    const payloadCrc = view.getUint32(pos + 5);
    if (crc32c(bytes, pos, pos + 9) !== view.getUint32(pos + 9)) {
      const claimsToBeLast = length <= maxRecordBytes && pos + FRAME_HEADER_BYTES + length === bytes.length;
      return damaged(pos, 'record header checksum mismatch', claimsToBeLast || allZero(bytes, pos + FRAME_HEADER_BYTES));
    }
    if (kind !== KIND_DATA && kind !== KIND_HEIGHT) return damaged(pos, `unknown record kind ${kind}`, false);
    if (kind === KIND_HEIGHT && length !== HEIGHT_PAYLOAD_BYTES) return damaged(pos, `height marker of ${length} bytes (expected ${HEIGHT_PAYLOAD_BYTES})`, false);
    if (kind === KIND_DATA && length > maxRecordBytes) {
      return damaged(pos, `record of ${length} bytes exceeds maxRecordBytes (${maxRecordBytes}); was the limit lowered?`, false);
    }
    const end = pos + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) return damaged(pos, `partial record (${rest - FRAME_HEADER_BYTES} of ${length} payload bytes)`, true);
    if (crc32c(bytes, pos + FRAME_HEADER_BYTES, end) !== payloadCrc) {
      return damaged(pos, 'record checksum mismatch', end === bytes.length || allZero(bytes, end));
    }
    if (kind === KIND_HEIGHT) {
      const height = view.getBigUint64(pos + FRAME_HEADER_BYTES);
      if (height > BigInt(Number.MAX_SAFE_INTEGER)) return damaged(pos, `height marker ${height} out of range`, false);
      entries.push({ kind: KIND_HEIGHT, offset: pos, height: Number(height) });
    } else {
      entries.push({ kind: KIND_DATA, offset: pos, payload: bytes.subarray(pos + FRAME_HEADER_BYTES, end) });
    }
    pos = end;
  }
  return { entries, end: pos, damage: null };
}

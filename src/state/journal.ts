/**
 * Journals: per version, the keys it changed with their previous values (spec/state.md,
 * "Journals"). They answer reads at past versions and are undone to rebuild a past trie.
 *
 * The record is a flat binary layout rather than RLP: a block of 10,000 changes encodes and
 * decodes with one allocation and no per-item arrays, and keys and values come out directly
 * as the latin1 strings the store keeps in memory.
 */
import { sha256 } from '../codec/hash.js';
import { DecodeError } from '../codec/errors.js';
import { bytesEqual } from '../codec/bytes.js';

/** key -> previous value; undefined = the key did not exist before this version. */
export type Journal = Map<string, string | undefined>;

const HEADER = 8 + 4;
const CHECKSUM = 32;

/** version (u64 BE) || count (u32 BE) || entries || sha256 of everything before it. */
export function encodeJournal(version: number, journal: Journal): Buffer {
  let size = HEADER + CHECKSUM;
  for (const [key, prev] of journal) size += 4 + key.length + 1 + (prev === undefined ? 0 : 4 + prev.length);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt32BE(Math.floor(version / 2 ** 32), 0);
  out.writeUInt32BE(version >>> 0, 4);
  out.writeUInt32BE(journal.size, 8);
  let at = HEADER;
  for (const [key, prev] of journal) {
    // entry: key length (u32 BE) || key || 0x00 (absent) | 0x01 || value length (u32 BE) || value
    out.writeUInt32BE(key.length, at);
    at += 4 + out.write(key, at + 4, 'latin1');
    if (prev === undefined) {
      out[at++] = 0;
    } else {
      out[at++] = 1;
      out.writeUInt32BE(prev.length, at);
      at += 4 + out.write(prev, at + 4, 'latin1');
    }
  }
  out.set(sha256(out.subarray(0, at)), at);
  return out;
}

export function decodeJournal(bytes: Buffer, expectedVersion: number): Journal {
  if (bytes.length < HEADER + CHECKSUM) throw new DecodeError('journal record too short');
  const body = bytes.length - CHECKSUM;
  if (!bytesEqual(sha256(bytes.subarray(0, body)), bytes.subarray(body))) throw new DecodeError('journal checksum mismatch');
  const version = bytes.readUInt32BE(0) * 2 ** 32 + bytes.readUInt32BE(4);
  if (version !== expectedVersion) throw new DecodeError(`journal of version ${version} stored under version ${expectedVersion}`);
  const count = bytes.readUInt32BE(8);
  const journal: Journal = new Map();
  let at = HEADER;
  const take = (n: number): string => {
    if (at + n > body) throw new DecodeError('journal entry runs past the record');
    const s = bytes.toString('latin1', at, at + n);
    at += n;
    return s;
  };
  const u32 = (): number => {
    if (at + 4 > body) throw new DecodeError('journal entry runs past the record');
    const v = bytes.readUInt32BE(at);
    at += 4;
    return v;
  };
  for (let i = 0; i < count; i++) {
    const key = take(u32());
    if (at >= body) throw new DecodeError('journal entry runs past the record');
    const flag = bytes[at++];
    if (flag !== 0 && flag !== 1) throw new DecodeError('journal entry has an invalid presence flag');
    journal.set(key, flag === 1 ? take(u32()) : undefined);
  }
  if (at !== body || journal.size !== count) throw new DecodeError('journal record has trailing bytes or repeated keys');
  return journal;
}

/**
 * The kept window in memory: the root of every version in [oldest, latest] and the journal
 * of every version in (oldest, latest] (the oldest version's own journal would only lead
 * further back, which is not kept).
 */
export class History {
  private readonly roots = new Map<number, string>();
  private readonly journals = new Map<number, Journal>();
  oldest = 0;
  latest = -1;

  includes(version: number): boolean {
    return this.latest >= 0 && Number.isSafeInteger(version) && version >= this.oldest && version <= this.latest;
  }

  rootOf(version: number): string | undefined {
    return this.roots.get(version);
  }

  /** Records `version` as the new latest; `journal` is null when it is also the oldest kept. */
  add(version: number, root: string, journal: Journal | null): void {
    if (this.latest < 0) this.oldest = version;
    this.latest = version;
    this.roots.set(version, root);
    if (journal !== null) this.journals.set(version, journal);
  }

  /** Forgets versions below `oldest` (and the journal of `oldest` itself). */
  pruneBelow(oldest: number): void {
    for (let v = this.oldest; v < oldest; v++) {
      this.roots.delete(v);
      this.journals.delete(v + 1);
    }
    this.oldest = Math.max(this.oldest, oldest);
  }

  /**
   * The value of `key` at `version` (in the window), given its latest value: the previous
   * value recorded by the first version after `version` that changed it, else the latest.
   */
  valueAt(key: string, version: number, latest: string | undefined): string | undefined {
    for (let v = version + 1; v <= this.latest; v++) {
      const journal = this.journals.get(v) as Journal;
      if (journal.has(key)) return journal.get(key);
    }
    return latest;
  }

  /** The changes that turn the latest version back into `version`: key -> value at `version`. */
  undoTo(version: number): Journal {
    const undo: Journal = new Map();
    // Newest first, so an older journal's previous value overwrites a newer one's.
    for (let v = this.latest; v > version; v--) for (const [key, prev] of this.journals.get(v) as Journal) undo.set(key, prev);
    return undo;
  }

  /** Number of journal entries held (for memory reporting). */
  get entries(): number {
    let n = 0;
    for (const j of this.journals.values()) n += j.size;
    return n;
  }
}

import { RLP } from '@ethereumjs/rlp';
import { asView } from './bytes.js';
import { DecodeError } from './errors.js';

/** A decoded RLP item: a byte string or a list of items. */
export type RlpItem = Uint8Array | RlpItem[];

export function rlpEncode(item: RlpItem): Uint8Array {
  return RLP.encode(item);
}

/**
 * Decodes exactly one RLP item that spans all of `bytes`. The library rejects non-canonical
 * length prefixes and single bytes wrapped in a prefix; trailing bytes are rejected here too.
 */
export function rlpDecode(bytes: Uint8Array): RlpItem {
  if (!(bytes instanceof Uint8Array)) throw new DecodeError('expected bytes');
  if (bytes.length === 0) throw new DecodeError('empty input: expected one RLP item');
  let item: RlpItem;
  try {
    // Decode from a plain view so the decoded byte strings are plain Uint8Arrays too.
    item = RLP.decode(asView(bytes), false) as RlpItem;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (/remainder/i.test(reason)) throw new DecodeError('trailing bytes after the RLP item');
    throw new DecodeError(`malformed RLP: ${reason}`);
  }
  // Round-trip check: anything that does not re-encode to the same bytes is not canonical.
  const again = RLP.encode(item);
  if (again.length !== bytes.length || !Buffer.from(again).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) {
    throw new DecodeError('non-canonical RLP encoding');
  }
  return item;
}

/**
 * Where the RLP item starting at `offset` of canonical `bytes` ends, and where its payload
 * starts, from its header alone. For slicing already-validated encodings (a transaction's body
 * is the first item of the transaction), never for checking untrusted ones.
 */
export function rlpItemBounds(bytes: Uint8Array, offset: number): { payloadStart: number; end: number } {
  const first = bytes[offset] as number;
  if (first < 0x80) return { payloadStart: offset, end: offset + 1 };
  const shortBase = first < 0xc0 ? 0x80 : 0xc0;
  const longBase = shortBase + 55;
  if (first <= longBase) return { payloadStart: offset + 1, end: offset + 1 + (first - shortBase) };
  const lengthOfLength = first - longBase;
  let length = 0;
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + (bytes[offset + i] as number);
  return { payloadStart: offset + 1 + lengthOfLength, end: offset + 1 + lengthOfLength + length };
}

/**
 * The CIDs the chain accepts (spec/files.md, "Content identifiers"), parsed and printed without
 * a library: consensus code must not change meaning with a dependency's version. A registered
 * CID is exactly 36 bytes: version 1, codec raw (0x55) or dag-pb (0x70), multihash sha2-256
 * (0x12) of 32 bytes. Its text form is multibase base32 (lower case, no padding, prefix "b").
 */
export const CID_BYTES = 36;
export const CODEC_RAW = 0x55;
export const CODEC_DAG_PB = 0x70;
const CID_V1 = 0x01;
const SHA2_256 = 0x12;
const DIGEST_BYTES = 32;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** The text form's length: "b" and 36 bytes in base32 (ceil(288 / 5) digits). */
export const CID_TEXT_CHARS = 1 + Math.ceil((CID_BYTES * 8) / 5);

/** Why `cid` is not a CID the chain accepts, or undefined when it is. */
export function cidError(cid: Uint8Array): string | undefined {
  if (cid.length !== CID_BYTES) return `a CID is ${CID_BYTES} bytes (CIDv1, sha2-256), not ${cid.length}`;
  if (cid[0] !== CID_V1) return 'only CIDv1 is accepted';
  if (cid[1] !== CODEC_RAW && cid[1] !== CODEC_DAG_PB) return `codec 0x${(cid[1] as number).toString(16)} is not raw (0x55) or dag-pb (0x70)`;
  if (cid[2] !== SHA2_256 || cid[3] !== DIGEST_BYTES) return 'the multihash is not sha2-256 of 32 bytes';
  return undefined;
}

export function cidCodec(cid: Uint8Array): number {
  return cid[1] as number;
}

/** The base32 text of a CID's bytes ("b" + RFC 4648 lower case, no padding). */
export function formatCid(cid: Uint8Array): string {
  let out = 'b';
  let buffer = 0;
  let bits = 0;
  for (const byte of cid) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(buffer >>> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The bytes of a CID's text, or undefined when the text is not the canonical base32 form of an
 * accepted CID (so one CID has one text, and a lookup by text cannot miss by spelling).
 */
export function parseCid(text: string): Uint8Array | undefined {
  if (text.length !== CID_TEXT_CHARS || text[0] !== 'b') return undefined;
  const out = new Uint8Array(CID_BYTES);
  let buffer = 0;
  let bits = 0;
  let at = 0;
  for (let i = 1; i < text.length; i++) {
    const digit = ALPHABET.indexOf(text[i] as string);
    if (digit < 0) return undefined;
    buffer = (buffer << 5) | digit;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (at < CID_BYTES) out[at++] = (buffer >>> bits) & 0xff;
      buffer &= (1 << bits) - 1;
    }
  }
  // Leftover bits must be zero padding, or two texts would name one CID.
  if (at !== CID_BYTES || buffer !== 0) return undefined;
  return cidError(out) === undefined ? out : undefined;
}

/**
 * The profile's CIDs checked two ways (spec/files.md, "Test vectors"): pinned CIDs of a few
 * files, and a differential test against an independent minimal UnixFS encoder written here
 * (hand-made protobuf, node:crypto sha256, base32) on generated inputs — sizes around chunk
 * boundaries, with small chunks and fan-outs so multi-level DAGs stay fast.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCid } from '../../src/app/files/cid.js';
import { computeCid } from '../../src/files/profile.js';
import { patternBytes, PINNED_CIDS } from './vectors.js';

// ---- The independent encoder (UnixFS v1 file, balanced layout, raw leaves, CIDv1). ----

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const field = (num: number, wire: number): number[] => varint(num * 8 + wire);
const lenDelimited = (num: number, bytes: Uint8Array | number[]): number[] => [...field(num, 2), ...varint(bytes.length), ...bytes];

function cid(codec: number, block: Uint8Array): Uint8Array {
  return Uint8Array.from([1, codec, 0x12, 0x20, ...createHash('sha256').update(block).digest()]);
}

interface Node {
  cid: Uint8Array;
  /** Bytes of the file under this node. */
  fileSize: number;
  /** Encoded block length (dag-pb Tsize adds up blocks). */
  tsize: number;
}

/** A dag-pb file node: PBNode { Links (2) first, Data (1) }, UnixFS Data { Type=2, filesize (3), blocksizes (4) }. */
function fileNode(children: Node[]): Node {
  const fileSize = children.reduce((s, c) => s + c.fileSize, 0);
  const unixfs = [...field(1, 0), 2, ...field(3, 0), ...varint(fileSize), ...children.flatMap((c) => [...field(4, 0), ...varint(c.fileSize)])];
  const links = children.flatMap((c) => lenDelimited(2, [...lenDelimited(1, c.cid), ...lenDelimited(2, []), ...field(3, 0), ...varint(c.tsize)]));
  const block = Uint8Array.from([...links, ...lenDelimited(1, unixfs)]);
  return { cid: cid(0x70, block), fileSize, tsize: block.length + children.reduce((s, c) => s + c.tsize, 0) };
}

function referenceCid(bytes: Uint8Array, chunk: number, maxLinks: number): string {
  const leaves: Node[] = [];
  for (let at = 0; at < bytes.length || leaves.length === 0; at += chunk) {
    const piece = bytes.subarray(at, Math.min(bytes.length, at + chunk));
    leaves.push({ cid: cid(0x55, piece), fileSize: piece.length, tsize: piece.length });
    if (bytes.length === 0) break;
  }
  let level = leaves;
  if (level.length === 1) return formatCid((level[0] as Node).cid);
  while (level.length > 1) {
    const next: Node[] = [];
    for (let i = 0; i < level.length; i += maxLinks) next.push(fileNode(level.slice(i, i + maxLinks)));
    level = next;
  }
  return formatCid((level[0] as Node).cid);
}

// ---- The tests. ----

describe('CIDs under the unixfs-v1-2025 profile', () => {
  it('match the CIDs pinned in spec/files.md', async () => {
    const cidOf = async (bytes: Uint8Array) => (await computeCid([bytes])).cid.toString();
    expect(await cidOf(new Uint8Array(0))).toBe(PINNED_CIDS.empty);
    expect(await cidOf(new TextEncoder().encode('hello world\n'))).toBe(PINNED_CIDS.helloWorld);
    expect(await cidOf(new Uint8Array(1024 * 1024).fill(7))).toBe(PINNED_CIDS.sevens1MiB);
    expect(await cidOf(patternBytes(2.5 * 1024 * 1024))).toBe(PINNED_CIDS.pattern2_5MiB);
  });

  it('the reference encoder gives the pinned CIDs too (real chunk size)', () => {
    const M = 1024 * 1024;
    expect(referenceCid(new Uint8Array(0), M, 1024)).toBe(PINNED_CIDS.empty);
    expect(referenceCid(new TextEncoder().encode('hello world\n'), M, 1024)).toBe(PINNED_CIDS.helloWorld);
    expect(referenceCid(new Uint8Array(M).fill(7), M, 1024)).toBe(PINNED_CIDS.sevens1MiB);
    expect(referenceCid(patternBytes(2.5 * M), M, 1024)).toBe(PINNED_CIDS.pattern2_5MiB);
  });

  it('Helia and the reference encoder agree on generated files, around chunk and fan-out boundaries', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 2, max: 5 }),
        fc.integer({ min: -2, max: 2 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 255 }),
        fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 4 }),
        async (chunk, maxLinks, delta, chunks, seed, splits) => {
          const size = Math.max(0, chunk * chunks + delta);
          const bytes = Uint8Array.from({ length: size }, (_, i) => (i * 131 + seed) & 255);
          // Fed in uneven pieces: the chunker must cut the same wherever the stream breaks.
          const pieces: Uint8Array[] = [];
          for (let at = 0, k = 0; at < size; k++) {
            const n = splits[k % splits.length] as number;
            pieces.push(bytes.subarray(at, at + n));
            at += n;
          }
          const helia = (await computeCid(pieces, { chunkBytes: chunk, maxLinks })).cid.toString();
          expect(helia).toBe(referenceCid(bytes, chunk, maxLinks));
        },
      ),
      { numRuns: 150 },
    );
  });
});

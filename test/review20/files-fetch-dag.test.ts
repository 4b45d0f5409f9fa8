/**
 * Review of issue 20 (files): fetchFileDag skips a block it has seen before ("a file may
 * repeat a chunk"), and with it the check that the block is the size this parent declares. A
 * registrant can then get a DAG pinned whose bytes are not the registered size: the spec's
 * "a raw leaf must be exactly the size its parent declares" does not hold, and the gateway
 * announces a content-length it then cannot deliver (OverRead/UnderRead mid-stream).
 */
import { createHash } from 'node:crypto';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { create } from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import { BadDagError, fetchFileDag, type BlockSource } from '../../src/files/fetch-dag.js';
import { patternBytes } from '../files/vectors.js';

const CHUNK = 64;

function cidOf(codec: number, block: Uint8Array): CID {
  return CID.create(1, codec, create(0x12, createHash('sha256').update(block).digest()));
}

function fileNode(links: { cid: CID; size: number }[]): Uint8Array {
  const unixfs = new UnixFS({ type: 'file', blockSizes: links.map((l) => BigInt(l.size)) });
  return dagPb.encode({ Data: unixfs.marshal(), Links: links.map((l) => ({ Hash: l.cid, Tsize: l.size })) });
}

function source(blocks: Map<string, Uint8Array>): BlockSource {
  return {
    get: async (cid) => {
      const b = blocks.get(cid.toString());
      if (!b) throw new Error(`no block ${cid}`);
      return b;
    },
  };
}

describe('review20: fetchFileDag', () => {
  it('refuses a leaf linked twice with two different declared sizes', async () => {
    const leaf = patternBytes(CHUNK);
    const leafCid = cidOf(0x55, leaf);
    // The same 64-byte leaf, declared once as 64 bytes and once as 5: "a file of 69 bytes".
    const rootBlock = fileNode([{ cid: leafCid, size: CHUNK }, { cid: leafCid, size: 5 }]);
    const root = cidOf(0x70, rootBlock);
    const blocks = new Map([[leafCid.toString(), leaf], [root.toString(), rootBlock]]);
    await expect(
      fetchFileDag(root, CHUNK + 5, source(blocks), CHUNK, new AbortController().signal, { concurrency: 4, maxDepth: 3, blockTimeoutMs: 1_000 }),
      'the second link is never checked against the leaf it names',
    ).rejects.toBeInstanceOf(BadDagError);
  });
});

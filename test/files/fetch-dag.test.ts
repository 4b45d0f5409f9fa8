/**
 * The bounded DAG fetch against hostile peers: blocks that do not hash to their CID, a root
 * whose size is not the registered one, a leaf of the wrong length, links to other codecs,
 * and a DAG larger than its size allows all fail with BadDagError, having fetched at most
 * about the registered size.
 */
import { createHash } from 'node:crypto';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { create } from 'multiformats/hashes/digest';
import { describe, expect, it } from 'vitest';
import { BadDagError, fetchFileDag, type BlockSource } from '../../src/files/fetch-dag.js';
import { importFile } from '../../src/files/profile.js';
import { patternBytes } from './vectors.js';

const CHUNK = 64;

function cidOf(codec: number, block: Uint8Array): CID {
  return CID.create(1, codec, create(0x12, createHash('sha256').update(block).digest()));
}

function source(blocks: Map<string, Uint8Array>, counter = { bytes: 0 }): BlockSource {
  return {
    get: async (cid) => {
      const b = blocks.get(cid.toString());
      if (!b) throw new Error(`no block ${cid}`);
      counter.bytes += b.length;
      return b;
    },
  };
}

async function imported(bytes: Uint8Array): Promise<{ root: CID; blocks: Map<string, Uint8Array> }> {
  const blocks = new Map<string, Uint8Array>();
  const { cid } = await importFile([bytes], { put: async (c, b) => (blocks.set(c.toString(), b), c) }, { chunkBytes: CHUNK, maxLinks: 4 });
  return { root: cid, blocks };
}

const run = (root: CID, size: number, src: BlockSource) => fetchFileDag(root, size, src, CHUNK, new AbortController().signal, { concurrency: 4, maxDepth: 3, blockTimeoutMs: 1_000 });

function fileNode(links: { cid: CID; size: number }[], declared?: number): Uint8Array {
  const unixfs = new UnixFS({ type: 'file', blockSizes: links.map((l) => BigInt(l.size)) });
  if (declared !== undefined) unixfs.fileSize = () => BigInt(declared);
  return dagPb.encode({ Data: unixfs.marshal(), Links: links.map((l) => ({ Hash: l.cid, Tsize: l.size })) });
}

describe('fetchFileDag', () => {
  it('fetches an honest multi-level DAG', async () => {
    const bytes = patternBytes(CHUNK * 20 + 3);
    const { root, blocks } = await imported(bytes);
    const counter = { bytes: 0 };
    await run(root, bytes.length, source(blocks, counter));
    expect(counter.bytes).toBeLessThan(bytes.length + 4096);
  });

  it('refuses a root of another size than registered', async () => {
    const bytes = patternBytes(CHUNK * 5);
    const { root, blocks } = await imported(bytes);
    await expect(run(root, bytes.length + 1, source(blocks))).rejects.toBeInstanceOf(BadDagError);
    await expect(run(root, bytes.length - 1, source(blocks))).rejects.toBeInstanceOf(BadDagError);
  });

  it('refuses blocks that do not hash to their CID', async () => {
    const bytes = patternBytes(CHUNK * 5);
    const { root, blocks } = await imported(bytes);
    const lying = new Map([...blocks].map(([k, v]) => [k, k === root.toString() ? v : new Uint8Array(v.length)]));
    await expect(run(root, bytes.length, source(lying))).rejects.toThrow(/does not hash/);
  });

  it('refuses a leaf whose length is not what its parent declares', async () => {
    const leaf = patternBytes(CHUNK);
    const short = leaf.subarray(0, CHUNK - 1);
    const links = [{ cid: cidOf(0x55, leaf), size: CHUNK }, { cid: cidOf(0x55, short), size: CHUNK }];
    const rootBlock = fileNode(links);
    const blocks = new Map([[links[0]!.cid.toString(), leaf], [links[1]!.cid.toString(), short]]);
    const root = cidOf(0x70, rootBlock);
    blocks.set(root.toString(), rootBlock);
    await expect(run(root, 2 * CHUNK, source(blocks))).rejects.toThrow(/parent says/);
  });

  it('refuses links to another codec or hash', async () => {
    const leaf = patternBytes(CHUNK);
    const cbor = CID.create(1, 0x71, create(0x12, createHash('sha256').update(leaf).digest()));
    const rootBlock = fileNode([{ cid: cbor, size: CHUNK }, { cid: cbor, size: CHUNK }]);
    const root = cidOf(0x70, rootBlock);
    await expect(run(root, 2 * CHUNK, source(new Map([[root.toString(), rootBlock]])))).rejects.toThrow(/not a CIDv1 raw or dag-pb/);
  });

  it('stops a DAG that nests deeper than a file can need', async () => {
    // A chain of single-link nodes, each claiming the whole size: honest sizes, absurd depth.
    const leaf = patternBytes(CHUNK);
    const blocks = new Map<string, Uint8Array>([[cidOf(0x55, leaf).toString(), leaf]]);
    let child = { cid: cidOf(0x55, leaf), size: CHUNK };
    for (let i = 0; i < 10; i++) {
      const block = fileNode([child]);
      const cid = cidOf(0x70, block);
      blocks.set(cid.toString(), block);
      child = { cid, size: CHUNK };
    }
    await expect(run(child.cid, CHUNK, source(blocks))).rejects.toThrow(/deeper/);
  });

  it('refuses a node with more links than the profile fan-out (1,024)', async () => {
    const leaf = new Uint8Array([1]);
    const leafCid = cidOf(0x55, leaf);
    const rootBlock = fileNode(Array.from({ length: 1025 }, () => ({ cid: leafCid, size: 1 })));
    const root = cidOf(0x70, rootBlock);
    const blocks = new Map([[leafCid.toString(), leaf], [root.toString(), rootBlock]]);
    await expect(run(root, 1025, source(blocks))).rejects.toThrow(/more than the profile's 1024/);
  });
});

/**
 * Importing bytes with the chain's one UnixFS profile (src/app/files/profile.ts, spec/files.md):
 * the importer's options spelled out, not left to its defaults, so a new importer version
 * that changes a default cannot change a CID.
 */
import { importByteStream, type ImporterOptions } from 'ipfs-unixfs-importer';
import { fixedSize } from 'ipfs-unixfs-importer/chunker';
import { balanced } from 'ipfs-unixfs-importer/layout';
import type { CID } from 'multiformats/cid';
import { FILE_PROFILE } from '../app/files/profile.js';

/** Where imported blocks go: only `put` is needed (the null store of `computeCid` keeps nothing). */
export interface BlockSink {
  put(cid: CID, block: Uint8Array): Promise<CID>;
}

export function profileOptions(chunkBytes: number = FILE_PROFILE.chunkBytes, maxLinks: number = FILE_PROFILE.maxLinks): ImporterOptions {
  return {
    profile: FILE_PROFILE.name,
    cidVersion: FILE_PROFILE.cidVersion,
    rawLeaves: FILE_PROFILE.rawLeaves,
    reduceSingleLeafToSelf: FILE_PROFILE.singleLeafIsRoot,
    chunker: fixedSize({ chunkSize: chunkBytes }),
    layout: balanced({ maxChildrenPerNode: maxLinks }),
    wrapWithDirectory: false,
  };
}

export interface Imported {
  cid: CID;
  size: number;
}

/** Imports a byte stream into `sink` with the profile (chunk size and fan-out overridable for tests). */
export async function importFile(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, sink: BlockSink, options: { chunkBytes?: number; maxLinks?: number; signal?: AbortSignal } = {}): Promise<Imported> {
  let size = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      size += chunk.length;
      yield chunk;
    }
  }
  const blockstore = { put: (cid: CID, block: Uint8Array) => sink.put(cid, block) };
  const result = await importByteStream(counted(), blockstore as Parameters<typeof importByteStream>[1], { ...profileOptions(options.chunkBytes, options.maxLinks), ...(options.signal ? { signal: options.signal } : {}) });
  return { cid: result.cid, size };
}

/** The CID of a byte stream under the profile, keeping no block (the CLI checks a node's answer with it). */
export function computeCid(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: { chunkBytes?: number; maxLinks?: number } = {}): Promise<Imported> {
  return importFile(source, { put: (cid) => Promise.resolve(cid) }, options);
}

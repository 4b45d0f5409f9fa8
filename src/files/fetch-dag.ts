/**
 * Fetching a registered file's DAG from peers, bounded (spec/files.md, "Pinning"). Peers'
 * blocks are hostile: each is checked against the CID that asked for it, the root must be a
 * UnixFS file whose size is the registered size, every node's declared sizes must add up,
 * and the walk stops once it has fetched more than the file's size plus a small overhead, or
 * gone deeper than a file of the size limit needs. So a lying DAG costs at most about what
 * the registrant paid for, never unbounded work or memory.
 */
import { createHash } from 'node:crypto';
import * as dagPb from '@ipld/dag-pb';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { decodeUnixfsNode } from './unixfs-node.js';
import { CmtError } from '../codec/errors.js';
import { CODEC_DAG_PB, CODEC_RAW } from '../app/files/cid.js';
import { FILE_PROFILE } from '../app/files/profile.js';

/** Gets a block (from the local store, or peers); may return bytes that do not match the CID. */
export interface BlockSource {
  get(cid: CID, signal: AbortSignal): Promise<Uint8Array>;
}

export class BadDagError extends CmtError {
  constructor(cid: string, message: string) {
    super('BAD_DAG', `${cid}: ${message}`);
  }
}

export interface FetchLimits {
  /** Blocks fetched at once. */
  concurrency: number;
  /** Deepest DAG walked (root = 0). A balanced DAG of 1024 links holds 1 TiB at depth 2. */
  maxDepth: number;
  /** Per-block timeout. */
  blockTimeoutMs: number;
  /** Most links in one dag-pb node: the profile's fan-out (1,024) unless set. */
  maxLinks?: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { concurrency: 8, maxDepth: 3, blockTimeoutMs: 30_000, maxLinks: FILE_PROFILE.maxLinks };

/** Bytes of dag-pb nodes allowed beyond the file's own bytes: per link (about 45 bytes each) and fixed. */
const OVERHEAD_PER_CHUNK = 128;
const OVERHEAD_FIXED = 64 * 1024;

export function fetchBudget(size: number, chunkBytes: number): number {
  return size + OVERHEAD_FIXED + OVERHEAD_PER_CHUNK * Math.ceil(size / Math.max(1, chunkBytes));
}

function checkCid(cid: CID, where: string): void {
  if (cid.version !== 1 || (cid.code !== CODEC_RAW && cid.code !== CODEC_DAG_PB) || cid.multihash.code !== 0x12 || cid.multihash.size !== 32) {
    throw new BadDagError(where, `links to ${cid.toString().slice(0, 80)}, which is not a CIDv1 raw or dag-pb block hashed with sha2-256`);
  }
}

interface Pending {
  cid: CID;
  /** The size its parent declares for it (the file's size for the root). */
  size: number;
  depth: number;
}

/**
 * Fetches every block of the file `root` of `size` bytes (so that it is local afterwards),
 * checking the DAG as it goes. Throws BadDagError for a DAG that is not that file (final: the
 * blocks are hash-checked, so the same DAG fails the same way every time); rejects otherwise
 * when `signal` aborts or a block times out (worth retrying). `onRoot`, when given, is awaited
 * once the root has arrived and passed its checks, before anything else is asked for: the
 * pinner takes its byte-fetch slot there, so a CID nobody serves costs only a root probe.
 */
export async function fetchFileDag(
  root: CID,
  size: number,
  source: BlockSource,
  chunkBytes: number,
  signal: AbortSignal,
  limits: FetchLimits = DEFAULT_FETCH_LIMITS,
  onRoot?: () => Promise<void>,
): Promise<void> {
  const name = root.toString();
  checkCid(root, name);
  const budget = fetchBudget(size, chunkBytes);
  const maxLinks = limits.maxLinks ?? FILE_PROFILE.maxLinks;
  let fetched = 0;
  // CID -> the size declared for it where it was first linked: a block linked again (a file may
  // repeat a chunk) is fetched once, but every link to it must declare that same size.
  const seen = new Map<string, number>();
  const queue: Pending[] = [{ cid: root, size, depth: 0 }];
  // Stops the other block requests once one fails.
  const stop = new AbortController();
  const walkSignal = AbortSignal.any([signal, stop.signal]);

  const getChecked = async (cid: CID): Promise<Uint8Array> => {
    const timeout = AbortSignal.timeout(limits.blockTimeoutMs);
    const block = await source.get(cid, AbortSignal.any([walkSignal, timeout]));
    const digest = createHash('sha256').update(block).digest();
    if (!Buffer.from(cid.multihash.digest).equals(digest)) throw new BadDagError(name, `block ${cid.toString()} does not hash to its CID`);
    fetched += block.length;
    if (fetched > budget) throw new BadDagError(name, `the DAG is larger than a file of ${size} bytes can be (${budget} bytes fetched)`);
    return block;
  };

  const visit = async (item: Pending): Promise<void> => {
    const key = item.cid.toString();
    // A file may repeat a chunk (zeros, say): its block is fetched once, and a repeated link is
    // held to the size the block was checked against (else a leaf linked twice with two sizes
    // would make a file whose bytes are not the size its root declares).
    const linkedAs = seen.get(key);
    if (linkedAs !== undefined) {
      if (linkedAs !== item.size) throw new BadDagError(name, `${key} is linked as ${linkedAs} bytes and as ${item.size} bytes`);
      return;
    }
    seen.set(key, item.size);
    const block = await getChecked(item.cid);
    if (item.cid.code === CODEC_RAW) {
      if (block.length !== item.size) throw new BadDagError(name, `leaf ${key} is ${block.length} bytes, its parent says ${item.size}`);
      return;
    }
    let node: dagPb.PBNode;
    let unixfs: UnixFS;
    try {
      ({ node, unixfs } = decodeUnixfsNode(block));
    } catch (err) {
      throw new BadDagError(name, `node ${key} is not a UnixFS dag-pb node (${(err as Error).message})`);
    }
    if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new BadDagError(name, `node ${key} is a UnixFS ${unixfs.type}, not a file`);
    if (unixfs.fileSize() !== BigInt(item.size)) throw new BadDagError(name, `node ${key} holds ${unixfs.fileSize()} bytes, ${item.depth === 0 ? 'the chain registered' : 'its parent says'} ${item.size}`);
    if (node.Links.length !== unixfs.blockSizes.length) throw new BadDagError(name, `node ${key} has ${node.Links.length} links but ${unixfs.blockSizes.length} block sizes`);
    if (node.Links.length > maxLinks) throw new BadDagError(name, `node ${key} has ${node.Links.length} links, more than the profile's ${maxLinks}`);
    if (node.Links.length > 0 && item.depth + 1 > limits.maxDepth) throw new BadDagError(name, `the DAG is deeper than ${limits.maxDepth} levels`);
    node.Links.forEach((link, i) => {
      checkCid(link.Hash as CID, name);
      const declared = unixfs.blockSizes[i] as bigint;
      if (declared > BigInt(size)) throw new BadDagError(name, `node ${key} declares a child of ${declared} bytes`);
      queue.push({ cid: CID.asCID(link.Hash) ?? CID.decode(link.Hash.bytes), size: Number(declared), depth: item.depth + 1 });
    });
  };

  // The root alone first: a root that is not this file fails before anything else is asked for.
  await visit(queue.shift() as Pending);
  if (onRoot) await onRoot();
  await new Promise<void>((resolve, reject) => {
    let active = 0;
    let failed = false;
    const pump = (): void => {
      if (failed) return;
      while (active < limits.concurrency && queue.length > 0) {
        const item = queue.shift() as Pending;
        active++;
        visit(item).then(
          () => {
            active--;
            pump();
          },
          (err: unknown) => {
            if (failed) return;
            failed = true;
            stop.abort();
            reject(err);
          },
        );
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
}

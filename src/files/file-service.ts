/**
 * The node's IPFS side (spec/files.md): Helia on the node's own libp2p host, with its blocks
 * and pins in LevelDB under <home>/data/ipfs/. It exchanges blocks with peers over bitswap
 * only: no public bootstrap nodes, no DHT, no delegated HTTP routers, so a node asks its own
 * peers and nobody else. It imports uploads with the chain's profile, pins every registered
 * file (pinner.ts) and reads files back for the gateway.
 *
 * Storage discipline (spec/files.md, "Storage and locks"): blocks are never collected by a
 * sweep over the whole store while anything runs. Each upload and fetch claims the blocks it
 * writes or asks for until they are pinned; a failed upload, a failed (bad) fetch and an
 * expired upload delete exactly their own blocks, skipping any block another one claims or
 * a pin holds. Upload writes hold `storeLock` shared, deletions hold it alone, so no upload
 * write lands between a deletion's checks and the delete. Pin changes, and the decisions
 * about whose pin a file holds, run one at a time under `pinLock`.
 */
import '../p2p/polyfill.js'; // first: Helia and libp2p need Promise.withResolvers, missing on Node 20
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withBitswap } from '@helia/bitswap';
import * as dagPb from '@ipld/dag-pb';
import type { Helia } from '@helia/interface';
import type { Libp2p } from '@libp2p/interface';
import { LevelBlockstore } from 'blockstore-level';
import { LevelDatastore } from 'datastore-level';
import { Key } from 'interface-datastore';
import { UnixFS } from 'ipfs-unixfs';
import { CID } from 'multiformats/cid';
import { decodeUnixfsNode } from './unixfs-node.js';
import { CmtError } from '../codec/errors.js';
import { CODEC_RAW, parseCid } from '../app/files/cid.js';
import { MAX_FILE_BYTES } from '../app/files/fees.js';
import { FILE_PROFILE } from '../app/files/profile.js';
import type { Logger } from '../node/logger.js';
import { BadDagError, DEFAULT_FETCH_LIMITS, fetchFileDag, type FetchLimits } from './fetch-dag.js';
import { Mutex, SharedExclusiveLock } from './lock.js';
import { DEFAULT_PINNER_OPTIONS, Pinner, type PinnerOptions } from './pinner.js';
import { importFile } from './profile.js';
import type { FileRegistry } from './registry.js';
import { Uploads, type UploadLimits, DEFAULT_UPLOAD_LIMITS } from './uploads.js';

export class FileServiceError extends CmtError {}

export interface FileServiceOptions {
  /** <home>/data/ipfs */
  dir: string;
  libp2p: Libp2p;
  registry: FileRegistry;
  logger: Logger;
  fetch?: Partial<FetchLimits>;
  pinner?: Partial<PinnerOptions>;
  uploads?: Partial<UploadLimits>;
}

const CURSOR_KEY = new Key('/cmt/pin-cursor');
/** Present while uploads or fetches may have left unclaimed blocks behind (a crash): the next start collects. */
const DIRTY_KEY = new Key('/cmt/collect-on-start');
const BAD_PREFIX = '/cmt/bad-dag';
/** How long pinning a file whose blocks are all local may take (a walk of at most ~70 blocks). */
const PIN_TIMEOUT_MS = 60_000;
/** Deepest DAG the reader follows (fetch-dag.ts refuses deeper ones). */
const MAX_READ_DEPTH = 3;

interface PinRecord {
  metadata?: Record<string, unknown>;
}

/** The key of a block in the store and in Helia's pinned-block records: its multihash. */
function blockKey(cid: CID): string {
  return Buffer.from(cid.multihash.bytes).toString('base64');
}

async function collect(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

type CreateHeliaLight = typeof import('helia').createHeliaLight;

/**
 * Helia's class without the package's index: the index also loads its default libp2p and HTTP
 * stacks (routers this node never uses), about three times the load time of the class alone.
 * It does what the index's createHeliaLight does; helia is pinned to an exact version
 * (package.json), whose file layout (dist/src/helia.js beside index.js) this relies on.
 */
async function heliaLight(): Promise<CreateHeliaLight> {
  const index = import.meta.resolve('helia');
  const { Helia } = (await import(new URL('./helia.js', index).href)) as { Helia: new (init: Parameters<CreateHeliaLight>[0] & { name: string; version: string }) => ReturnType<CreateHeliaLight> };
  const { name, version } = (await import(new URL('./version.js', index).href)) as { name: string; version: string };
  return (init) => new Helia({ name, version, ...init });
}

export class FileService {
  readonly pinner: Pinner;
  readonly uploads: Uploads;
  private readonly fetchLimits: FetchLimits;
  /** Held shared by each upload block write, alone by each deletion. */
  private readonly storeLock = new SharedExclusiveLock();
  /** Pin changes and pin-owner decisions (upload or chain), one at a time. */
  private readonly pinLock = new Mutex();
  /** Blocks (by multihash) claimed by uploads and fetches under way: never deleted. */
  private readonly claimed = new Map<string, number>();
  /** Uploads and fetches running (a clean stop with none clears DIRTY_KEY). */
  private running = 0;
  private dirtyMarked = false;

  private constructor(
    private readonly helia: Helia,
    private readonly blockstore: LevelBlockstore,
    private readonly datastore: LevelDatastore,
    private readonly options: FileServiceOptions,
  ) {
    this.fetchLimits = { ...DEFAULT_FETCH_LIMITS, ...options.fetch };
    const log = options.logger;
    this.pinner = new Pinner(
      options.registry,
      {
        isPinned: (cid) => this.isPinnedForChain(cid),
        fetchAndPin: (cid, size, signal, onRoot) => this.fetchAndPin(cid, size, signal, onRoot),
        loadCursor: async () => {
          try {
            return Number(new TextDecoder().decode(await this.datastore.get(CURSOR_KEY))) || 0;
          } catch {
            return 0;
          }
        },
        saveCursor: async (n) => {
          await this.datastore.put(CURSOR_KEY, new TextEncoder().encode(String(n)));
        },
        recordBad: async (cid, reason) => {
          await this.datastore.put(new Key(`${BAD_PREFIX}/${cid}`), new TextEncoder().encode(reason.slice(0, 512)));
        },
        loadBad: async () => {
          const cids: string[] = [];
          for await (const key of this.datastore.queryKeys({ prefix: BAD_PREFIX })) cids.push(key.baseNamespace());
          return cids;
        },
      },
      log,
      { ...DEFAULT_PINNER_OPTIONS, ...options.pinner },
    );
    this.uploads = new Uploads(this.datastore, { ...DEFAULT_UPLOAD_LIMITS, ...options.uploads }, {
      registry: options.registry,
      expire: (cid) => this.expireUpload(cid),
      logger: log,
    });
  }

  static async start(options: FileServiceOptions): Promise<FileService> {
    await mkdir(options.dir, { recursive: true });
    const blockstore = new LevelBlockstore(join(options.dir, 'blocks'));
    const datastore = new LevelDatastore(join(options.dir, 'datastore'));
    await blockstore.open();
    await datastore.open();
    const helia = (await heliaLight())({ blockstore, datastore, routers: [], blockBrokers: [] });
    // Bitswap reads `libp2p` from Helia: the node's own host, never one Helia would make (with
    // public bootstrap peers). It sends wants to connected peers; there are no routers to ask.
    Object.defineProperty(helia, 'libp2p', { value: options.libp2p, enumerable: true });
    withBitswap(helia as Parameters<typeof withBitswap>[0], { maxInboundStreams: 32, maxOutboundStreams: 32, maxIncomingMessageSize: 4 * 1024 * 1024 + 64 * 1024 });
    await helia.start();
    // The last run stopped with uploads or fetches under way (a crash): their unpinned blocks
    // are collected once, now, before anything else can write (nothing is claimed yet).
    if (await datastore.has(DIRTY_KEY)) {
      await helia.gc();
      await datastore.delete(DIRTY_KEY);
    }
    const service = new FileService(helia, blockstore, datastore, options);
    await service.pinner.start();
    await service.uploads.start();
    return service;
  }

  async stop(): Promise<void> {
    this.pinner.stop();
    this.uploads.stop();
    if (this.running === 0 && this.dirtyMarked) await this.datastore.delete(DIRTY_KEY).catch(() => {});
    await this.helia.stop();
    await this.datastore.close();
    await this.blockstore.close();
  }

  /** Called after each committed block: new registrations are queued, uploads that are now registered kept. */
  onBlock(): void {
    this.pinner.scan();
    this.uploads.onBlock();
  }

  /** The size the chain registered for `cid`, or undefined when it is not registered. */
  registeredSize(cid: string): number | undefined {
    return this.options.registry.size(cid);
  }

  /** True when the file's blocks are pinned here (for the chain or as an upload): it can be served. */
  async isPinned(cid: string): Promise<boolean> {
    return this.helia.pins.isPinned(CID.parse(cid));
  }

  private async pinRecord(cid: CID): Promise<PinRecord | undefined> {
    try {
      return (await this.helia.pins.get(cid)) as PinRecord;
    } catch {
      return undefined;
    }
  }

  /**
   * The pinner's check: pinned for the chain. An upload's pin of a registered file is taken
   * over for the chain here, under the pin lock, so that an expiry deciding at the same time
   * either sees the chain's pin (and keeps it) or unpins first (and the pinner then fetches).
   */
  private isPinnedForChain(text: string): Promise<boolean> {
    return this.pinLock.run(async () => {
      const cid = CID.parse(text);
      const pin = await this.pinRecord(cid);
      if (!pin) return false;
      if (pin.metadata?.source === 'upload') {
        if (this.registeredSize(text) === undefined) return false;
        await this.helia.pins.setMetadata(cid, { source: 'chain' });
      }
      return true;
    });
  }

  /** Pins `cid` from local blocks only (never waiting on peers), unless a pin is there already. */
  private async pinLocal(cid: CID, source: 'upload' | 'chain', signal: AbortSignal): Promise<'pinned' | 'had'> {
    const pin = await this.pinRecord(cid);
    if (pin) {
      if (source === 'chain' && pin.metadata?.source === 'upload') await this.helia.pins.setMetadata(cid, { source: 'chain' });
      return 'had';
    }
    const deadline = AbortSignal.any([signal, AbortSignal.timeout(PIN_TIMEOUT_MS)]);
    // `offline`: the walk reads local blocks only (Helia passes the option on to its blockstore),
    // so a missing block fails the pin at once instead of waiting on bitswap for ever.
    const options = { signal: deadline, offline: true, metadata: { source } };
    for await (const _ of this.helia.pins.add(cid, options)) void _;
    return 'pinned';
  }

  /** Claims blocks for one upload or fetch; `release` drops its claims. */
  private claim(): { add(cid: CID): void; cids: CID[]; release(): void } {
    const mine = new Map<string, CID>();
    let released = false;
    return {
      add: (cid) => {
        const key = blockKey(cid);
        if (released || mine.has(key)) return;
        mine.set(key, cid);
        this.claimed.set(key, (this.claimed.get(key) ?? 0) + 1);
      },
      get cids() {
        return [...mine.values()];
      },
      release: () => {
        if (released) return;
        released = true;
        for (const key of mine.keys()) {
          const n = (this.claimed.get(key) ?? 1) - 1;
          if (n > 0) this.claimed.set(key, n);
          else this.claimed.delete(key);
        }
      },
    };
  }

  /** Before the first write of this run: a crash from here on leaves blocks for the next start to collect. */
  private async markDirty(): Promise<void> {
    if (this.dirtyMarked) return;
    this.dirtyMarked = true;
    await this.datastore.put(DIRTY_KEY, new Uint8Array(0));
  }

  /** Deletes those of `cids` that no pin holds and nothing under way claims (under the store lock, alone). */
  private async deleteUnpinned(cids: CID[]): Promise<void> {
    if (cids.length === 0) return;
    const release = await this.storeLock.acquireExclusive();
    try {
      for (const cid of cids) {
        if (this.claimed.has(blockKey(cid))) continue;
        if (await this.helia.pins.isPinned(cid)) continue;
        // Checked again after the await: a fetch may have claimed it meanwhile.
        if (this.claimed.has(blockKey(cid))) continue;
        await this.blockstore.delete(cid);
      }
    } finally {
      release();
    }
  }

  /**
   * Imports an upload with the profile and pins it as an upload (uploads.ts). Refused when it
   * grows past `MAX_FILE_BYTES` or past the room left for unregistered uploads. When it fails
   * (cut off, aborted, refused), the blocks it wrote are deleted before it returns.
   */
  async add(source: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<{ cid: string; size: number }> {
    const reservation = this.uploads.reserve();
    const claim = this.claim();
    const writes = new Set<Promise<CID>>();
    let closed = false;
    let kept = false;
    this.running++;
    try {
      await this.markDirty();
      async function* limited(): AsyncGenerator<Uint8Array> {
        for await (const chunk of source) {
          signal.throwIfAborted();
          reservation.grow(chunk.length);
          yield chunk;
        }
      }
      const write = async (cid: CID, block: Uint8Array): Promise<CID> => {
        // The importer may still write after the upload failed: such a write would be garbage nobody tracks.
        if (closed) throw new FileServiceError('UPLOAD_ENDED', 'the upload has ended');
        claim.add(cid);
        const release = await this.storeLock.acquireShared();
        try {
          await this.blockstore.put(cid, block);
          return cid;
        } finally {
          release();
        }
      };
      const sink = {
        put: (cid: CID, block: Uint8Array): Promise<CID> => {
          const p = write(cid, block);
          writes.add(p);
          p.then(
            () => writes.delete(p),
            () => writes.delete(p),
          );
          return p;
        },
      };
      const { cid, size } = await importFile(limited(), sink, { signal });
      const text = cid.toString();
      await this.pinLock.run(async () => {
        const registered = this.registeredSize(text) !== undefined;
        const outcome = await this.pinLocal(cid, registered ? 'chain' : 'upload', signal);
        // Checked and recorded without an await between: onBlock cannot slip in and miss it.
        if (outcome === 'pinned' && this.registeredSize(text) === undefined) await this.uploads.record(text, size);
      });
      kept = true;
      return { cid: text, size };
    } finally {
      closed = true;
      await Promise.allSettled([...writes]);
      reservation.release();
      const written = claim.cids;
      claim.release();
      if (!kept) await this.deleteUnpinned(written).catch((err: unknown) => this.options.logger.warn({ err }, 'deleting the blocks of a failed upload failed'));
      this.running--;
    }
  }

  /**
   * Unpins an expired upload and deletes its blocks, unless the chain registered it meanwhile
   * (decided under the pin lock, against the pinner's check). Registered just after the unpin:
   * its blocks are kept and the pinner pins them again (from the local blocks).
   */
  private async expireUpload(text: string): Promise<void> {
    const cid = CID.parse(text);
    const blocks = await this.pinLock.run(async () => {
      const pin = await this.pinRecord(cid);
      if (!pin || pin.metadata?.source !== 'upload') return undefined;
      if (this.registeredSize(text) !== undefined) {
        await this.helia.pins.setMetadata(cid, { source: 'chain' });
        return undefined;
      }
      const walked: CID[] = [];
      const options = { offline: true, signal: AbortSignal.timeout(PIN_TIMEOUT_MS) };
      for await (const c of this.helia.pins.rm(cid, options)) walked.push(c);
      return walked;
    });
    if (!blocks) return;
    const size = this.registeredSize(text);
    if (size !== undefined) {
      this.pinner.ensure(text, size).catch(() => {});
      return;
    }
    await this.deleteUnpinned(blocks);
  }

  private async fetchAndPin(text: string, size: number, signal: AbortSignal, onRoot?: () => Promise<void>): Promise<void> {
    const cid = CID.parse(text);
    const claim = this.claim();
    let bad = false;
    this.running++;
    try {
      await this.markDirty();
      const source = {
        get: (c: CID, s: AbortSignal): Promise<Uint8Array> => {
          claim.add(c);
          return collect(this.helia.blockstore.get(c, { signal: s }));
        },
      };
      await fetchFileDag(cid, size, source, FILE_PROFILE.chunkBytes, signal, this.fetchLimits, onRoot);
      await this.pinLock.run(() => this.pinLocal(cid, 'chain', signal));
    } catch (err) {
      // A bad DAG is not fetched again: its blocks go. A timed-out fetch keeps what arrived for its retry
      // (a registered file's blocks, which its registrant paid for).
      bad = err instanceof BadDagError;
      throw err;
    } finally {
      const fetched = claim.cids;
      claim.release();
      if (bad) await this.deleteUnpinned(fetched).catch((err: unknown) => this.options.logger.warn({ err }, 'deleting the blocks of a bad DAG failed'));
      this.running--;
    }
  }

  /**
   * Reads `length` bytes from `offset` of a pinned file (local blocks only), one block at a
   * time as the caller pulls: nothing is read ahead of the consumer, and a consumer that
   * stops (or `signal`) stops the reading.
   */
  async *read(cid: string, offset: number, length: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (parseCid(cid) === undefined) throw new FileServiceError('INVALID_CID', `${cid} is not a CID this chain registers`);
    if (length === 0) return;
    yield* this.readNode(CID.parse(cid), offset, length, signal, 0);
  }

  /** Yields bytes [offset, offset + length) of the UnixFS node `cid`; throws rather than serve fewer. */
  private async *readNode(cid: CID, offset: number, length: number, signal: AbortSignal, depth: number): AsyncGenerator<Uint8Array> {
    signal.throwIfAborted();
    if (depth > MAX_READ_DEPTH) throw new FileServiceError('NOT_A_FILE', `${cid} is deeper than ${MAX_READ_DEPTH} levels`);
    const block = await collect(this.blockstore.get(cid, { signal }));
    if (cid.code === CODEC_RAW) {
      if (offset + length > block.length) throw new FileServiceError('NOT_A_FILE', `block ${cid} is shorter than its parent says`);
      yield block.subarray(offset, offset + length);
      return;
    }
    let node: dagPb.PBNode;
    let unixfs: UnixFS;
    try {
      ({ node, unixfs } = decodeUnixfsNode(block));
    } catch (err) {
      throw new FileServiceError('NOT_A_FILE', `${cid} is not a UnixFS file (${(err as Error).message})`);
    }
    if (unixfs.type !== 'file' && unixfs.type !== 'raw') throw new FileServiceError('NOT_A_FILE', `${cid} is not a file`);
    // UnixFS: a node's own data comes first, then its children in link order.
    const end = offset + length;
    let at = offset;
    const data = unixfs.data ?? new Uint8Array(0);
    if (at < data.length) {
      const piece = data.subarray(at, Math.min(data.length, end));
      at += piece.length;
      if (piece.length > 0) yield piece;
    }
    let start = data.length;
    for (let i = 0; i < node.Links.length && at < end; i++) {
      const childSize = Number(unixfs.blockSizes[i] ?? 0n);
      const childEnd = start + childSize;
      if (childEnd > at) {
        const within = at - start;
        const take = Math.min(end, childEnd) - at;
        const link = node.Links[i] as dagPb.PBLink;
        yield* this.readNode(CID.asCID(link.Hash) ?? CID.decode(link.Hash.bytes), within, take, signal, depth + 1);
        at += take;
      }
      start = childEnd;
    }
    if (at < end) throw new FileServiceError('NOT_A_FILE', `${cid} holds fewer bytes than were asked for`);
  }
}

export { MAX_FILE_BYTES };

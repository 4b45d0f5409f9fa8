/**
 * The node's IPFS side (spec/files.md): Helia on the node's own libp2p host, with its blocks
 * and pins in LevelDB under <home>/data/ipfs/. It exchanges blocks with peers over bitswap
 * only: no public bootstrap nodes, no DHT, no delegated HTTP routers, so a node asks its own
 * peers and nobody else. It imports uploads with the chain's profile, pins every registered
 * file (pinner.ts) and reads files back for the gateway.
 */
import '../p2p/polyfill.js'; // first: Helia and libp2p need Promise.withResolvers, missing on Node 20
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withBitswap } from '@helia/bitswap';
import type { Helia } from '@helia/interface';
import type { Libp2p } from '@libp2p/interface';
import { LevelBlockstore } from 'blockstore-level';
import { LevelDatastore } from 'datastore-level';
import { createHeliaLight } from 'helia';
import { Key } from 'interface-datastore';
import { exporter } from 'ipfs-unixfs-exporter';
import { CID } from 'multiformats/cid';
import { CmtError } from '../codec/errors.js';
import { parseCid } from '../app/files/cid.js';
import { MAX_FILE_BYTES } from '../app/files/fees.js';
import { FILE_PROFILE } from '../app/files/profile.js';
import type { Logger } from '../node/logger.js';
import { DEFAULT_FETCH_LIMITS, fetchFileDag, type FetchLimits } from './fetch-dag.js';
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

async function collect(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts);
}

export class FileService {
  readonly pinner: Pinner;
  readonly uploads: Uploads;
  private readonly fetchLimits: FetchLimits;
  /** Fetches and uploads running: garbage collection waits for none to run. */
  private busy = 0;

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
        isPinned: (cid) => this.isPinned(cid),
        fetchAndPin: (cid, size, signal) => this.fetchAndPin(cid, size, signal),
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
      },
      log,
      { ...DEFAULT_PINNER_OPTIONS, ...options.pinner },
    );
    this.uploads = new Uploads(this.datastore, { ...DEFAULT_UPLOAD_LIMITS, ...options.uploads }, {
      registered: (cid) => options.registry.size(cid) !== undefined,
      unpin: (cid) => this.unpin(cid),
      collectGarbage: () => this.collectGarbage(),
      logger: log,
    });
  }

  static async start(options: FileServiceOptions): Promise<FileService> {
    await mkdir(options.dir, { recursive: true });
    const blockstore = new LevelBlockstore(join(options.dir, 'blocks'));
    const datastore = new LevelDatastore(join(options.dir, 'datastore'));
    await blockstore.open();
    await datastore.open();
    const helia = createHeliaLight({ blockstore, datastore, routers: [], blockBrokers: [] });
    // Bitswap reads `libp2p` from Helia: the node's own host, never one Helia would make (with
    // public bootstrap peers). It sends wants to connected peers; there are no routers to ask.
    Object.defineProperty(helia, 'libp2p', { value: options.libp2p, enumerable: true });
    withBitswap(helia as Parameters<typeof withBitswap>[0], { maxInboundStreams: 32, maxOutboundStreams: 32, maxIncomingMessageSize: 4 * 1024 * 1024 + 64 * 1024 });
    await helia.start();
    const service = new FileService(helia, blockstore, datastore, options);
    await service.pinner.start();
    await service.uploads.start();
    return service;
  }

  async stop(): Promise<void> {
    this.pinner.stop();
    this.uploads.stop();
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

  async isPinned(cid: string): Promise<boolean> {
    return this.helia.pins.isPinned(CID.parse(cid));
  }

  /**
   * Imports an upload with the profile and pins it as an upload (uploads.ts). Refused when it
   * grows past `MAX_FILE_BYTES` or past the space left for unregistered uploads.
   */
  async add(source: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<{ cid: string; size: number }> {
    const reservation = this.uploads.reserve();
    this.busy++;
    try {
      async function* limited(): AsyncGenerator<Uint8Array> {
        for await (const chunk of source) {
          reservation.grow(chunk.length);
          yield chunk;
        }
      }
      const sink = { put: (cid: CID, block: Uint8Array) => this.blockstore.put(cid, block) };
      const { cid, size } = await importFile(limited(), sink, { signal });
      const text = cid.toString();
      if (!(await this.isPinned(text))) {
        for await (const _ of this.helia.pins.add(cid, { signal, metadata: { source: 'upload' } })) void _;
        if (this.options.registry.size(text) === undefined) await this.uploads.record(text, size);
      }
      return { cid: text, size };
    } finally {
      reservation.release();
      this.busy--;
    }
  }

  private async fetchAndPin(text: string, size: number, signal: AbortSignal): Promise<void> {
    const cid = CID.parse(text);
    this.busy++;
    try {
      await fetchFileDag(cid, size, { get: (c, s) => collect(this.helia.blockstore.get(c, { signal: s })) }, FILE_PROFILE.chunkBytes, signal, this.fetchLimits);
      if (!(await this.helia.pins.isPinned(cid))) for await (const _ of this.helia.pins.add(cid, { signal, metadata: { source: 'chain' } })) void _;
    } finally {
      this.busy--;
    }
  }

  private async unpin(text: string): Promise<void> {
    const cid = CID.parse(text);
    if (await this.helia.pins.isPinned(cid)) for await (const _ of this.helia.pins.rm(cid)) void _;
  }

  /** Deletes unpinned blocks (failed and expired uploads); skipped while a fetch or upload runs, whose blocks are not pinned yet. */
  private async collectGarbage(): Promise<boolean> {
    if (this.busy > 0) return false;
    await this.helia.gc();
    return true;
  }

  /** Reads `length` bytes from `offset` of a pinned file (local blocks only). */
  async *read(cid: string, offset: number, length: number, signal: AbortSignal): AsyncGenerator<Uint8Array> {
    if (parseCid(cid) === undefined) throw new FileServiceError('INVALID_CID', `${cid} is not a CID this chain registers`);
    if (length === 0) return;
    const entry = await exporter(CID.parse(cid), this.blockstore, { signal });
    if (entry.type !== 'file' && entry.type !== 'raw') throw new FileServiceError('NOT_A_FILE', `${cid} is not a file`);
    yield* entry.content({ offset, length, signal });
  }
}

export { MAX_FILE_BYTES };

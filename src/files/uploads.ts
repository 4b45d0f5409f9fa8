/**
 * Uploaded but not (yet) registered files (spec/files.md, "Uploads"). An upload is pinned
 * here so that `cmt files add` can register it and peers can fetch it; until a registration
 * names it, it counts against caps on unregistered uploads (bytes, and number: a tiny upload
 * costs a block, a pin and a record however few its bytes), and after a time to live it is
 * unpinned and its blocks deleted. A registered upload becomes an ordinary pinned file.
 */
import type { LevelDatastore } from 'datastore-level';
import { Key } from 'interface-datastore';
import { CmtError } from '../codec/errors.js';
import { MAX_FILE_BYTES } from '../app/files/fees.js';
import type { Logger } from '../node/logger.js';
import type { FileRegistry } from './registry.js';

export interface UploadLimits {
  /** Bytes of unregistered uploads kept (and being received) at once. */
  maxUnregisteredBytes: number;
  /** Unregistered uploads kept (and being received) at once. */
  maxUnregisteredUploads: number;
  /** How long an unregistered upload is kept. */
  ttlMs: number;
  /** How often expired uploads are looked for. */
  sweepMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxUnregisteredBytes: 4 * MAX_FILE_BYTES, maxUnregisteredUploads: 512, ttlMs: 60 * 60_000, sweepMs: 60_000 };

export class UploadTooLargeError extends CmtError {
  constructor() {
    super('FILE_TOO_LARGE', `the file is larger than ${MAX_FILE_BYTES} bytes, the most the chain registers`);
  }
}

export class UploadSpaceError extends CmtError {
  constructor(limit: number, what = 'bytes of') {
    super('UPLOAD_SPACE_FULL', `this node keeps at most ${limit} ${what} unregistered uploads and has no room now; register or wait for older uploads to expire, then retry`);
  }
}

export interface Reservation {
  /** Counts `bytes` more of this upload; throws when it passes a limit. */
  grow(bytes: number): void;
  release(): void;
}

interface UploadHooks {
  registry: FileRegistry;
  /** Unpins an expired upload and deletes its blocks, unless it is registered by now (then the chain keeps it). */
  expire(cid: string): Promise<void>;
  logger: Logger;
}

const PREFIX = '/cmt/uploads';
const SCAN_PAGE = 200;

export class Uploads {
  private readonly kept = new Map<string, { size: number; at: number }>();
  private keptBytes = 0;
  private receiving = 0;
  /** Uploads being received now. */
  private receivingCount = 0;
  /** Position in the registration index up to which registrations were matched against `kept`. */
  private registrations = 0;
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    private readonly datastore: LevelDatastore,
    private readonly limits: UploadLimits,
    private readonly hooks: UploadHooks,
  ) {}

  async start(): Promise<void> {
    for await (const { key, value } of this.datastore.query({ prefix: PREFIX })) {
      try {
        const { size, at } = JSON.parse(new TextDecoder().decode(value)) as { size: number; at: number };
        this.kept.set(key.baseNamespace(), { size, at });
        this.keptBytes += size;
      } catch {
        await this.datastore.delete(key);
      }
    }
    // Registered while the node was down: looked up once here; later ones are found by onBlock.
    this.registrations = this.hooks.registry.count();
    for (const [cid, entry] of [...this.kept]) if (this.hooks.registry.size(cid) !== undefined) await this.forget(cid, entry.size);
    this.timer = setInterval(() => void this.sweep(), this.limits.sweepMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Bytes of unregistered uploads kept and being received. */
  get bytes(): number {
    return this.keptBytes + this.receiving;
  }

  /** Unregistered uploads kept and being received. */
  get count(): number {
    return this.kept.size + this.receivingCount;
  }

  reserve(): Reservation {
    if (this.bytes >= this.limits.maxUnregisteredBytes) throw new UploadSpaceError(this.limits.maxUnregisteredBytes);
    if (this.count >= this.limits.maxUnregisteredUploads) throw new UploadSpaceError(this.limits.maxUnregisteredUploads, 'files as');
    this.receivingCount++;
    let mine = 0;
    let released = false;
    return {
      grow: (bytes) => {
        mine += bytes;
        this.receiving += bytes;
        if (mine > MAX_FILE_BYTES) throw new UploadTooLargeError();
        if (this.bytes > this.limits.maxUnregisteredBytes) throw new UploadSpaceError(this.limits.maxUnregisteredBytes);
      },
      release: () => {
        if (released) return;
        released = true;
        this.receiving -= mine;
        this.receivingCount--;
      },
    };
  }

  /** Keeps `cid` as an unregistered upload. Synchronous up to its write, so a caller that checked the registry just before cannot miss a registration. */
  async record(cid: string, size: number): Promise<void> {
    if (this.kept.has(cid)) return;
    const entry = { size, at: Date.now() };
    this.kept.set(cid, entry);
    this.keptBytes += size;
    await this.datastore.put(new Key(`${PREFIX}/${cid}`), new TextEncoder().encode(JSON.stringify(entry)));
  }

  /** After a block: uploads registered now stop counting (their pin stays). Only the new registrations are looked at. */
  onBlock(): void {
    const total = this.hooks.registry.count();
    while (this.registrations < total) {
      const cids = this.hooks.registry.list(this.registrations, SCAN_PAGE);
      if (cids.length === 0) break;
      this.registrations += cids.length;
      for (const cid of cids) {
        const entry = this.kept.get(cid);
        if (entry) void this.forget(cid, entry.size).catch((err: unknown) => this.hooks.logger.warn({ err, cid }, 'forgetting a registered upload failed'));
      }
    }
  }

  private async forget(cid: string, size: number): Promise<void> {
    if (!this.kept.delete(cid)) return;
    this.keptBytes -= size;
    await this.datastore.delete(new Key(`${PREFIX}/${cid}`));
  }

  /** Unpins expired unregistered uploads and deletes their blocks. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [cid, entry] of [...this.kept]) {
        if (now - entry.at < this.limits.ttlMs) continue;
        try {
          // Decides under the files service's pin lock whether the chain registered it meanwhile.
          await this.hooks.expire(cid);
          await this.forget(cid, entry.size);
          this.hooks.logger.info({ cid, size: entry.size }, 'unregistered upload expired');
        } catch (err) {
          this.hooks.logger.warn({ err, cid }, 'expiring an upload failed');
        }
      }
    } finally {
      this.sweeping = false;
    }
  }
}

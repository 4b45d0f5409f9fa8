/**
 * Uploaded but not (yet) registered files (spec/files.md, "Uploads"). An upload is pinned
 * here so that `cmt files add` can register it and peers can fetch it; until a registration
 * names it, it counts against a cap on unregistered bytes, and after a time to live it is
 * unpinned and its blocks collected. A registered upload becomes an ordinary pinned file.
 */
import type { LevelDatastore } from 'datastore-level';
import { Key } from 'interface-datastore';
import { CmtError } from '../codec/errors.js';
import { MAX_FILE_BYTES } from '../app/files/fees.js';
import type { Logger } from '../node/logger.js';

export interface UploadLimits {
  /** Bytes of unregistered uploads kept (and being received) at once. */
  maxUnregisteredBytes: number;
  /** How long an unregistered upload is kept. */
  ttlMs: number;
  /** How often expired uploads are looked for. */
  sweepMs: number;
}

export const DEFAULT_UPLOAD_LIMITS: UploadLimits = { maxUnregisteredBytes: 4 * MAX_FILE_BYTES, ttlMs: 60 * 60_000, sweepMs: 60_000 };

export class UploadTooLargeError extends CmtError {
  constructor() {
    super('FILE_TOO_LARGE', `the file is larger than ${MAX_FILE_BYTES} bytes, the most the chain registers`);
  }
}

export class UploadSpaceError extends CmtError {
  constructor(limit: number) {
    super('UPLOAD_SPACE_FULL', `this node keeps at most ${limit} bytes of unregistered uploads and has no room now; register or wait for older uploads to expire, then retry`);
  }
}

export interface Reservation {
  /** Counts `bytes` more of this upload; throws when it passes a limit. */
  grow(bytes: number): void;
  release(): void;
}

interface UploadHooks {
  registered(cid: string): boolean;
  unpin(cid: string): Promise<void>;
  /** False when it could not run now (try again at the next sweep). */
  collectGarbage(): Promise<boolean>;
  logger: Logger;
}

const PREFIX = '/cmt/uploads';

export class Uploads {
  private readonly kept = new Map<string, { size: number; at: number }>();
  private keptBytes = 0;
  private receiving = 0;
  private garbage = true;
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

  reserve(): Reservation {
    if (this.bytes >= this.limits.maxUnregisteredBytes) throw new UploadSpaceError(this.limits.maxUnregisteredBytes);
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
        // A failed upload leaves unpinned blocks behind; a finished one may have repeated a kept block.
        this.garbage = true;
      },
    };
  }

  async record(cid: string, size: number): Promise<void> {
    if (this.kept.has(cid)) return;
    const entry = { size, at: Date.now() };
    this.kept.set(cid, entry);
    this.keptBytes += size;
    await this.datastore.put(new Key(`${PREFIX}/${cid}`), new TextEncoder().encode(JSON.stringify(entry)));
  }

  /** After a block: uploads registered now stop counting (their pin stays). */
  onBlock(): void {
    for (const [cid, entry] of this.kept) {
      if (this.hooks.registered(cid)) void this.forget(cid, entry.size);
    }
  }

  private async forget(cid: string, size: number): Promise<void> {
    if (!this.kept.delete(cid)) return;
    this.keptBytes -= size;
    await this.datastore.delete(new Key(`${PREFIX}/${cid}`));
  }

  /** Unpins expired unregistered uploads and collects unpinned blocks. */
  async sweep(now = Date.now()): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [cid, entry] of [...this.kept]) {
        if (this.hooks.registered(cid)) await this.forget(cid, entry.size);
        else if (now - entry.at >= this.limits.ttlMs) {
          await this.hooks.unpin(cid);
          await this.forget(cid, entry.size);
          this.garbage = true;
          this.hooks.logger.info({ cid, size: entry.size }, 'unregistered upload expired');
        }
      }
      if (this.garbage && (await this.hooks.collectGarbage())) this.garbage = false;
    } catch (err) {
      this.hooks.logger.warn({ err }, 'sweeping uploads failed');
    } finally {
      this.sweeping = false;
    }
  }
}

/**
 * The files gateway on the RPC port (spec/rpc.md, "Files"; spec/files.md): `GET`/`HEAD
 * /ipfs/<cid>` serves a registered file — fetched from peers first when this node has not
 * pinned it yet — with its length, an ETag and single byte ranges; `POST /ipfs` imports an
 * upload with the chain's profile and answers its CID. Only registered CIDs are served, so
 * the gateway serves what the chain paid for and nothing else. Downloads and uploads each
 * have a few slots (more: 429), and a client that stops reading is cut. A download reads the
 * file one block at a time as the client takes it (never the whole file ahead of a slow
 * reader), and a client that leaves stops the reading, or the upload, at once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CmtError } from '../codec/errors.js';
import { parseCid } from '../app/files/cid.js';
import { MAX_FILE_BYTES } from '../app/files/fees.js';
import type { FileService } from '../files/file-service.js';
import { UploadSpaceError, UploadTooLargeError } from '../files/uploads.js';
import type { Logger } from '../node/logger.js';

export interface GatewayOptions {
  /** The node's files service, started on the first call that needs it; undefined when it cannot run. */
  files: () => FileService | undefined | Promise<FileService | undefined>;
  /** How long a client may leave written bytes unread before its connection is cut. */
  writeTimeoutMs: number;
  /** How long a download waits for a file to arrive from peers (then 504). */
  fetchTimeoutMs?: number;
  maxDownloads?: number;
  maxUploads?: number;
  logger: Logger;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_DOWNLOADS = 32;
export const DEFAULT_MAX_UPLOADS = 4;

function plain(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

/** A parsed `Range` header: one range within `size`, 'unsatisfiable', or undefined to serve the whole file. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  // Several ranges, or a unit other than bytes: served whole, as RFC 9110 allows.
  if (!m) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== '' && Number(b) < start)) return 'unsatisfiable';
  return { start, end };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export class IpfsGateway {
  private downloads = 0;
  private uploads = 0;

  constructor(private readonly options: GatewayOptions) {}

  /** True when the path is the gateway's. */
  static handles(pathname: string): boolean {
    return pathname === '/ipfs' || pathname === '/ipfs/' || pathname.startsWith('/ipfs/');
  }

  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const files = await this.options.files();
    if (!files) {
      plain(res, 503, 'the node has no file store running (it has not started, or failed to: see its log); retry in a moment', { 'retry-after': '1' });
      return;
    }
    if (req.method === 'POST' && (pathname === '/ipfs' || pathname === '/ipfs/')) return this.upload(req, res, files);
    if (req.method === 'GET' || req.method === 'HEAD') {
      const cid = pathname.slice('/ipfs/'.length).replace(/\/+$/, '');
      if (pathname.length <= '/ipfs/'.length || cid === '') {
        plain(res, 400, 'GET /ipfs/<cid> downloads a registered file; POST /ipfs uploads one');
        return;
      }
      return this.download(req, res, files, cid);
    }
    plain(res, 405, 'GET or HEAD /ipfs/<cid>, POST /ipfs', { allow: 'GET, HEAD, POST' });
  }

  private async download(req: IncomingMessage, res: ServerResponse, files: FileService, cid: string): Promise<void> {
    if (cid.length > 128 || parseCid(cid) === undefined) {
      plain(res, 400, `"${cid.slice(0, 80)}" is not a CID this chain registers: a CIDv1 (raw or dag-pb, sha2-256) in base32, "b…"`);
      return;
    }
    const size = files.registeredSize(cid);
    if (size === undefined) {
      plain(res, 404, `${cid} is not registered on this chain (register it with "cmt files add")`);
      return;
    }
    const max = this.options.maxDownloads ?? DEFAULT_MAX_DOWNLOADS;
    if (this.downloads >= max) {
      plain(res, 429, `this node serves at most ${max} downloads at once; retry shortly`, { 'retry-after': '1' });
      return;
    }
    this.downloads++;
    // The client left (or the answer finished): the read stops, whatever it was waiting for.
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    res.on('close', onClose);
    try {
      if (!(await files.isPinned(cid))) {
        const arrived = await withTimeout(files.pinner.ensure(cid, size).then(() => 'ok' as const, (err: unknown) => err as Error), this.options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);
        if (arrived !== 'ok') {
          const why = arrived === 'timeout' ? 'timed out' : `failed (${arrived.message})`;
          plain(res, 504, `${cid} is registered but not stored here, and fetching it from peers ${why}; it is retried in the background, try again later`);
          return;
        }
      }
      const range = parseRange(typeof req.headers.range === 'string' ? req.headers.range : undefined, size);
      const headers: Record<string, string> = {
        'content-type': 'application/octet-stream',
        'accept-ranges': 'bytes',
        etag: `"${cid}"`,
        'cache-control': 'public, max-age=29030400, immutable',
        'x-ipfs-path': `/ipfs/${cid}`,
      };
      if (range === 'unsatisfiable') {
        plain(res, 416, `the range "${String(req.headers.range).slice(0, 80)}" is outside the file's ${size} bytes`, { 'content-range': `bytes */${size}`, 'accept-ranges': 'bytes' });
        return;
      }
      const start = range?.start ?? 0;
      const length = range ? range.end - range.start + 1 : size;
      if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${size}`;
      res.writeHead(range ? 206 : 200, { ...headers, 'content-length': String(length) });
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      await this.stream(res, files.read(cid, start, length, AbortSignal.any([gone.signal, AbortSignal.timeout(24 * 3600_000)])));
    } catch (err) {
      if (gone.signal.aborted) return;
      this.options.logger.warn({ err, cid }, 'serving a file failed');
      plain(res, 500, `serving ${cid} failed: ${(err as Error).message}`);
    } finally {
      res.off('close', onClose);
      this.downloads--;
    }
  }

  /** Writes with backpressure; a client that takes nothing for writeTimeoutMs is cut. */
  private async stream(res: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const socket = res.req.socket;
    for await (const chunk of chunks) {
      if (socket.destroyed) return;
      if (!res.write(chunk)) {
        const drained = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => finish(false), this.options.writeTimeoutMs);
          const finish = (ok: boolean): void => {
            clearTimeout(timer);
            res.off('drain', onDrain);
            res.off('close', onClose);
            resolve(ok);
          };
          const onDrain = (): void => finish(true);
          const onClose = (): void => finish(false);
          res.on('drain', onDrain);
          res.on('close', onClose);
        });
        if (!drained) {
          socket.destroy();
          return;
        }
      }
    }
    res.end();
  }

  private async upload(req: IncomingMessage, res: ServerResponse, files: FileService): Promise<void> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > MAX_FILE_BYTES) {
      res.shouldKeepAlive = false;
      plain(res, 413, `the file is ${declared} bytes; the chain registers files of at most ${MAX_FILE_BYTES} bytes`, { connection: 'close' });
      req.resume();
      return;
    }
    const max = this.options.maxUploads ?? DEFAULT_MAX_UPLOADS;
    if (this.uploads >= max) {
      res.shouldKeepAlive = false;
      plain(res, 429, `this node takes at most ${max} uploads at once; retry shortly`, { 'retry-after': '1', connection: 'close' });
      req.resume();
      return;
    }
    this.uploads++;
    const aborted = new AbortController();
    // Any close before the answer is sent aborts the upload, also once its body fully arrived
    // (the import or the pin may still be running: nobody is left to answer).
    const onClose = (): void => {
      if (!res.writableFinished) aborted.abort();
    };
    const onReqClose = (): void => {
      if (!req.complete) aborted.abort();
    };
    req.on('close', onReqClose);
    res.on('close', onClose);
    try {
      const added = await files.add(req, aborted.signal);
      const body = JSON.stringify(added);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    } catch (err) {
      // The rest of the body is not read: the connection closes after the answer.
      res.shouldKeepAlive = false;
      if (err instanceof UploadTooLargeError) plain(res, 413, err.message, { connection: 'close' });
      else if (err instanceof UploadSpaceError) plain(res, 429, err.message, { 'retry-after': '60', connection: 'close' });
      else if (aborted.signal.aborted) res.destroy();
      else if (err instanceof CmtError) plain(res, 400, err.message, { connection: 'close' });
      else {
        this.options.logger.warn({ err }, 'an upload failed');
        plain(res, 500, `the upload failed: ${(err as Error).message}`, { connection: 'close' });
      }
      req.resume();
    } finally {
      req.off('close', onReqClose);
      res.off('close', onClose);
      this.uploads--;
    }
  }
}

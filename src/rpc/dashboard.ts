/**
 * The web dashboard at /ui on the RPC port (spec/dashboard.md): the page's files, built by
 * `npm run build` into dist/ui and held in memory from start (a request names a file of that
 * fixed list, never a path on disk), the network the page should watch, and the simulator
 * traces of one configured directory.
 */
import { constants } from 'node:fs';
import { lstat, open, readdir, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { gzip } from 'node:zlib';
import { promisify } from 'node:util';
import type { DashboardConfig } from '../node/config.js';

/** The page's own files: a build writes a handful; more, or larger, is not a dashboard build. */
const MAX_FILES = 200;
const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** A trace larger than this is refused (a long run's trace is a few MiB). */
export const MAX_TRACE_BYTES = 64 * 1024 * 1024;
/** Names listed under /ui/traces/. */
const MAX_TRACES_LISTED = 1000;
/** Trace files sent at once, node-wide: each holds a file open until its client has read it. */
export const MAX_TRACE_DOWNLOADS = 4;
/** The listing is read from disk at most once in this long, however many ask. */
const LISTING_TTL_MS = 1000;
/** A trace's name: a plain file name, so it can never leave the traces directory. */
const TRACE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}\.json$/;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

// The page calls other nodes' RPC (the network view), so connect-src is open; nothing else is.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; connect-src *; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface PageFile {
  body: Buffer;
  /** Text, worth gzipping (the bundle is about a third of its size so). */
  compressible: boolean;
  /**
   * The body gzipped, once, on the first request that takes gzip (off the main thread): at
   * start it cost every node half a second of CPU, most of which never served the page.
   * Undefined inside when gzip is no smaller.
   */
  gzipped?: Promise<Buffer | undefined>;
  type: string;
  etag: string;
}

const gzipAsync = promisify(gzip);

function gzippedOf(file: PageFile): Promise<Buffer | undefined> {
  file.gzipped ??= gzipAsync(file.body, { level: 9 }).then(
    (g) => (g.length < file.body.length ? g : undefined),
    () => {
      // Served as it is this time; the next request tries again.
      file.gzipped = undefined;
      return undefined;
    },
  );
  return file.gzipped;
}

export interface DashboardOptions extends DashboardConfig {
  /** This node's name, shown as the page's title. */
  moniker: string;
  /** An answer its client has not taken by then closes the connection (rpc.write_timeout_ms). */
  writeTimeoutMs?: number;
}

export interface Dashboard {
  /** True when the build was found: /ui serves the page. */
  readonly built: boolean;
  /** Answers a GET under /ui. */
  serve(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
}

/**
 * Where `npm run build` puts the page, seen from this module in src/rpc (tests) or in
 * dist/src/rpc. From src/rpc, '../../ui/' is the page's source, which has an index.html too:
 * it is tried last, and readPageFiles takes only a folder holding the bundle.
 */
function buildDirs(): string[] {
  return [fileURLToPath(new URL('../../dist/ui/', import.meta.url)), fileURLToPath(new URL('../../ui/', import.meta.url))];
}

async function readPageFiles(dir: string): Promise<Map<string, PageFile> | undefined> {
  const files = new Map<string, PageFile>();
  let names: string[];
  try {
    names = (await readdir(dir, { recursive: true })).map(String);
  } catch {
    return undefined;
  }
  if (!names.includes('index.html') || !names.includes('app.js')) return undefined;
  for (const name of names.slice(0, MAX_FILES)) {
    const type = CONTENT_TYPES[extname(name)];
    if (!type) continue;
    const path = join(dir, name);
    const info = await stat(path);
    if (!info.isFile() || info.size > MAX_FILE_BYTES) continue;
    const body = await readFile(path);
    const compressible = /^(text\/|application\/json|image\/svg)/.test(type);
    files.set(name.split('\\').join('/'), { body, compressible, type, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` });
  }
  return files;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  sendBody(res, status, JSON.stringify(value));
}

function sendBody(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}

function sendPlain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text), ...SECURITY_HEADERS });
  res.end(text);
}

interface TraceEntry {
  name: string;
  bytes: number;
  modified: string;
}

/** The directory's trace files (regular files only: a link could point anywhere), sorted, at most MAX_TRACES_LISTED. */
async function listTraces(dir: string): Promise<TraceEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const traces: TraceEntry[] = [];
  for (const name of names.filter((n) => TRACE_NAME.test(n)).sort().slice(0, MAX_TRACES_LISTED)) {
    const info = await lstat(join(dir, name)).catch(() => undefined);
    if (info?.isFile()) traces.push({ name, bytes: info.size, modified: Number.isFinite(info.mtimeMs) && Math.abs(info.mtimeMs) < 8.64e15 ? info.mtime.toISOString() : '' });
  }
  return traces;
}

/** One listing shared by every request within LISTING_TTL_MS, and one read of the directory at a time. */
function cachedListing(dir: string): () => Promise<string> {
  let current: { at: number; body: Promise<string> } | undefined;
  return () => {
    const now = Date.now();
    if (!current || now - current.at > LISTING_TTL_MS) current = { at: now, body: listTraces(dir).then((traces) => JSON.stringify({ traces })) };
    return current.body;
  };
}

/** An answer not taken by its client within `ms` closes the connection (and so frees what it holds). */
function closeIfUnread(res: ServerResponse, ms: number): void {
  const connection = res.req.socket;
  const timer = setTimeout(() => connection.destroy(), ms);
  const done = (): void => clearTimeout(timer);
  res.once('finish', done);
  res.once('close', done);
  connection.once('close', done);
}

async function sendTrace(res: ServerResponse, dir: string, name: string, downloads: { active: number }): Promise<void> {
  if (!TRACE_NAME.test(name)) return sendPlain(res, 400, 'a trace name is a plain file name ending in .json (letters, digits, dot, dash, underscore)');
  if (downloads.active >= MAX_TRACE_DOWNLOADS) return sendPlain(res, 429, `the node is sending ${MAX_TRACE_DOWNLOADS} traces already; try again when one is done`);
  // O_NOFOLLOW: a link in the directory is not followed (it could name any file of the host).
  const file = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW).catch(() => undefined);
  if (!file) return sendPlain(res, 404, `no trace "${name}" in the node's traces directory`);
  let sending = false;
  try {
    const info = await file.stat();
    if (!info.isFile()) return sendPlain(res, 404, `no trace "${name}" in the node's traces directory`);
    if (info.size > MAX_TRACE_BYTES) return sendPlain(res, 413, `the trace is ${info.size} bytes; the dashboard serves at most ${MAX_TRACE_BYTES}`);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': info.size, 'cache-control': 'no-store', ...SECURITY_HEADERS });
    if (info.size === 0) return void res.end();
    sending = true;
    downloads.active += 1;
    const stream = file.createReadStream({ start: 0, end: info.size - 1, autoClose: true });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      downloads.active -= 1;
      stream.destroy();
    };
    stream.on('error', () => {
      finish();
      res.destroy();
    });
    // The connection, not only the response: a pipelined response has no socket yet, and
    // neither it nor its 'close' would come if the client left first.
    const connection = res.req.socket;
    res.once('close', finish);
    res.once('finish', finish);
    connection.once('close', finish);
    if (connection.destroyed) return finish();
    stream.pipe(res);
  } finally {
    if (!sending) await file.close().catch(() => undefined);
  }
}

/** Whether an Accept-Encoding header takes gzip (and does not refuse it with q=0). */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const text = (Array.isArray(header) ? header.join(',') : (header ?? '')).slice(0, 1000).toLowerCase();
  return text.split(',').some((part) => {
    const [coding, ...params] = part.trim().split(';');
    if (coding?.trim() !== 'gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

export async function loadDashboard(options: DashboardOptions): Promise<Dashboard> {
  let files: Map<string, PageFile> | undefined;
  if (options.enabled) {
    for (const dir of buildDirs()) {
      files = await readPageFiles(dir);
      if (files) break;
    }
  }
  const config = { moniker: options.moniker, nodes: options.nodes, traces: options.tracesDir !== '' };
  const listing = options.tracesDir === '' ? async () => JSON.stringify({ traces: [] }) : cachedListing(options.tracesDir);
  const downloads = { active: 0 };
  const writeTimeoutMs = options.writeTimeoutMs ?? 60_000;
  return {
    built: files !== undefined,
    async serve(req, res, path) {
      closeIfUnread(res, writeTimeoutMs);
      if (!options.enabled) return sendPlain(res, 404, 'the dashboard is off on this node (dashboard.enabled in config.json)');
      if (path === '/ui') {
        const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
        res.writeHead(301, { location: `/ui/${query}`, 'content-length': 0 });
        res.end();
        return;
      }
      const name = path.slice('/ui/'.length);
      if (name === 'config.json') return sendJson(res, 200, config);
      if (name === 'traces/' || name === 'traces') return sendBody(res, 200, await listing());
      if (name.startsWith('traces/')) {
        if (options.tracesDir === '') return sendPlain(res, 404, 'this node has no traces directory (dashboard.traces_dir in config.json); open the trace file from your disk instead');
        let trace: string;
        try {
          trace = decodeURIComponent(name.slice('traces/'.length));
        } catch {
          return sendPlain(res, 400, 'the trace name is not valid percent-encoding');
        }
        return sendTrace(res, options.tracesDir, trace, downloads);
      }
      if (!files) return sendPlain(res, 404, 'the dashboard is not built: run "npm run build" in the cmt folder, then restart the node');
      const file = files.get(name === '' ? 'index.html' : name);
      if (!file) return sendPlain(res, 404, `no file "${name}" in the dashboard`);
      const gzipped = file.compressible && acceptsGzip(req.headers['accept-encoding']) ? await gzippedOf(file) : undefined;
      const gzip = gzipped !== undefined;
      const body = gzipped ?? file.body;
      // Each encoding is its own representation, with its own validator.
      const etag = gzip ? `${file.etag.slice(0, -1)}-gz"` : file.etag;
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, { etag, vary: 'Accept-Encoding' });
        res.end();
        return;
      }
      res.writeHead(200, {
        'content-type': file.type,
        'content-length': body.length,
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
        vary: 'Accept-Encoding',
        etag,
        'cache-control': 'no-cache',
        ...SECURITY_HEADERS,
      });
      res.end(body);
    },
  };
}

/**
 * The /ipfs gateway over a real files service (Helia on a loopback libp2p host, LevelDB in a
 * temp dir) with a registry the test controls: uploads, whole and ranged downloads, HEAD, and
 * every refusal (bad CID 400, unregistered 404, unsatisfiable range 416, oversize 413, no room
 * 429, wrong method 405) answering 4xx with a message.
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/app/files/fees.js';
import { FileService } from '../../src/files/file-service.js';
import type { FileRegistry } from '../../src/files/registry.js';
import { silentLogger } from '../../src/node/logger.js';
import { P2PHost } from '../../src/p2p/host.js';
import { loadOrCreateNodeKey } from '../../src/p2p/node-key.js';
import { IpfsGateway, parseRange } from '../../src/rpc/ipfs-gateway.js';
import { tempDir } from '../support/temp-dir.js';
import { patternBytes, PINNED_CIDS } from './vectors.js';

const registered = new Map<string, number>();
const registry: FileRegistry = {
  size: (cid) => registered.get(cid),
  count: () => registered.size,
  list: (from, limit) => [...registered.keys()].slice(from, from + limit),
};

let dir: { path: string; cleanup: () => Promise<void> };
let host: P2PHost;
let files: FileService;
let server: Server;
let base: string;

beforeAll(async () => {
  dir = await tempDir('gateway');
  const logger = silentLogger();
  host = await P2PHost.start({ nodeKey: await loadOrCreateNodeKey(join(dir.path, 'node_key.json')), logger });
  files = await FileService.start({ dir: join(dir.path, 'ipfs'), libp2p: host.libp2pForFiles(), registry, logger, uploads: { maxUnregisteredBytes: 4 * 1024 * 1024 } });
  const gateway = new IpfsGateway({ files: () => files, writeTimeoutMs: 5_000, fetchTimeoutMs: 500, logger });
  server = createServer((req, res) => void gateway.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  await files?.stop();
  await host?.stop();
  await dir?.cleanup();
});

const upload = (body: Uint8Array, headers: Record<string, string> = {}) => fetch(`${base}/ipfs`, { method: 'POST', body, headers });

describe('parseRange', () => {
  it('takes one byte range and refuses what lies outside', () => {
    expect(parseRange(undefined, 10)).toBeUndefined();
    expect(parseRange('bytes=0-4', 10)).toEqual({ start: 0, end: 4 });
    expect(parseRange('bytes=5-', 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange('bytes=8-100', 10)).toEqual({ start: 8, end: 9 });
    expect(parseRange('bytes=10-', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=5-2', 10)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,3-4', 10)).toBeUndefined();
    expect(parseRange('items=0-1', 10)).toBeUndefined();
  });
});

describe('the /ipfs gateway', () => {
  it('uploads with the profile and serves a registered file whole, by range and by HEAD', async () => {
    const bytes = patternBytes(2.5 * 1024 * 1024);
    const res = await upload(bytes);
    expect(res.status).toBe(200);
    const { cid, size } = (await res.json()) as { cid: string; size: number };
    expect(cid).toBe(PINNED_CIDS.pattern2_5MiB);
    expect(size).toBe(bytes.length);
    expect(files.uploads.bytes).toBe(bytes.length);

    expect((await fetch(`${base}/ipfs/${cid}`)).status).toBe(404);
    registered.set(cid, size);
    files.onBlock();
    expect(files.uploads.bytes).toBe(0);

    const whole = await fetch(`${base}/ipfs/${cid}`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(size));
    expect(Buffer.from(await whole.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);

    const head = await fetch(`${base}/ipfs/${cid}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(size));
    expect(head.headers.get('etag')).toBe(`"${cid}"`);

    const tail = await fetch(`${base}/ipfs/${cid}`, { headers: { range: 'bytes=-5' } });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${size - 5}-${size - 1}/${size}`);
    expect(Buffer.from(await tail.arrayBuffer()).equals(Buffer.from(bytes.subarray(size - 5)))).toBe(true);

    const across = await fetch(`${base}/ipfs/${cid}`, { headers: { range: `bytes=${1024 * 1024 - 3}-${2 * 1024 * 1024 + 2}` } });
    expect(across.status).toBe(206);
    expect(Buffer.from(await across.arrayBuffer()).equals(Buffer.from(bytes.subarray(1024 * 1024 - 3, 2 * 1024 * 1024 + 3)))).toBe(true);

    const outside = await fetch(`${base}/ipfs/${cid}`, { headers: { range: `bytes=${size}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${size}`);
  });

  it('serves the empty file and a one-chunk raw file', async () => {
    for (const [bytes, expected] of [[new Uint8Array(0), PINNED_CIDS.empty], [new TextEncoder().encode('hello world\n'), PINNED_CIDS.helloWorld]] as const) {
      const { cid } = (await (await upload(bytes)).json()) as { cid: string };
      expect(cid).toBe(expected);
      registered.set(cid, bytes.length);
      files.onBlock();
      const res = await fetch(`${base}/ipfs/${cid}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(bytes.length));
      expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(bytes));
    }
  });

  it('answers bad requests with 4xx and a message', async () => {
    const bad = await fetch(`${base}/ipfs/QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('not a CID this chain registers');
    expect((await fetch(`${base}/ipfs/${'b'.repeat(5000)}`)).status).toBe(400);
    expect((await fetch(`${base}/ipfs/`)).status).toBe(400);
    expect((await fetch(`${base}/ipfs/${PINNED_CIDS.sevens1MiB}`, { method: 'DELETE' })).status).toBe(405);
    const unregistered = await fetch(`${base}/ipfs/${PINNED_CIDS.sevens1MiB}`);
    expect(unregistered.status).toBe(404);
    expect(await unregistered.text()).toContain('not registered');

    // A declared length over the limit is refused before the body is read.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${base}/ipfs`, { method: 'POST', headers: { 'content-length': String(MAX_FILE_BYTES + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(new Uint8Array(16));
    });
    expect(status).toBe(413);
  });

  it('refuses uploads past the room for unregistered bytes (429), and keeps nothing of them', async () => {
    const first = await upload(patternBytes(3 * 1024 * 1024 + 1));
    expect(first.status).toBe(200);
    const second = await upload(patternBytes(2 * 1024 * 1024).map((b) => b ^ 1));
    expect(second.status).toBe(429);
    expect(await second.text()).toContain('unregistered uploads');
    expect(files.uploads.bytes).toBe(3 * 1024 * 1024 + 1);
  });

  it('expired unregistered uploads are unpinned and collected', async () => {
    const { cid } = (await (await fetch(`${base}/ipfs`, { method: 'POST', body: new TextEncoder().encode('short lived') })).json()) as { cid: string };
    expect(await files.isPinned(cid)).toBe(true);
    await files.uploads.sweep(Date.now() + 2 * 60 * 60_000);
    expect(await files.isPinned(cid)).toBe(false);
    expect(files.uploads.bytes).toBe(0);
  });

  it('the same bytes uploaded twice at once: both answered 200, pinned once', async () => {
    const bytes = new TextEncoder().encode('uploaded by two clients at once');
    const answers = await Promise.all([upload(bytes), upload(bytes)]);
    const bodies = await Promise.all(answers.map(async (a) => ({ status: a.status, body: (await a.json()) as { cid: string } })));
    expect(bodies.map((b) => b.status)).toEqual([200, 200]);
    expect(bodies[0]?.body.cid).toBe(bodies[1]?.body.cid);
    expect(await files.isPinned(bodies[0]?.body.cid as string)).toBe(true);
    await files.uploads.sweep(Date.now() + 2 * 60 * 60_000);
    expect(await files.isPinned(bodies[0]?.body.cid as string)).toBe(false);
  });

  it('a registered file nobody has times out with 504', async () => {
    const missing = 'bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq';
    registered.set(missing, 10);
    const res = await fetch(`${base}/ipfs/${missing}`);
    expect(res.status).toBe(504);
    expect(await res.text()).toContain('fetching it from peers');
  });
});

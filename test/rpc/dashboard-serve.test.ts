/**
 * /ui on the RPC port (src/rpc/dashboard.ts, spec/dashboard.md): the built page with its
 * headers and cache validators, the roster, traces by plain name from one directory and
 * nothing outside it, CORS for the configured origins, and no request under /ui that makes
 * the server fail (4xx, never 5xx).
 */
import fc from 'fast-check';
import { mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NodeApi } from '../../src/node/api.js';
import { DEFAULT_CONFIG } from '../../src/node/config.js';
import { silentLogger } from '../../src/node/logger.js';
import { MAX_TRACE_BYTES, MAX_TRACE_DOWNLOADS, type DashboardOptions } from '../../src/rpc/dashboard.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import { tempDir } from '../support/temp-dir.js';
import { rawRequest } from '../ui/support/http-get.js';

// Nothing under /ui reaches the node: a node API that is never called is enough.
const NO_NODE = {} as unknown as NodeApi;
const SECRET = 'SECRET-BYTES-OUTSIDE-THE-TRACES-DIR';
const TRACE = JSON.stringify({ kind: 'cmt-sim-trace', events: [1, 2, 3] });
const ROSTER = [
  { name: 'node0', rpc: 'http://127.0.0.1:26657' },
  { name: 'node1', rpc: 'http://127.0.0.1:26667' },
];
const ALLOWED = 'http://127.0.0.1:26667';

async function serve(dashboard: Partial<DashboardOptions>, cors: string[] = []): Promise<RpcServer> {
  const options: DashboardOptions = { enabled: true, nodes: ROSTER, tracesDir: '', moniker: 'node0', ...dashboard };
  return startRpcServer(NO_NODE, { ...DEFAULT_CONFIG.rpc, port: 0, corsAllowedOrigins: cors }, silentLogger(), options);
}

describe('the dashboard at /ui', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let traces: string;
  let server: RpcServer;

  beforeAll(async () => {
    dir = await tempDir('ui-serve');
    traces = join(dir.path, 'traces');
    await mkdir(join(traces, 'nested.json'), { recursive: true });
    await writeFile(join(dir.path, 'secret.json'), SECRET);
    await writeFile(join(traces, 'run-1.json'), TRACE);
    await writeFile(join(traces, 'notes.txt'), SECRET);
    await writeFile(join(traces, '.hidden.json'), SECRET);
    await writeFile(join(traces, 'has space.json'), SECRET);
    // Sparse: its size is past the limit without writing 64 MiB.
    await writeFile(join(traces, 'huge.json'), '');
    await truncate(join(traces, 'huge.json'), MAX_TRACE_BYTES + 1);
    // A link in the traces directory to a file outside it, and an empty trace (a writer that crashed).
    await symlink(join(dir.path, 'secret.json'), join(traces, 'link.json'));
    await writeFile(join(traces, 'empty.json'), '');
    // Large enough that a client that does not read holds its download open (socket buffers fill).
    await writeFile(join(traces, 'big.json'), Buffer.alloc(32 * 1024 * 1024, 0x20));
    server = await serve({ tracesDir: traces }, [ALLOWED]);
  });

  afterAll(async () => {
    await server?.close();
    await dir?.cleanup();
  });

  it('redirects /ui to /ui/, keeping the query', async () => {
    const bare = await rawRequest(server.url, '/ui');
    expect(bare.status).toBe(301);
    expect(bare.headers.location).toBe('/ui/');
    const withQuery = await rawRequest(server.url, '/ui?trace=run-1.json');
    expect(withQuery.status).toBe(301);
    expect(withQuery.headers.location).toBe('/ui/?trace=run-1.json');
  });

  it('serves the built page with its content types and security headers', async () => {
    const index = await rawRequest(server.url, '/ui/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body.toString()).toContain('<script type="module" src="app.js">');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await rawRequest(server.url, '/ui/app.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body.length).toBeGreaterThan(1000);
    const css = await rawRequest(server.url, '/ui/app.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
  });

  it('sends the bundle gzipped to a client that takes gzip, the same bytes once unzipped, each encoding with its own ETag', async () => {
    const plain = await rawRequest(server.url, '/ui/app.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    for (const accept of ['gzip', 'gzip, deflate, br', 'br;q=1.0, gzip;q=0.8']) {
      const zipped = await rawRequest(server.url, '/ui/app.js', { headers: { 'accept-encoding': accept } });
      expect(zipped.headers['content-encoding'], accept).toBe('gzip');
      expect(zipped.headers.vary, accept).toBe('Accept-Encoding');
      expect(zipped.body.length, accept).toBeLessThan(plain.body.length / 2);
      expect(gunzipSync(zipped.body).equals(plain.body), accept).toBe(true);
      expect(zipped.headers.etag, accept).not.toBe(plain.headers.etag);
      const cached = await rawRequest(server.url, '/ui/app.js', { headers: { 'accept-encoding': accept, 'if-none-match': zipped.headers.etag as string } });
      expect(cached.status, accept).toBe(304);
    }
    for (const refused of ['gzip;q=0', 'identity', 'br', 'x'.repeat(5000)]) {
      expect((await rawRequest(server.url, '/ui/app.js', { headers: { 'accept-encoding': refused } })).headers['content-encoding'], refused).toBeUndefined();
    }
  });

  it('answers 304 to a matching If-None-Match and the full file to a stale one', async () => {
    const first = await rawRequest(server.url, '/ui/app.js');
    const etag = first.headers.etag;
    expect(typeof etag).toBe('string');
    const again = await rawRequest(server.url, '/ui/app.js', { headers: { 'if-none-match': etag as string } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const stale = await rawRequest(server.url, '/ui/app.js', { headers: { 'if-none-match': '"not-this-one"' } });
    expect(stale.status).toBe(200);
    expect(stale.body.equals(first.body)).toBe(true);
  });

  it('answers 404 for a file the build does not have, and never serves the page source', async () => {
    for (const target of ['/ui/nope.js', '/ui/src/app.tsx', '/ui/tsconfig.json', '/ui/APP.JS']) {
      expect((await rawRequest(server.url, target)).status, target).toBe(404);
    }
  });

  it('shows the roster and whether traces can be opened by name', async () => {
    const answer = await rawRequest(server.url, '/ui/config.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(JSON.parse(answer.body.toString())).toEqual({ moniker: 'node0', nodes: ROSTER, traces: true });
  });

  it('lists only the plain *.json files of the traces directory', async () => {
    const answer = await rawRequest(server.url, '/ui/traces/');
    expect(answer.status).toBe(200);
    const list = JSON.parse(answer.body.toString()) as { traces: { name: string; bytes: number }[] };
    expect(list.traces.map((t) => t.name)).toEqual(['big.json', 'empty.json', 'huge.json', 'run-1.json']);
    expect(list.traces.find((t) => t.name === 'run-1.json')?.bytes).toBe(TRACE.length);
  });

  it('serves a trace by name, byte for byte', async () => {
    const answer = await rawRequest(server.url, '/ui/traces/run-1.json');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.body.toString()).toBe(TRACE);
    expect((await rawRequest(server.url, '/ui/traces/run-%31.json')).body.toString()).toBe(TRACE);
  });

  it('refuses names that could leave the traces directory, and never answers with bytes from outside it', async () => {
    const targets = [
      '/ui/traces/..%2Fsecret.json',
      '/ui/traces/%2e%2e%2fsecret.json',
      '/ui/traces/%2E%2E%5Csecret.json',
      '/ui/traces/..%5Csecret.json',
      `/ui/traces/${encodeURIComponent(join(dir.path, 'secret.json'))}`,
      '/ui/traces/%2Fetc%2Fpasswd',
      '/ui/traces/run-1.json%00',
      '/ui/traces/run-1.json%00.json',
      `/ui/traces/${'a'.repeat(300)}.json`,
      '/ui/traces/notes.txt',
      '/ui/traces/.hidden.json',
      '/ui/traces/has%20space.json',
      '/ui/traces/nested.json/..%2F..%2Fsecret.json',
    ];
    for (const target of targets) {
      const answer = await rawRequest(server.url, target);
      expect(answer.status, target).toBe(400);
      expect(answer.body.toString(), target).not.toContain(SECRET);
    }
    // Dots the URL parser resolves never reach the traces handler: they leave /ui/traces/.
    for (const target of ['/ui/traces/../../secret.json', '/ui/traces/%2e%2e/%2e%2e/secret.json', '/ui/traces/..\\..\\secret.json']) {
      const answer = await rawRequest(server.url, target);
      expect(answer.status, target).toBeGreaterThanOrEqual(400);
      expect(answer.status, target).toBeLessThan(500);
      expect(answer.body.toString(), target).not.toContain(SECRET);
    }
  });

  it('answers 404 for a directory or a missing trace, 400 for bad percent-encoding', async () => {
    expect((await rawRequest(server.url, '/ui/traces/nested.json')).status).toBe(404);
    expect((await rawRequest(server.url, '/ui/traces/missing.json')).status).toBe(404);
    expect((await rawRequest(server.url, '/ui/traces/%E0%A4%A.json')).status).toBe(400);
    expect((await rawRequest(server.url, '/ui/traces/%ZZ.json')).status).toBe(400);
  });

  it('never follows a link out of the traces directory, and sends an empty trace as empty', async () => {
    const link = await rawRequest(server.url, '/ui/traces/link.json');
    expect(link.status).toBe(404);
    expect(link.body.toString()).not.toContain(SECRET);
    const empty = await rawRequest(server.url, '/ui/traces/empty.json');
    expect(empty.status).toBe(200);
    expect(empty.body.length).toBe(0);
  });

  it(`sends at most ${MAX_TRACE_DOWNLOADS} traces at once to clients that do not read, refusing the next with 429, and frees a slot when one leaves`, async () => {
    const port = Number(new URL(server.url).port);
    const stalled: Socket[] = [];
    const firstBytes = (socket: Socket): Promise<string> => new Promise((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString('latin1', 0, 12))));
    try {
      for (let i = 0; i < MAX_TRACE_DOWNLOADS; i++) {
        const socket = connect(port, '127.0.0.1');
        stalled.push(socket);
        const head = firstBytes(socket);
        socket.write('GET /ui/traces/big.json HTTP/1.1\r\nHost: x\r\n\r\n');
        expect(await head).toBe('HTTP/1.1 200');
        // Read no further: the download stays open, holding its slot.
        socket.pause();
      }
      const refused = await rawRequest(server.url, '/ui/traces/run-1.json');
      expect(refused.status).toBe(429);
      stalled.pop()?.destroy();
      // The slot comes back once the server sees the connection gone.
      let again = await rawRequest(server.url, '/ui/traces/run-1.json');
      for (let i = 0; again.status === 429 && i < 50; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        again = await rawRequest(server.url, '/ui/traces/run-1.json');
      }
      expect(again.status).toBe(200);
      expect(again.body.toString()).toBe(TRACE);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
  });

  it('frees every slot of a connection that pipelined downloads and left without reading them', async () => {
    const port = Number(new URL(server.url).port);
    for (let round = 0; round < 3; round++) {
      const socket = connect(port, '127.0.0.1');
      const first = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write('GET /ui/traces/big.json HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(2 * MAX_TRACE_DOWNLOADS));
      await first;
      socket.pause();
      const gone = new Promise((resolve) => socket.once('close', resolve));
      socket.destroy();
      await gone;
    }
    let answer = await rawRequest(server.url, '/ui/traces/run-1.json');
    for (let i = 0; answer.status === 429 && i < 50; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      answer = await rawRequest(server.url, '/ui/traces/run-1.json');
    }
    expect(answer.status).toBe(200);
  });

  it('refuses a trace past MAX_TRACE_BYTES with 413, unread', async () => {
    const answer = await rawRequest(server.url, '/ui/traces/huge.json');
    expect(answer.status).toBe(413);
    expect(answer.body.length).toBeLessThan(1000);
  });

  it('never fails on any target under /ui/ (fast-check)', async () => {
    // Every character node's HTTP client lets through in a request target.
    const char = fc.oneof(fc.constantFrom('/', '.', '%', '\\', '2', 'e', 'E', 'f', 'F', '5', 'C', '0', 'a', 'j', 's', 'o', 'n', '?', '#'), fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)));
    const tail = fc.array(char, { maxLength: 60 }).map((cs) => cs.join(''));
    const prefix = fc.constantFrom('/ui/', '/ui/traces/', '/ui?');
    await fc.assert(
      fc.asyncProperty(prefix, tail, async (p, t) => {
        // Dots can take a target out of /ui (to an RPC method, which this node-less server does not answer).
        const path = new URL(p + t, 'http://rpc').pathname;
        fc.pre(path === '/ui' || path.startsWith('/ui/'));
        const answer = await rawRequest(server.url, p + t);
        expect(answer.status, p + t).toBeLessThan(500);
        expect(answer.body.toString(), p + t).not.toContain(SECRET);
      }),
      { numRuns: 300 },
    );
  });
});

describe('CORS on the RPC port', () => {
  let server: RpcServer;
  let open: RpcServer;

  beforeAll(async () => {
    server = await serve({}, [ALLOWED]);
    open = await serve({}, ['*']);
  });

  afterAll(async () => {
    await server?.close();
    await open?.close();
  });

  it('lets an allowed origin read the answers, and not another', async () => {
    const allowed = await rawRequest(server.url, '/ui/config.json', { headers: { origin: ALLOWED } });
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(allowed.headers.vary).toBe('Origin');
    const other = await rawRequest(server.url, '/ui/config.json', { headers: { origin: 'http://evil.example:26657' } });
    expect(other.status).toBe(200);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const none = await rawRequest(server.url, '/ui/config.json');
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    // Every answer says it depends on the origin, so no shared cache serves one origin another's.
    expect(other.headers.vary).toBe('Origin');
    expect(none.headers.vary).toBe('Origin');
  });

  it('lets any origin read with "*"', async () => {
    const answer = await rawRequest(open.url, '/ui/config.json', { headers: { origin: 'http://anywhere.example' } });
    expect(answer.headers['access-control-allow-origin']).toBe('*');
  });

  it('answers a preflight with 204 and the methods a page may use', async () => {
    const headers = { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
    const preflight = await rawRequest(server.url, '/', { method: 'OPTIONS', headers });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(preflight.headers['access-control-allow-headers']).toContain('content-type');
    const refused = await rawRequest(server.url, '/', { method: 'OPTIONS', headers: { ...headers, origin: 'http://evil.example' } });
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('a node whose dashboard is off, or has no traces directory', () => {
  let off: RpcServer;
  let noTraces: RpcServer;

  beforeAll(async () => {
    off = await serve({ enabled: false });
    noTraces = await serve({ tracesDir: '' });
  });

  afterAll(async () => {
    await off?.close();
    await noTraces?.close();
  });

  it('answers 404 everywhere under /ui when dashboard.enabled is false', async () => {
    for (const target of ['/ui', '/ui/', '/ui/app.js', '/ui/config.json', '/ui/traces/', '/ui/traces/run-1.json']) {
      expect((await rawRequest(off.url, target)).status, target).toBe(404);
    }
  });

  it('says there are no traces, and answers 404 for one by name', async () => {
    const config = JSON.parse((await rawRequest(noTraces.url, '/ui/config.json')).body.toString()) as { traces: boolean };
    expect(config.traces).toBe(false);
    expect(JSON.parse((await rawRequest(noTraces.url, '/ui/traces/')).body.toString())).toEqual({ traces: [] });
    expect((await rawRequest(noTraces.url, '/ui/traces/run-1.json')).status).toBe(404);
  });
});

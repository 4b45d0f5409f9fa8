/**
 * Review of issue 20 (files): the /ipfs gateway against slow readers. The exporter behind
 * FileService.read walks the DAG into an unbounded queue (it-pushable) without waiting for the
 * consumer, so one GET of a 64 MiB file holds the whole file in memory however slowly the client
 * reads; 32 download slots are 2 GiB. A client that disconnects does not stop the walk either.
 */
import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileService } from '../../src/files/file-service.js';
import type { FileRegistry } from '../../src/files/registry.js';
import { silentLogger } from '../../src/node/logger.js';
import { P2PHost } from '../../src/p2p/host.js';
import { loadOrCreateNodeKey } from '../../src/p2p/node-key.js';
import { IpfsGateway } from '../../src/rpc/ipfs-gateway.js';
import { tempDir } from '../support/temp-dir.js';
import { patternBytes } from '../files/vectors.js';

const MiB = 1024 * 1024;
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
let port: number;

beforeAll(async () => {
  dir = await tempDir('review20-gateway');
  const logger = silentLogger();
  host = await P2PHost.start({ nodeKey: await loadOrCreateNodeKey(join(dir.path, 'node_key.json')), logger });
  files = await FileService.start({ dir: join(dir.path, 'ipfs'), libp2p: host.libp2pForFiles(), registry, logger });
  const gateway = new IpfsGateway({ files: () => files, writeTimeoutMs: 10_000, fetchTimeoutMs: 500, logger });
  server = createServer((req, res) => void gateway.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
}, 30_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => server?.close(() => r()));
  await files?.stop();
  await host?.stop();
  await dir?.cleanup();
});

function distinctChunks(length: number): Uint8Array {
  const out = patternBytes(length);
  for (let i = 0; i < length; i += MiB) out[i + 1] = (i / MiB) & 255;
  return out;
}

describe('review20: the gateway and slow readers', () => {
  it('reads a file no further ahead of a client that reads nothing than a few blocks', async () => {
    const bytes = distinctChunks(32 * MiB);
    const { cid, size } = await files.add((async function* () { yield bytes; })(), new AbortController().signal);
    registered.set(cid, size);
    files.onBlock();

    const store = (files as unknown as { blockstore: { get: (...a: unknown[]) => AsyncGenerator<Uint8Array> } }).blockstore;
    const get = store.get.bind(store);
    let read = 0;
    store.get = (...a: unknown[]) => {
      read++;
      return get(...a);
    };
    // A client that sends a GET and never reads the answer.
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', () => r()));
    socket.pause();
    socket.write(`GET /ipfs/${cid} HTTP/1.1\r\nHost: x\r\n\r\n`);
    try {
      await new Promise((r) => setTimeout(r, 2_000));
      // 33 blocks (root + 32 leaves) of which the kernel's socket buffers hold a few MiB at most.
      expect(read, 'the whole file was read into memory for a client that took nothing').toBeLessThan(12);
    } finally {
      socket.destroy();
      store.get = get;
    }
  }, 60_000);
});

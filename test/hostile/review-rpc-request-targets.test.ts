/**
 * Any request target Node's HTTP parser lets through is answered, on every path a request
 * takes: GET, POST and the WebSocket upgrade. The upgrade handler parsed the target with
 * `new URL` outside any try, so one `GET //[ HTTP/1.1` with `Upgrade: websocket` threw an
 * uncaught exception and the node process exited (spec/hostile-input.md, "RPC: client
 * mistakes and error codes"). Runs a real `cmt start` process.
 */
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';

let devnet: DevnetNode;
beforeAll(async () => {
  devnet = await startDevnetNode('review-request-targets');
}, 60_000);
afterAll(async () => {
  await devnet?.stop();
});

/** Targets `new URL(target, base)` refuses, and others a client can write. */
const target = fc.oneof(
  fc.constantFrom('//[', '//[::1', '//x:99999', '//a%', 'http://[', '//@', '//x:-1/websocket', '//%00/websocket', '/websocket', '*'),
  fc.tuple(fc.constantFrom('//', '/', 'http://', ''), fc.stringMatching(/^[!-~]{0,24}$/)).map(([a, b]) => a + b),
);

/** The status line the node answers a raw request with, or 'closed' if it just closes. */
function statusOf(raw: string): Promise<string> {
  const url = new URL(devnet.node.rpcUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(raw));
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n')) {
        resolve(got.slice(0, got.indexOf('\r\n')));
        socket.destroy();
      }
    });
    socket.on('close', () => resolve(got === '' ? 'closed' : got));
    socket.on('error', () => resolve('closed'));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('request targets', () => {
  it('any target, as GET, POST or WebSocket upgrade, is answered and the node stays up', async () => {
    let exited = false;
    void devnet.node.exited.then(() => (exited = true));
    await fc.assert(
      fc.asyncProperty(target, fc.constantFrom('GET', 'POST', 'upgrade'), async (path, kind) => {
        const headers =
          kind === 'upgrade'
            ? 'Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
            : kind === 'POST'
              ? 'Host: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n'
              : 'Host: x\r\n';
        const status = await statusOf(`${kind === 'POST' ? 'POST' : 'GET'} ${path} HTTP/1.1\r\n${headers}\r\n${kind === 'POST' ? '{}' : ''}`);
        // A status line (the parser's own 400 included) or a close; never a node gone.
        expect(status === 'closed' || /^HTTP\/1\.1 [1-5]\d\d/.test(status)).toBe(true);
        expect(status).not.toMatch(/^HTTP\/1\.1 5/);
        const health = await fetch(`${devnet.node.rpcUrl}/health`);
        expect(health.status).toBe(200);
      }),
      { numRuns: 150 },
    );
    expect(exited).toBe(false);
  }, 120_000);
});

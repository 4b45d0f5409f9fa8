import { afterEach, describe, expect, it } from 'vitest';
import { CmtError } from '../../src/codec/errors.js';
import { bytes, connected, deferred, HostPool, text, waitFor } from './helpers.js';

const ECHO = '/cmt/test-chain/echo/1';

describe('P2PHost request/response', () => {
  const pool = new HostPool();
  afterEach(() => pool.stopAll());

  async function pair(options: { maxA?: number; maxB?: number } = {}) {
    const b = await pool.start({ maxMessageBytes: options.maxB });
    const a = await pool.start({ maxMessageBytes: options.maxA, persistentPeers: [b.listenAddrs[0]!] });
    await waitFor('a and b to connect', () => connected(a, b));
    return { a, b };
  }

  it('round-trips a request, telling the handler who asked', async () => {
    const { a, b } = await pair();
    await b.handle(ECHO, async (request, from) => bytes(`${text(request)} from ${from}`));
    const response = await a.request(b.peerId, ECHO, bytes('ping'));
    expect(text(response)).toBe(`ping from ${a.peerId}`);
    // Empty payloads are frames too.
    await b.handle('/cmt/test-chain/empty/1', async () => new Uint8Array(0));
    expect((await a.request(b.peerId, '/cmt/test-chain/empty/1', new Uint8Array(0))).length).toBe(0);
  });

  it('carries a payload of exactly the limit, across many chunks', async () => {
    const { a, b } = await pair({ maxA: 1 << 20, maxB: 1 << 20 });
    await b.handle(ECHO, async (request) => request.slice().reverse());
    const big = new Uint8Array(1 << 20).map((_, i) => i % 251);
    const response = await a.request(b.peerId, ECHO, big);
    expect(response.length).toBe(big.length);
    expect(response[0]).toBe(big[big.length - 1]);
  });

  it('refuses an oversize request locally, and a responder drops and scores one that is too big for it', async () => {
    const { a, b } = await pair({ maxA: 64 * 1024, maxB: 1024 });
    let calls = 0;
    await b.handle(ECHO, async (request) => {
      calls++;
      return request;
    });
    await expect(a.request(b.peerId, ECHO, new Uint8Array(64 * 1024 + 1))).rejects.toMatchObject({ code: 'P2P_MESSAGE_TOO_LARGE' });
    await expect(a.request(b.peerId, ECHO, new Uint8Array(2048))).rejects.toMatchObject({ code: 'P2P_REQUEST_FAILED' });
    expect(calls).toBe(0);
    expect(b.stats().dropped.request_oversize).toBe(1);
    expect(b.stats().invalid.request_oversize).toBe(1);
    expect(b.score(a.peerId)).toBe(-1);
    expect(text(await a.request(b.peerId, ECHO, bytes('small')))).toBe('small');
  });

  it('turns a throwing handler into an error on the requester, and keeps serving', async () => {
    const { a, b } = await pair();
    await b.handle(ECHO, async (request) => {
      if (text(request) === 'bug') throw new TypeError('secret internals');
      if (text(request) === 'refuse') throw new CmtError('NOT_FOUND', 'no block at height 7');
      return request;
    });
    const bug = await a.request(b.peerId, ECHO, bytes('bug')).catch((err: unknown) => err);
    expect(bug).toMatchObject({ code: 'P2P_REMOTE_ERROR' });
    expect((bug as Error).message).toContain('internal error');
    expect((bug as Error).message).not.toContain('secret');
    await expect(a.request(b.peerId, ECHO, bytes('refuse'))).rejects.toThrow(/NOT_FOUND: no block at height 7/);
    expect(text(await a.request(b.peerId, ECHO, bytes('ok')))).toBe('ok');
    expect(b.stats().dropped.handler_error).toBe(2);
    expect(b.score(a.peerId)).toBe(0);
  });

  it('times out with P2P_TIMEOUT when the handler does not answer', async () => {
    const { a, b } = await pair();
    const release = deferred<void>();
    await b.handle(ECHO, async (request) => {
      await release.promise;
      return request;
    });
    const started = Date.now();
    await expect(a.request(b.peerId, ECHO, bytes('slow'), { timeoutMs: 300 })).rejects.toMatchObject({ code: 'P2P_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(3_000);
    release.resolve();
  });

  it('fails clearly for a protocol the peer does not serve, and for a malformed peer id', async () => {
    const { a, b } = await pair();
    await expect(a.request(b.peerId, '/cmt/test-chain/nothing/1', bytes('x'))).rejects.toMatchObject({ code: 'P2P_REQUEST_FAILED' });
    await expect(a.request('not-a-peer', ECHO, bytes('x'))).rejects.toMatchObject({ code: 'INVALID_PEER_ADDRESS' });
    await b.handle(ECHO, async (r) => r);
    expect(() => b.handle(ECHO, async (r) => r)).toThrow(expect.objectContaining({ code: 'P2P_USAGE' }));
  });
});

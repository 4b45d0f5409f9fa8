/**
 * The direct push protocol (P2PHost.sendTo) over real libp2p on loopback: a pushed message is
 * judged by the receiver's gossip handler with gossip's own checks and scoring, relayed through
 * gossip if accepted, and a hostile push (unknown topic, oversize, undecodable, a flood) is
 * refused with bounded work.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { DIRECT_PUSH_PROTOCOL, encodePush, PUSHES_IN_FLIGHT_PER_PEER } from '../../src/p2p/direct-push.js';
import type { P2PHost, Verdict } from '../../src/p2p/host.js';
import { LinkFaults } from '../../src/p2p/link-faults.js';
import { bytes, deferred, HostPool, text, waitFor, within } from './helpers.js';

const TOPIC = '/cmt/test-chain/vote/1';

/** b listens to a; both subscribed, so b's verdicts are the only thing under test. */
async function pair(pool: HostPool, options: { a?: Parameters<HostPool['start']>[0]; b?: Parameters<HostPool['start']>[0] } = {}): Promise<[P2PHost, P2PHost]> {
  const a = await pool.start(options.a);
  const b = await pool.start({ ...options.b, persistentPeers: [a.listenAddrs[0]!] });
  await waitFor('a and b to connect', () => a.peers().some((p) => p.peerId === b.peerId));
  return [a, b];
}

describe('P2PHost.sendTo (direct push)', () => {
  const pool = new HostPool();
  afterEach(() => pool.stopAll());

  it('hands the bytes to the topic handler as gossip would, and answers with its verdict', async () => {
    const [a, b] = await pair(pool);
    const seen: { data: Uint8Array; from: string; origin: string; topic: string }[] = [];
    let next: Verdict = 'accept';
    b.subscribe(TOPIC, (data, from, ctx) => {
      seen.push({ data, from, origin: ctx.origin, topic: ctx.topic });
      return next;
    });
    let pushed = 0;
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom<Verdict>('accept', 'ignore'), async (generated, verdict) => {
        // Each push new bytes (a copy of an earlier push is answered without the handler: another test).
        const data = new Uint8Array([...new TextEncoder().encode(`${pushed++}:`), ...generated]);
        next = verdict;
        seen.length = 0;
        expect(await a.push(b.peerId, TOPIC, data)).toBe(verdict);
        expect(seen).toHaveLength(1);
        expect(Buffer.from(seen[0]!.data).equals(Buffer.from(data))).toBe(true);
        expect(seen[0]).toMatchObject({ from: a.peerId, origin: a.peerId, topic: TOPIC });
      }),
      { numRuns: 40 },
    );
    expect(b.score(a.peerId)).toBe(0);
    expect(a.stats().pushesSent).toBe(40);
  });

  it('relays an accepted push through gossip to peers the sender is not connected to, and never a rejected one', async () => {
    const b = await pool.start();
    const a = await pool.start({ persistentPeers: [b.listenAddrs[0]!] });
    const c = await pool.start({ persistentPeers: [b.listenAddrs[0]!] });
    const atC: string[] = [];
    const goodAtC = deferred<void>();
    c.subscribe(TOPIC, (data) => {
      atC.push(text(data));
      if (text(data) === 'good') goodAtC.resolve();
      return 'accept';
    });
    b.subscribe(TOPIC, (data) => (text(data).startsWith('bad') ? 'reject' : 'accept'));
    await waitFor('b to mesh with c', () => b.meshPeers(TOPIC).includes(c.peerId) && a.peers().length === 1);
    expect(a.peers().map((p) => p.peerId)).toEqual([b.peerId]);
    expect(await a.push(b.peerId, TOPIC, bytes('bad 1'))).toBe('reject');
    expect(await a.push(b.peerId, TOPIC, bytes('good'))).toBe('accept');
    await within('"good" relayed to c', goodAtC.promise);
    expect(atC).toEqual(['good']);
    // A rejected push costs the sender as a rejected gossip message does.
    expect(b.score(a.peerId)).toBe(-1);
    expect(b.stats()).toMatchObject({ pushesAccepted: 1, invalid: { gossip_rejected: 1 } });
    // A copy of a pushed message is answered without judging it again, and relays nothing new.
    expect(await a.push(b.peerId, TOPIC, bytes('good'))).toBe('ignore');
    expect(b.stats().dropped).toMatchObject({ push_duplicate: 1 });
    expect(await a.push(b.peerId, TOPIC, bytes('good 2'))).toBe('accept');
    await waitFor('"good 2" at c', () => atC.includes('good 2'));
    expect(atC).toEqual(['good', 'good 2']);
  });

  it('bans a sender after three rejected pushes, and refuses its pushes from then on', async () => {
    const [a, b] = await pair(pool);
    let handled = 0;
    b.subscribe(TOPIC, () => {
      handled++;
      return 'reject';
    });
    for (let i = 0; i < 3; i++) await a.push(b.peerId, TOPIC, bytes(`bad ${i}`)).catch(() => undefined);
    await waitFor('b to ban a', () => b.isBanned(a.peerId));
    await expect(a.push(b.peerId, TOPIC, bytes('more'))).rejects.toMatchObject({ code: expect.stringMatching(/^P2P_/) });
    expect(handled).toBe(3);
  });

  it('refuses a push on a topic the receiver does not follow, without scoring the sender', async () => {
    const [a, b] = await pair(pool);
    let handled = 0;
    b.subscribe(TOPIC, () => {
      handled++;
      return 'accept';
    });
    await expect(a.push(b.peerId, '/cmt/other-chain/vote/1', bytes('x'))).rejects.toMatchObject({ code: 'P2P_REMOTE_ERROR' });
    expect(handled).toBe(0);
    expect(b.score(a.peerId)).toBe(0);
    expect(b.stats().dropped.push_unknown_topic).toBe(1);
  });

  it('applies the gossip size limit: over it the sender refuses, the receiver rejects and scores', async () => {
    const [a, b] = await pair(pool, { a: { maxMessageBytes: 64 * 1024 }, b: { maxMessageBytes: 1024 } });
    const sizes: number[] = [];
    b.subscribe(TOPIC, (data) => {
      sizes.push(data.length);
      return 'accept';
    });
    // Within b's frame allowance (limit + topic header) but over its gossip limit: the validator rejects it.
    expect(await a.push(b.peerId, TOPIC, new Uint8Array(1100))).toBe('reject');
    expect(b.stats().invalid.gossip_oversize).toBe(1);
    // Over the frame allowance: refused while it is read, before anything is buffered past the limit.
    await expect(a.push(b.peerId, TOPIC, new Uint8Array(8 * 1024))).rejects.toBeDefined();
    await waitFor('b to score the oversize frame', () => b.stats().invalid.request_oversize === 1);
    expect(sizes).toEqual([]);
    await expect(b.push(a.peerId, TOPIC, new Uint8Array(1025))).rejects.toMatchObject({ code: 'P2P_MESSAGE_TOO_LARGE' });
  });

  it('scores an undecodable push and answers it with an error', async () => {
    const [a, b] = await pair(pool);
    b.subscribe(TOPIC, () => 'accept');
    // Topic length 0, then one that runs past the end, then a topic that is not UTF-8.
    const junk = [Uint8Array.of(0, 0, 1), Uint8Array.of(0, 9, 0x2f), Uint8Array.of(0, 2, 0xff, 0xfe, 1)];
    await expect(a.request(b.peerId, DIRECT_PUSH_PROTOCOL, junk[0]!)).rejects.toMatchObject({ code: 'P2P_REMOTE_ERROR' });
    await expect(a.request(b.peerId, DIRECT_PUSH_PROTOCOL, junk[1]!)).rejects.toMatchObject({ code: 'P2P_REMOTE_ERROR' });
    // The third report bans a, and the ban hangs up before the answer can go out.
    await expect(a.request(b.peerId, DIRECT_PUSH_PROTOCOL, junk[2]!)).rejects.toMatchObject({ code: expect.stringMatching(/^P2P_(REMOTE|PROTOCOL)_ERROR$|^P2P_REQUEST_FAILED$/) });
    await waitFor('b to ban a', () => b.isBanned(a.peerId));
    expect(b.stats().invalid.request_undecodable).toBe(3);
  });

  it('keeps a flood of pushes to a bounded number in flight, refusing the rest, and serves again afterwards', async () => {
    const [a, b] = await pair(pool);
    const gate = deferred<void>();
    let running = 0;
    let most = 0;
    b.subscribe(TOPIC, async (): Promise<Verdict> => {
      running++;
      most = Math.max(most, running);
      await gate.promise;
      running--;
      return 'ignore';
    });
    let settled = 0;
    const pushes = Array.from({ length: 60 }, (_, i) => a.push(b.peerId, TOPIC, bytes(`m${i}`)).finally(() => settled++));
    // Settled as they come: refusals arrive while the first pushes are still held.
    const flood = Promise.allSettled(pushes);
    await waitFor('every push beyond the held ones to be refused', () => running === PUSHES_IN_FLIGHT_PER_PEER && settled === 60 - PUSHES_IN_FLIGHT_PER_PEER);
    gate.resolve();
    const outcomes = await flood;
    expect(most).toBe(PUSHES_IN_FLIGHT_PER_PEER);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(PUSHES_IN_FLIGHT_PER_PEER);
    expect(b.stats().dropped.request_over_capacity).toBeGreaterThan(0);
    // Refused for capacity, not for misbehaviour: the sender is not scored and is served again.
    expect(b.score(a.peerId)).toBe(0);
    expect(await a.push(b.peerId, TOPIC, bytes('after'))).toBe('ignore');
  });

  it('refuses pushes over the per-peer rate without running the handler or scoring the sender', async () => {
    const [a, b] = await pair(pool, { b: { pushesPerSecond: 5 } });
    let handled = 0;
    b.subscribe(TOPIC, () => {
      handled++;
      return 'ignore';
    });
    const outcomes = [];
    const started = Date.now();
    // Sequential, so only the rate can refuse them.
    for (let i = 0; i < 12; i++) outcomes.push(await a.push(b.peerId, TOPIC, bytes(`r${i}`)).then(() => 'served', (err: { code?: string }) => err.code));
    const refilled = Math.floor(((Date.now() - started) * 5) / 1000);
    expect(outcomes.slice(0, 5)).toEqual(Array(5).fill('served'));
    expect(outcomes.filter((o) => o === 'served').length).toBeLessThanOrEqual(5 + refilled);
    expect(refilled).toBeLessThan(7); // the loop took under 1.4 s, so some pushes were refused
    expect(outcomes.filter((o) => o === 'P2P_REMOTE_ERROR').length).toBe(12 - handled);
    expect(b.stats().dropped.push_over_rate).toBe(12 - handled);
    expect(b.score(a.peerId)).toBe(0);
  });

  it('goes through the injected link faults as gossip does', async () => {
    const faults = new LinkFaults();
    const [a, b] = await pair(pool, { b: { linkFaults: faults } });
    let handled = 0;
    b.subscribe(TOPIC, () => {
      handled++;
      return 'accept';
    });
    faults.set([{ peer: a.peerId, drop: 1, minDelayMs: 0, maxDelayMs: 0 }]);
    expect(await a.push(b.peerId, TOPIC, bytes('cut'))).toBe('ignore');
    await expect(b.push(a.peerId, TOPIC, bytes('cut'))).rejects.toMatchObject({ code: 'P2P_REQUEST_FAILED' });
    expect(handled).toBe(0);
    expect(encodePush({ topic: TOPIC, data: bytes('x') }).length).toBe(2 + TOPIC.length + 1);
  });
});

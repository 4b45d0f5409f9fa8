import { afterEach, describe, expect, it } from 'vitest';
import type { Verdict } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';
import { bytes, connected, deferred, freePort, HostPool, text, waitFor, within } from './helpers.js';

const TOPIC = '/cmt/test-chain/vote/1';

describe('P2PHost gossip', () => {
  const pool = new HostPool();
  afterEach(() => pool.stopAll());

  it('delivers a published message between two hosts, with the sender as from', async () => {
    const a = await pool.start();
    const b = await pool.start({ persistentPeers: [a.listenAddrs[0]!] });
    const got = deferred<{ data: string; from: string; origin: string }>();
    b.subscribe(TOPIC, (data, from, ctx) => {
      got.resolve({ data: text(data), from, origin: ctx.origin });
      return 'accept';
    });
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('a to see b subscribed', () => a.topicPeers(TOPIC).includes(b.peerId));
    await a.publish(TOPIC, bytes('hello'));
    expect(await within('delivery to b', got.promise)).toEqual({ data: 'hello', from: a.peerId, origin: a.peerId });
    expect(a.stats().gossipPublished).toBe(1);
    expect(b.stats().gossipAccepted).toBe(1);
  });

  it('publishing with no peers does not throw, and the same bytes go out once peers appear', async () => {
    const a = await pool.start();
    a.subscribe(TOPIC, () => 'accept');
    await expect(a.publish(TOPIC, bytes('early'))).resolves.toBeUndefined();
    expect(a.stats().dropped.publish_no_peers).toBe(1);
    const b = await pool.start({ persistentPeers: [a.listenAddrs[0]!] });
    const got = deferred<string>();
    b.subscribe(TOPIC, (data) => {
      got.resolve(text(data));
      return 'accept';
    });
    await waitFor('a to see b subscribed', () => a.topicPeers(TOPIC).includes(b.peerId));
    await a.publish(TOPIC, bytes('early'));
    expect(await within('delivery to b', got.promise)).toBe('early');
  });

  it('works in a testnet-style full mesh where every node lists every other as persistent', async () => {
    const keys = await Promise.all([0, 1, 2].map(() => generateNodeKey()));
    const ports = await Promise.all(keys.map(() => freePort()));
    const addrs = keys.map((k, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${k.peerId}`);
    // Each node gets the whole list, its own address included, as a shared config would give it.
    const hosts = await Promise.all(keys.map((nodeKey, i) => pool.start({ nodeKey, listenPort: ports[i], persistentPeers: addrs })));
    const received = hosts.map(() => deferred<string>());
    hosts.forEach((h, i) =>
      h.subscribe(TOPIC, (data) => {
        received[i]!.resolve(text(data));
        return 'accept';
      }),
    );
    await waitFor('everyone to see everyone subscribed', () => hosts.every((h) => h.topicPeers(TOPIC).length === 2));
    for (const h of hosts) expect(h.peers()).toHaveLength(2);
    await hosts[0]!.publish(TOPIC, bytes('to all'));
    expect(await within('delivery to node 1', received[1]!.promise)).toBe('to all');
    expect(await within('delivery to node 2', received[2]!.promise)).toBe('to all');
  });

  it('relays across three hosts in a line and deduplicates identical bytes', async () => {
    const a = await pool.start();
    const b = await pool.start({ persistentPeers: [a.listenAddrs[0]!] });
    const c = await pool.start({ persistentPeers: [b.listenAddrs[0]!] });
    const seenByC: string[] = [];
    const second = deferred<void>();
    c.subscribe(TOPIC, (data) => {
      seenByC.push(text(data));
      if (text(data) === 'second') second.resolve();
      return 'accept';
    });
    b.subscribe(TOPIC, () => 'accept');
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('b to mesh with a and c', () => b.meshPeers(TOPIC).includes(a.peerId) && b.meshPeers(TOPIC).includes(c.peerId));
    expect(connected(a, c)).toBe(false);
    await a.publish(TOPIC, bytes('first'));
    await a.publish(TOPIC, bytes('first')); // the same bytes: one message id, dropped as a duplicate
    await a.publish(TOPIC, bytes('second'));
    await within('"second" at c', second.promise);
    expect(seenByC).toEqual(['first', 'second']);
  });

  it('does not forward a message the relay rejects, and bans a sender after three rejections', async () => {
    const b = await pool.start();
    const a = await pool.start({ persistentPeers: [b.listenAddrs[0]!] });
    const c = await pool.start({ persistentPeers: [b.listenAddrs[0]!] });
    const seenByC: string[] = [];
    const goodAtC = deferred<void>();
    c.subscribe(TOPIC, (data) => {
      seenByC.push(text(data));
      if (text(data) === 'good') goodAtC.resolve();
      return 'accept';
    });
    const rejectedByB: string[] = [];
    b.subscribe(TOPIC, (data): Verdict => {
      if (text(data).startsWith('bad')) {
        rejectedByB.push(text(data));
        return 'reject';
      }
      return 'accept';
    });
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('b to mesh with a and c', () => b.meshPeers(TOPIC).includes(a.peerId) && b.meshPeers(TOPIC).includes(c.peerId));

    await a.publish(TOPIC, bytes('bad 1'));
    await a.publish(TOPIC, bytes('good'));
    await within('"good" at c', goodAtC.promise);
    await waitFor('b to reject "bad 1"', () => rejectedByB.length === 1);
    expect(seenByC).toEqual(['good']);
    expect(b.score(a.peerId)).toBe(-1);
    expect(b.isBanned(a.peerId)).toBe(false);

    await a.publish(TOPIC, bytes('bad 2'));
    await a.publish(TOPIC, bytes('bad 3'));
    await waitFor('b to ban a', () => b.isBanned(a.peerId));
    await waitFor('a and b to disconnect', () => !b.peers().some((p) => p.peerId === a.peerId) && !a.peers().some((p) => p.peerId === b.peerId));
    expect(seenByC).toEqual(['good']);
    const stats = b.stats();
    expect(stats.dropped.gossip_rejected).toBe(3);
    expect(stats.invalid.gossip_rejected).toBe(3);
    expect(stats.bans).toBe(1);
    expect(stats.bannedPeers).toBe(1);
    // a keeps b as a persistent peer and redials after 1 s: b's gater refuses it.
    await waitFor('b to refuse a redial from a', () => (b.stats().dropped.banned_connection ?? 0) > 0, 5_000);
    expect(b.peers().some((p) => p.peerId === a.peerId)).toBe(false);
    await expect(b.request(a.peerId, '/cmt/test/echo/1', bytes('x'))).rejects.toMatchObject({ code: 'P2P_PEER_BANNED' });
  });

  it('rejects oversize messages before the handler runs, and refuses to publish them', async () => {
    const a = await pool.start({ maxMessageBytes: 64 * 1024 });
    const b = await pool.start({ maxMessageBytes: 1024, persistentPeers: [a.listenAddrs[0]!] });
    const seenByB: number[] = [];
    const small = deferred<void>();
    b.subscribe(TOPIC, (data) => {
      seenByB.push(data.length);
      if (data.length === 10) small.resolve();
      return 'accept';
    });
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('a to see b subscribed', () => a.topicPeers(TOPIC).includes(b.peerId));
    await a.publish(TOPIC, new Uint8Array(2048).fill(7));
    await a.publish(TOPIC, new Uint8Array(10).fill(1));
    await within('the small message at b', small.promise);
    await waitFor('b to count the oversize message', () => b.stats().dropped.gossip_oversize === 1);
    expect(seenByB).toEqual([10]);
    expect(b.stats().invalid.gossip_oversize).toBe(1);
    await expect(b.publish(TOPIC, new Uint8Array(1025))).rejects.toMatchObject({ code: 'P2P_MESSAGE_TOO_LARGE' });
  });

  it('carries a message of exactly maxGossipBytes across a relay; gossipsub caps it below 4 MiB', async () => {
    const a = await pool.start({ maxMessageBytes: 8 * 1024 * 1024 });
    const b = await pool.start({ maxMessageBytes: 8 * 1024 * 1024, persistentPeers: [a.listenAddrs[0]!] });
    const c = await pool.start({ maxMessageBytes: 8 * 1024 * 1024, persistentPeers: [b.listenAddrs[0]!] });
    expect(a.maxGossipBytes).toBe(4 * 1024 * 1024 - 64 * 1024);
    const got = deferred<Uint8Array>();
    c.subscribe(TOPIC, (data) => {
      got.resolve(data);
      return 'accept';
    });
    b.subscribe(TOPIC, () => 'accept');
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('b to mesh with a and c', () => b.meshPeers(TOPIC).includes(a.peerId) && b.meshPeers(TOPIC).includes(c.peerId));
    const big = new Uint8Array(a.maxGossipBytes).map((_, i) => i % 253);
    await a.publish(TOPIC, big);
    const received = await within('the maximal message at c', got.promise);
    expect(received.length).toBe(big.length);
    expect(Buffer.from(received).equals(Buffer.from(big))).toBe(true);
    await expect(a.publish(TOPIC, new Uint8Array(a.maxGossipBytes + 1))).rejects.toMatchObject({ code: 'P2P_MESSAGE_TOO_LARGE' });
  });

  it('treats a throwing handler as ignore and does not penalise the sender', async () => {
    const a = await pool.start();
    const b = await pool.start({ persistentPeers: [a.listenAddrs[0]!] });
    const ok = deferred<void>();
    b.subscribe(TOPIC, (data) => {
      if (text(data) === 'boom') throw new Error('handler bug');
      ok.resolve();
      return 'accept';
    });
    a.subscribe(TOPIC, () => 'accept');
    await waitFor('a to see b subscribed', () => a.topicPeers(TOPIC).includes(b.peerId));
    await a.publish(TOPIC, bytes('boom'));
    await a.publish(TOPIC, bytes('fine'));
    await within('the second message at b', ok.promise);
    await waitFor('b to count the handler error', () => b.stats().dropped.gossip_handler_error === 1);
    expect(b.score(a.peerId)).toBe(0);
  });
});

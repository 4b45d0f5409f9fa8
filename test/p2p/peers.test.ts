import { afterEach, describe, expect, it } from 'vitest';
import type { PeerEvent } from '../../src/p2p/host.js';
import { generateNodeKey } from '../../src/p2p/node-key.js';
import { connected, HostPool, waitFor } from './helpers.js';

describe('P2PHost peers', () => {
  const pool = new HostPool();
  afterEach(() => pool.stopAll());

  it('reconnects a persistent peer that goes away and comes back on the same address', async () => {
    const bKey = await generateNodeKey();
    const b1 = await pool.start({ nodeKey: bKey });
    const port = b1.listenPort;
    const a = await pool.start({ persistentPeers: [b1.listenAddrs[0]!] });
    await waitFor('a and b to connect', () => connected(a, b1));
    const events: PeerEvent[] = [];
    a.onPeerChange((e) => events.push(e));
    expect(a.peers()).toEqual([{ peerId: bKey.peerId, addr: expect.stringContaining(`/tcp/${port}`), direction: 'outbound' }]);
    expect(b1.peers()[0]).toMatchObject({ peerId: a.peerId, direction: 'inbound' });

    await b1.stop();
    await waitFor('a to notice b left', () => a.peers().length === 0);
    const b2 = await pool.start({ nodeKey: bKey, listenPort: port });
    await waitFor('a to redial b', () => connected(a, b2), 8_000);
    expect(events.map((e) => e.type)).toEqual(['disconnect', 'connect']);
    expect(events.every((e) => e.peerId === bKey.peerId)).toBe(true);
  });

  it('refuses inbound peers beyond maxPeers, persistent peers counting towards the cap', async () => {
    const vip = await pool.start();
    const target = await pool.start({ maxPeers: 2, persistentPeers: [vip.listenAddrs[0]!] });
    await waitFor('target to reach its persistent peer', () => connected(target, vip));
    const others = await Promise.all([0, 1, 2].map(() => pool.start({ persistentPeers: [target.listenAddrs[0]!] })));
    // vip fills one slot; one of the three others gets the second; two are refused.
    await waitFor('target to refuse the excess', () => (target.stats().dropped.inbound_peer_cap ?? 0) >= 2);
    await waitFor('target to settle at the cap', () => target.peers().length === 2);
    const admitted = target.peers().map((p) => p.peerId);
    expect(admitted).toContain(vip.peerId);
    expect(others.filter((o) => admitted.includes(o.peerId))).toHaveLength(1);
  });

  it('admits a persistent peer dialling in even at the cap', async () => {
    const vipKey = await generateNodeKey();
    // The configured address is unreachable: the vip is the one that dials in.
    const full = await pool.start({ maxPeers: 1, persistentPeers: [`/ip4/127.0.0.1/tcp/1/p2p/${vipKey.peerId}`] });
    const filler = await pool.start({ persistentPeers: [full.listenAddrs[0]!] });
    await waitFor('full to be at its cap', () => connected(full, filler));
    const vip = await pool.start({ nodeKey: vipKey, persistentPeers: [full.listenAddrs[0]!] });
    await waitFor('the persistent peer to get in', () => connected(full, vip));
    await pool.start({ persistentPeers: [full.listenAddrs[0]!] }); // a latecomer, over the cap
    await waitFor('the late peer to be refused', () => (full.stats().dropped.inbound_peer_cap ?? 0) >= 1);
    // Only the refusing side is authoritative: the dialler briefly sees each refused connection as
    // open, because the cap is checked once the handshake has told the listener who is dialling.
    expect(full.peers().map((p) => p.peerId).sort()).toEqual([filler.peerId, vip.peerId].sort());
  });

  it('validates persistent peer addresses and skips its own', async () => {
    await expect(pool.start({ persistentPeers: ['/ip4/127.0.0.1/tcp/1'] })).rejects.toMatchObject({ code: 'INVALID_PEER_ADDRESS' });
    await expect(pool.start({ persistentPeers: ['not a multiaddr'] })).rejects.toMatchObject({ code: 'INVALID_PEER_ADDRESS' });
    const key = await generateNodeKey();
    const host = await pool.start({ nodeKey: key, persistentPeers: [`/ip4/127.0.0.1/tcp/1/p2p/${key.peerId}`] });
    expect(host.peers()).toEqual([]);
  });

  it('fails with P2P_LISTEN_FAILED when the port is taken, and stop() is idempotent', async () => {
    const a = await pool.start();
    await expect(pool.start({ listenPort: a.listenPort })).rejects.toMatchObject({ code: 'P2P_LISTEN_FAILED' });
    await a.stop();
    await a.stop();
    await expect(a.publish('/t', new Uint8Array(1))).rejects.toMatchObject({ code: 'P2P_STOPPED' });
  });

  it('advertises announceHost instead of the bound address', async () => {
    const a = await pool.start({ announceHost: '203.0.113.7' });
    expect(a.listenAddrs).toEqual([`/ip4/203.0.113.7/tcp/${a.listenPort}/p2p/${a.peerId}`]);
  });
});

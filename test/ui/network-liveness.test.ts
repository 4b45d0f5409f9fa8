import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { answered, DOWN_AFTER_MS, failed, initialLiveness, type Liveness } from '../../ui/src/network/liveness.js';
import { MAX_PEERS_SHOWN, readConsensusState, readPeerCount, readPeers, readStatus, type NodeSnapshot } from '../../ui/src/network/node-info.js';
import { isBehind, summarize } from '../../ui/src/network/summary.js';

const snap = (height: number, chainId = 'cmt-testnet'): NodeSnapshot => ({
  chainId,
  nodeId: '',
  moniker: 'node0',
  height,
  blockTime: 0,
  catchingUp: false,
  validatorAddress: '',
  votingPower: 0,
  round: 0,
  step: 'propose',
  peers: 3,
});

describe('node liveness', () => {
  it('a node goes down on its second failure in a row, or one failure after a long silence, and keeps its last values', () => {
    let s = answered(initialLiveness<NodeSnapshot>(), snap(5), 1000);
    s = failed(s, 'refused', 1200, 1100);
    expect(s.status).toBe('up');
    s = failed(s, 'refused', 2200, 2100);
    expect(s).toMatchObject({ status: 'down', downSince: 1100, failures: 2, error: 'refused' });
    expect(s.last?.height).toBe(5);
    const slow = failed(answered(initialLiveness<NodeSnapshot>(), snap(5), 1000), 'timeout', 1000 + DOWN_AFTER_MS, 1000 + DOWN_AFTER_MS - 1500);
    expect(slow.status).toBe('down');
  });

  it('one answer brings it back up; a node never heard from is down at its first failure', () => {
    expect(failed(initialLiveness<NodeSnapshot>(), 'refused', 10).status).toBe('down');
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 30 }), (answers) => {
        let s: Liveness<NodeSnapshot> = initialLiveness();
        let t = 0;
        let run = 0;
        for (const ok of answers) {
          t += 1000;
          s = ok ? answered(s, snap(t), t) : failed(s, 'x', t);
          run = ok ? 0 : run + 1;
          if (ok) expect(s.status).toBe('up');
          if (run >= 2) expect(s.status).toBe('down');
          if (!ok) expect(s.downSince).toBe(t - (run - 1) * 1000);
        }
      }),
    );
  });
});

describe('node answers', () => {
  const status = {
    node_info: { network: 'cmt-testnet', moniker: 'node1' },
    sync_info: { latest_block_height: '42', latest_block_time: '2026-01-01T00:00:00.000Z', catching_up: false },
    validator_info: { address: '50a8ff34a301dad32e08752606b0d84373a83447', voting_power: '100' },
  };

  it('read status, consensus_state (both forms) and net_info', () => {
    expect(readStatus(status)).toMatchObject({ chainId: 'cmt-testnet', height: 42, blockTime: Date.UTC(2026, 0, 1), validatorAddress: '50A8FF34A301DAD32E08752606B0D84373A83447', votingPower: 100 });
    expect(readConsensusState({ round_state: { 'height/round/step': '42/3/6' } })).toEqual({ round: 3, step: 'Precommit' });
    expect(readConsensusState({ round_state: { 'height/round/step': '42/0/4', round: 0, step: 'prevote' } })).toEqual({ round: 0, step: 'prevote' });
    expect(readPeerCount({ n_peers: '3', peers: [] })).toBe(3);
  });

  it('refuse junk without throwing', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        expect(() => [readStatus(junk), readConsensusState(junk), readPeerCount(junk)]).not.toThrow();
      }),
    );
    expect(readStatus({ sync_info: { latest_block_height: 'tall' } })).toBeInstanceOf(Error);
    expect(readStatus({ ...status, validator_info: { address: '<script>' } })).toMatchObject({ validatorAddress: '', votingPower: 0 });
  });

  it("read net_info's peers: a node id only when it is one, bounded, junk entries skipped", () => {
    const id = 'AB'.repeat(20);
    const peer = (over: Record<string, unknown>): unknown => ({ node_info: { id, listen_addr: '/ip4/127.0.0.1/tcp/26656', moniker: 'node2', ...over }, is_outbound: true, remote_ip: '127.0.0.1' });
    expect(readPeers({ peers: [peer({}), peer({ id: '<img src=x>', listen_addr: '' }), 7, null, { node_info: {} }] })).toEqual([
      { nodeId: id.toLowerCase(), address: '/ip4/127.0.0.1/tcp/26656', outbound: true, moniker: 'node2' },
      { nodeId: '', address: '127.0.0.1', outbound: true, moniker: 'node2' },
    ]);
    expect(readPeers({ peers: Array.from({ length: MAX_PEERS_SHOWN + 50 }, () => peer({})) })).toHaveLength(MAX_PEERS_SHOWN);
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const peers = readPeers({ peers: [junk, { node_info: junk }] });
        for (const p of peers) expect(p.nodeId).toMatch(/^([0-9a-f]{40})?$/);
      }),
    );
  });
});

describe('the summary', () => {
  it('counts up and down nodes, the tip, and nodes more than 2 heights behind', () => {
    const up = (h: number): Liveness<NodeSnapshot> => answered(initialLiveness(), snap(h), 1);
    const down = failed(failed(up(3), 'x', 2), 'x', 3);
    const s = summarize([up(10), up(9), up(7), down]);
    expect(s).toEqual({ chainIds: ['cmt-testnet'], maxHeight: 10, up: 3, down: 1, unknown: 0, behind: 1, tipTime: 0 });
    expect(summarize([]).tipTime).toBeNaN();
    expect(isBehind(8, 10)).toBe(false);
    expect(isBehind(7, 10)).toBe(true);
  });
});

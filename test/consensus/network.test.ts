import { describe as suite, expect, it } from 'vitest';
import { concatBytes, u64be, utf8 } from '../../src/codec/bytes.js';
import { verifyCommit } from '../../src/consensus/commit.js';
import { CHAIN_ID, ConsensusNet, type Decision } from '../support/consensus-net.js';

/** Every height decided by two nodes has one block, and every commit verifies. */
function expectAgreement(net: ConsensusNet, heights: number): void {
  for (let h = 1; h <= heights; h++) {
    const decided = net.decisions.map((d) => d[h - 1]).filter((d): d is Decision => d !== undefined);
    expect(decided.length).toBeGreaterThan(0);
    expect(new Set(decided.map((d) => d.blockHash)).size).toBe(1);
    for (const d of decided) {
      expect(d.height).toBe(h);
      expect(() => verifyCommit(CHAIN_ID, net.setAt(h), h, d.commit.blockHash, d.commit)).not.toThrow();
    }
  }
}

suite('Tendermint over an in-memory router', () => {
  it('4 validators decide 5 heights in round 0, proposers rotating', () => {
    const net = new ConsensusNet({ powers: [1, 1, 1, 1] });
    net.runToHeight(5);
    expectAgreement(net, 5);
    expect(net.decisions.every((d) => d.slice(0, 5).every((x) => x.round === 0))).toBe(true);
    const proposers = new Set(net.proposalsSent.filter((p) => p.height <= 4).map((p) => p.node));
    expect(proposers.size).toBe(4);
  });

  it('7 validators with unequal power decide 8 heights', () => {
    const net = new ConsensusNet({ powers: [10, 20, 30, 40, 50, 60, 70] });
    net.runToHeight(8);
    expectAgreement(net, 8);
  });

  it('an offline proposer costs a round, and the others still decide', () => {
    const probe = new ConsensusNet({ powers: [1, 1, 1, 1, 1, 1, 1] });
    const firstProposer = probe.nodeOfIndex(probe.setAt(1).indexOf(probe.setAt(1).proposer.address));
    const net = new ConsensusNet({ powers: [1, 1, 1, 1, 1, 1, 1], offline: [firstProposer] });
    net.runToHeight(7);
    expectAgreement(net, 7);
    const online = net.decisions.find((d, i) => i !== firstProposer) as Decision[];
    expect(online[0]?.round).toBeGreaterThanOrEqual(1);
    // The offline validator's precommits are absent from every commit.
    const index = net.indexInSet[firstProposer] as number;
    expect(online.every((d) => d.commit.signatures[index]?.flag === 1)).toBe(true);
    expect(net.decisions[firstProposer]).toHaveLength(0);
  });

  it('rounds whose proposals come too late fail, with timeouts growing per round, then one decides', () => {
    const net = new ConsensusNet({
      powers: [1, 1, 1, 1],
      arrival: (msg, _to, _now, at) => (msg.kind === 'proposal' && msg.proposal.height === 1 && msg.proposal.round < 3 ? at + 20_000 : at),
    });
    net.runToHeight(2);
    expectAgreement(net, 2);
    expect(net.decisions.every((d) => d[0]?.round === 3)).toBe(true);
    // Node 0's propose timeouts at height 1: one per round, each longer than the last.
    const proposeTimeouts = net.effectLog
      .map((line) => line.split(' '))
      .filter((parts) => parts[1] === '0' && parts[3] === 'propose' && parts[4]?.startsWith('1/'))
      .map((parts) => ({ round: Number(parts[4]!.split('/')[1]), ms: Number(parts[5]) }));
    expect(proposeTimeouts.map((t) => t.round)).toEqual([0, 1, 2, 3]);
    expect(proposeTimeouts.map((t) => t.ms)).toEqual([1000, 1250, 1500, 1750]);
    expect(net.effectLog.some((l) => l.includes('vote 2 1/2 nil'))).toBe(true);
  });

  it('a network split in two halves stalls, and decides once it heals', () => {
    const healAt = 8_000;
    const net = new ConsensusNet({
      powers: [1, 1, 1, 1],
      arrival: (msg, to, _now, at) => ((msg.from < 2) !== (to < 2) ? Math.max(at, healAt) : at),
    });
    net.runToHeight(3);
    expectAgreement(net, 3);
    expect(net.decisions.every((d) => d[0]!.at >= healAt)).toBe(true);
  });

  it('a value locked in one round is re-proposed with its proof-of-lock and decided in a later round', () => {
    const probe = new ConsensusNet({ powers: [1, 1, 1, 1, 1, 1, 1] });
    const set = probe.setAt(1);
    const p = probe.nodeOfIndex(set.indexOf(set.proposerForRound(0).address));
    const q = probe.nodeOfIndex(set.indexOf(set.proposerForRound(1).address));
    expect(q).not.toBe(p);
    const [v, , , r, t] = [0, 1, 2, 3, 4, 5, 6].filter((n) => n !== p && n !== q) as number[];
    // Round 0 of height 1: r and t never see the proposal (they prevote nil); v's prevote for it
    // reaches only q in time, so only q and v see +2/3 prevotes, lock and precommit the block.
    const net = new ConsensusNet({
      powers: [1, 1, 1, 1, 1, 1, 1],
      arrival: (msg, to, _now, at) => {
        if (msg.kind === 'proposal' && msg.proposal.height === 1 && msg.proposal.round === 0 && (to === r || to === t)) return Infinity;
        if (msg.kind === 'vote' && msg.from === v && msg.vote.height === 1 && msg.vote.round === 0 && msg.vote.type === 1 && to !== q) return 3_100;
        return at;
      },
    });
    net.runToHeight(1);
    expectAgreement(net, 1);
    const round0 = net.proposalsSent.find((x) => x.height === 1 && x.round === 0)!;
    const round1 = net.proposalsSent.find((x) => x.height === 1 && x.round === 1)!;
    expect(round0.node).toBe(p);
    expect(round1).toMatchObject({ node: q, polRound: 0, blockHash: round0.blockHash });
    expect(net.decisions.every((d) => d[0]?.round === 1 && d[0].blockHash === round0.blockHash)).toBe(true);
    expect(net.effectLog.filter((l) => l.includes(`vote 2 1/0 ${round0.blockHash}`)).map((l) => Number(l.split(' ')[1])).sort()).toEqual([q, v].sort());
  });

  it('an invalid proposal gets nil prevotes and the next proposer\'s block is decided', () => {
    const bad = utf8('invalid');
    const probe = new ConsensusNet({ powers: [1, 1, 1, 1] });
    const firstProposer = probe.nodeOfIndex(probe.setAt(1).indexOf(probe.setAt(1).proposer.address));
    const net = new ConsensusNet({
      powers: [1, 1, 1, 1],
      buildBlock: (node, height, round) => (node === firstProposer && height === 1 ? bad : concatBytes(u64be(height), u64be(round), u64be(node))),
      isValid: (block) => block.length !== bad.length || Buffer.compare(Buffer.from(block), Buffer.from(bad)) !== 0,
    });
    net.runToHeight(3);
    expectAgreement(net, 3);
    const first = net.decisions[0]![0]!;
    expect(first.round).toBe(1);
    expect(Buffer.from(first.block).equals(Buffer.from(bad))).toBe(false);
    expect(net.effectLog.some((l) => l.includes('vote 1 1/0 nil'))).toBe(true);
  });

  it('the same configuration gives the same effects, byte for byte', () => {
    const config = () => ({ powers: [5, 3, 3, 2, 2, 1, 1], offline: [2], arrival: (_m: unknown, to: number, _now: number, at: number) => (to === 4 ? Math.max(at, 3000) : at) });
    const a = new ConsensusNet(config());
    const b = new ConsensusNet(config());
    a.runToHeight(6);
    b.runToHeight(6);
    expect(a.effectLog.length).toBeGreaterThan(100);
    expect(a.traceHash()).toBe(b.traceHash());
  });
});

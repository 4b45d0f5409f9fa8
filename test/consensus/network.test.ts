/**
 * Tendermint as the node runs it: the real driver, WAL, priv-validator, executor and app of each
 * validator (the simulator's NodeParts) on virtual time, over the simulated network that gossips
 * and relays like libp2p. Faults come from the scenario; single messages are held back with the
 * simulator's intercept, which sees every gossip copy, relays included.
 */
import { describe as suite, expect, it } from 'vitest';
import { bytesEqual } from '../../src/codec/bytes.js';
import { COMMIT_FLAG_ABSENT } from '../../src/codec/vote.js';
import { addressOf, decisionsOf, expectAgreement, nodesWith, proposalsSent, proposerNode, scenario, setAt, simulate } from '../support/sim-consensus.js';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const PREVOTE = 1;

suite('Tendermint on the simulator', () => {
  it('4 validators decide 5 heights in round 0, proposers rotating', async () => {
    const s = scenario({ powers: [1, 1, 1, 1] });
    const { sim } = await simulate({ scenario: s, stopAtHeight: 5 });
    expectAgreement(s, sim, 5, range(4));
    expect(range(4).every((n) => decisionsOf(sim, n).slice(0, 5).every((d) => d.round === 0))).toBe(true);
    const proposers = new Set(proposalsSent(sim).filter((p) => p.height <= 4).map((p) => p.node));
    expect(proposers.size).toBe(4);
  });

  it('7 validators with unequal power decide 8 heights', async () => {
    const s = scenario({ powers: [10, 20, 30, 40, 50, 60, 70] });
    const { sim } = await simulate({ scenario: s, stopAtHeight: 8 });
    expectAgreement(s, sim, 8, range(7));
  });

  it('an offline proposer costs a round, and the others still decide', async () => {
    const powers = [1, 1, 1, 1, 1, 1, 1];
    const offline = proposerNode(scenario({ powers }), 1, 0);
    // Crashed before its first fsync completes and never restarted: it sends nothing, ever.
    const s = scenario({ powers, faults: [{ type: 'crash', at: 0, node: `v${offline}` }] });
    const { sim, run } = await simulate({ scenario: s, stopAtHeight: 7 });
    const online = range(7).filter((n) => n !== offline);
    expectAgreement(s, sim, 7, online);
    for (const n of online) expect(decisionsOf(sim, n)[0]?.round).toBeGreaterThanOrEqual(1);
    // The offline validator's precommits are absent from every commit.
    const index = setAt(s, 1).indexOf(addressOf(offline));
    for (const n of online) expect(decisionsOf(sim, n).every((d) => d.commit.signatures[index]?.flag === COMMIT_FLAG_ABSENT)).toBe(true);
    expect(run.decisions[offline]).toHaveLength(0);
    expect(proposalsSent(sim).some((p) => p.node === offline)).toBe(false);
  });

  it('rounds whose proposals never arrive fail, with timeouts growing per round, then one decides', async () => {
    const s = scenario({ powers: [1, 1, 1, 1] });
    // Every copy of the proposals of rounds 0-2 of height 1 is lost (relays included). Each round
    // ends by timeouts, so the step keeps moving and catch-up (which asks peers after a stall,
    // outside gossip) never runs: no node but the proposer ever holds those proposals.
    const { sim } = await simulate({
      scenario: s,
      stopAtHeight: 2,
      intercept: (m) => (m.proposal && m.proposal.height === 1 && m.proposal.round < 3 ? [] : undefined),
    });
    expectAgreement(s, sim, 2, range(4));
    expect(range(4).every((n) => decisionsOf(sim, n)[0]?.round === 3)).toBe(true);
    // Node 0's propose timeouts at height 1: one per round, each proposeDelta longer than the last.
    const proposeTimeouts = sim.effectLog
      .map((line) => line.split(' '))
      .filter((parts) => parts[1] === '0' && parts[2] === 'timeout' && parts[3] === 'propose' && parts[4]?.startsWith('1/'))
      .map((parts) => ({ round: Number(parts[4]!.split('/')[1]), ms: Number(parts[5]) }));
    const { propose, proposeDelta } = s.timeouts as { propose: number; proposeDelta: number };
    expect(proposeTimeouts.map((t) => t.round)).toEqual([0, 1, 2, 3]);
    expect(proposeTimeouts.map((t) => t.ms)).toEqual([0, 1, 2, 3].map((r) => propose + r * proposeDelta));
    expect(sim.effectLog.some((l) => l.endsWith('vote 2 1/2 nil'))).toBe(true);
  });

  it('a network split in two halves stalls, and decides once it heals', async () => {
    const healAt = 3_000;
    const s = scenario({ powers: [1, 1, 1, 1], faults: [{ type: 'partition', at: 0, until: healAt, groups: [['v0', 'v1'], ['v2', 'v3']] }] });
    const { sim } = await simulate({ scenario: s, stopAtHeight: 3 });
    expectAgreement(s, sim, 3, range(4));
    expect(range(4).every((n) => (decisionsOf(sim, n)[0]?.at ?? -1) >= healAt)).toBe(true);
  });

  it('a value locked in one round is re-proposed with its proof-of-lock and decided in a later round', async () => {
    const powers = [1, 1, 1, 1, 1, 1, 1];
    const s = scenario({ powers });
    const p = proposerNode(s, 1, 0);
    const q = proposerNode(s, 1, 1);
    expect(q).not.toBe(p);
    const [v, , , r, t] = range(7).filter((n) => n !== p && n !== q) as number[];
    const vAddress = addressOf(v as number);
    // Round 0 of height 1: r and t never see the proposal (they prevote nil); v's prevote for it
    // reaches only q in time, so only q and v see +2/3 prevotes, lock and precommit the block.
    // The others get v's prevote at `release`, after round 0 ended (by timeouts, ~620 ms) and
    // while round 1 waits for its proposal's proof-of-lock (its propose timeout ends ~1.2 s).
    // Round 0 ends before the first +2/3 claim (Maj23Gossip, every 1 s, over request/response
    // that intercept does not see) could hand them v's prevote.
    const release = 800;
    const { sim } = await simulate({
      scenario: s,
      stopAtHeight: 1,
      intercept: (m) => {
        if (m.proposal && m.proposal.height === 1 && m.proposal.round === 0 && (m.to === r || m.to === t)) return [];
        const vote = m.vote;
        if (vote && bytesEqual(vote.validatorAddress, vAddress) && vote.height === 1 && vote.round === 0 && vote.type === PREVOTE && m.to !== q) {
          return [Math.max(release, ...m.arrivals)];
        }
        return undefined;
      },
    });
    expectAgreement(s, sim, 1, range(7));
    const round0 = proposalsSent(sim).find((x) => x.height === 1 && x.round === 0)!;
    const round1 = proposalsSent(sim).find((x) => x.height === 1 && x.round === 1)!;
    expect(round0.node).toBe(p);
    expect(round1).toMatchObject({ node: q, polRound: 0, blockHash: round0.blockHash });
    expect(range(7).every((n) => decisionsOf(sim, n)[0]?.round === 1 && decisionsOf(sim, n)[0]?.blockHash === round0.blockHash)).toBe(true);
    expect(nodesWith(sim, `vote 2 1/0 ${round0.blockHash}`).sort()).toEqual([q, v].sort());
  });

  it("an invalid proposal gets nil prevotes and the next proposer's block is decided", async () => {
    const powers = [1, 1, 1, 1];
    const bad = proposerNode(scenario({ powers }), 1, 0);
    // The first proposer is Byzantine: every block it proposes carries a transaction the app rejects.
    const s = scenario({ powers, byzantine: { [bad]: 'invalid-proposal' } });
    const { sim } = await simulate({ scenario: s, stopAtHeight: 3 });
    const correct = range(4).filter((n) => n !== bad);
    expectAgreement(s, sim, 3, correct);
    const invalid = proposalsSent(sim).find((x) => x.height === 1 && x.round === 0)!;
    expect(invalid.node).toBe(bad);
    for (const n of correct) {
      const first = decisionsOf(sim, n)[0]!;
      expect(first.round).toBe(1);
      expect(first.valid).toBe(true);
      expect(first.blockHash).not.toBe(invalid.blockHash);
    }
    expect(nodesWith(sim, 'vote 1 1/0 nil').sort()).toEqual(correct);
  });

  it('the same configuration gives the same effects, byte for byte, and another seed other ones', async () => {
    const s = scenario({
      powers: [5, 3, 3, 2, 2, 1, 1],
      network: { delay: { kind: 'uniform', minMs: 5, maxMs: 40 }, drop: 0, duplicate: 0 },
      faults: [
        { type: 'crash', at: 0, node: 'v2' },
        { type: 'link', at: 0, until: 1_500, from: 'v0', to: 'v4', oneWay: false, behaviour: { drop: 1 } },
      ],
    });
    const a = await simulate({ scenario: s, stopAtHeight: 6, seed: 11 });
    const b = await simulate({ scenario: s, stopAtHeight: 6, seed: 11 });
    const c = await simulate({ scenario: s, stopAtHeight: 6, seed: 12 });
    expect(a.sim.effectLog.length).toBeGreaterThan(100);
    expect(b.sim.effectLog).toEqual(a.sim.effectLog);
    expect(b.run.traceHash).toBe(a.run.traceHash);
    expect(c.run.traceHash).not.toBe(a.run.traceHash);
    expect(c.sim.effectLog).not.toEqual(a.sim.effectLog);
  });
});

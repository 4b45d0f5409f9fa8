/**
 * The simulated network carries the node's own gossip as libp2p does: accepted messages are
 * relayed, so a one-way cut is routed around through a third node, and a peer whose messages
 * are rejected is scored and banned by the host's own rule. Requests and answers travel as on
 * TCP streams: a lossy link delays them, only a cut loses them.
 */
import { describe, expect, it } from 'vitest';
import { decodeBlock } from '../../src/codec/block.js';
import { toHex } from '../../src/codec/bytes.js';
import { Simulator } from '../../src/sim/simulator.js';
import type { Scenario } from '../../src/sim/scenario-types.js';

const base = (over: Partial<Scenario>): Scenario => ({
  name: 'net',
  seed: 1,
  durationMs: 8_000,
  validators: ['v0', 'v1', 'v2', 'v3'].map((name) => ({ name, power: 10 })),
  network: { delay: { kind: 'uniform', minMs: 2, maxMs: 10 }, drop: 0, duplicate: 0 },
  faults: [],
  livenessBoundMs: 10_000,
  timeouts: { nextBlockDelay: 50 },
  ...over,
});

describe('the simulated network', () => {
  it('routes gossip around a one-way cut: v1 never hears v0 directly, yet decides v0\'s proposals in their round', async () => {
    const cut = base({ faults: [{ type: 'link', at: 0, from: 'v0', to: 'v1', oneWay: true, behaviour: { drop: 1 } }] });
    const sim = new Simulator({ scenario: cut, seed: 1, stopAtHeight: 12 });
    const run = await sim.execute();
    const v0 = run.validators[0]?.address as string;
    const v1 = sim.nodes[1];
    const blocks = v1?.parts?.ports.blockStore;
    if (!v1 || !blocks) throw new Error('v1 is not running');
    // The heights v0 proposed: only relays can have brought its proposal to v1, yet v1 decided each in round 0.
    const byV0: number[] = [];
    for (const d of v1.decisions) {
      const bytes = await blocks.loadBlockBytes(d.height);
      if (bytes && toHex(decodeBlock(bytes).header.proposerAddress) === v0) byV0.push(d.round);
    }
    expect(byV0.length).toBeGreaterThanOrEqual(2);
    expect(byV0.every((round) => round === 0)).toBe(true);
    expect(run.messages.lost).toBeGreaterThan(0);
  }, 60_000);

  it('carries requests and answers as streams: on a 20%-loss network every request reaches its peer and a late node syncs', async () => {
    // Gossip loses one message in five; requests and answers only pay retransmission timeouts.
    // (When they were dropped like gossip, about a third of requests went unanswered and each cost its asker a timeout.)
    const lossy = base({ durationMs: 9_000, network: { delay: { kind: 'uniform', minMs: 5, maxMs: 30 }, drop: 0.2, duplicate: 0 }, nodes: [{ name: 'f0', startAt: 2_000 }] });
    const sim = new Simulator({ scenario: lossy, seed: 1 });
    const run = await sim.execute();
    const requests = Object.values(sim.hub.stats.requests);
    const asked = requests.reduce((n, r) => n + r.count, 0);
    const answered = requests.reduce((n, r) => n + r.answers, 0);
    expect(sim.hub.stats.requests['block/1']?.count ?? 0).toBeGreaterThan(0);
    // Only a request still in flight when the run ends goes unanswered.
    expect(answered).toBeGreaterThanOrEqual(asked - 1);
    expect(run.messages.lost).toBeGreaterThan(0);
    expect(run.decisions[4]?.[0]?.height).toBe(1);
    expect(run.decisions[4]?.length ?? 0).toBeGreaterThan(5);
  }, 60_000);

  it('bans a flooding validator by the host\'s own scoring, and the others go on', async () => {
    const flood = base({ validators: [...['v0', 'v1', 'v2'].map((name) => ({ name, power: 10 })), { name: 'v3', power: 10, byzantine: 'flood' as const }] });
    const { run } = { run: await new Simulator({ scenario: flood, seed: 1 }).execute() };
    // Each correct node bans it after its first few junk messages: three bans, a handful of rejections each.
    expect(run.messages.bans).toBe(3);
    expect(run.messages.junk).toBeLessThan(30);
    // Its own turns to propose time out; the other heights go on at the network's pace.
    for (const i of [0, 1, 2]) expect(run.decisions[i]?.length ?? 0).toBeGreaterThan(10);
  }, 60_000);
});

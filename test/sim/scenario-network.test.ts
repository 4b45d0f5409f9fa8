/**
 * The link model's fault spans and message filters (src/sim/network.ts): a triggered fault is
 * inert until started, `forMs` ends it, and a `messages` fault touches only the consensus
 * messages its filter selects, never requests, answers or other gossip.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';
import { SimNetwork, type SimMessage } from '../../src/sim/network.js';
import { MESSAGE_KINDS, type FaultEvent, type LinkBehaviour, type MessageFilter } from '../../src/sim/scenario-types.js';

const names = ['v0', 'v1', 'v2', 'v3', 'f0'];
const base: LinkBehaviour = { delay: { kind: 'fixed', ms: 10 }, drop: 0, duplicate: 0 };
const lost = (net: SimNetwork, from: number, to: number, now: number, m?: SimMessage): boolean => net.arrivals(from, to, now, new Rng(1), m).length === 0;
const precommit = (signer: number, round = 0, height = 1): SimMessage => ({ kind: 'precommit', height, round, signer });

describe('SimNetwork fault spans', () => {
  it('a fault with `when` is inert until started, then lasts forMs from its start', () => {
    const faults: FaultEvent[] = [{ type: 'partition', at: 0, groups: [['v0'], ['v1', 'v2', 'v3', 'f0']], when: { height: 3 }, forMs: 500 }];
    const net = new SimNetwork(names, base, faults);
    expect(lost(net, 0, 1, 100)).toBe(false);
    net.start(0, 1_000);
    expect(lost(net, 0, 1, 999)).toBe(false);
    expect(lost(net, 0, 1, 1_000)).toBe(true);
    expect(lost(net, 0, 1, 1_499)).toBe(true);
    expect(lost(net, 0, 1, 1_500)).toBe(false);
  });

  it('a started fault without forMs lasts until end(); end() before its start or twice changes nothing more', () => {
    const faults: FaultEvent[] = [{ type: 'link', at: 0, from: 'v0', to: 'v1', oneWay: true, behaviour: { drop: 1 }, when: { height: 2, step: 'prevote' } }];
    const net = new SimNetwork(names, base, faults);
    net.start(0, 50);
    expect(lost(net, 0, 1, 10_000)).toBe(true);
    expect(lost(net, 1, 0, 10_000)).toBe(false);
    net.end(0, 20_000);
    net.end(0, 30_000);
    expect(lost(net, 0, 1, 19_999)).toBe(true);
    expect(lost(net, 0, 1, 20_000)).toBe(false);
    expect(() => net.start(1, 0)).toThrow(RangeError);
  });

  it('a fault without `when` with forMs spans [at, at + forMs)', () => {
    const net = new SimNetwork(names, base, [{ type: 'network', at: 100, forMs: 50, behaviour: { drop: 1 } }]);
    expect([99, 100, 149, 150].map((t) => lost(net, 2, 3, t))).toEqual([false, true, true, false]);
  });
});

describe('SimNetwork message filters', () => {
  const drop = (filter: MessageFilter, extra: Partial<FaultEvent> = {}): SimNetwork =>
    new SimNetwork(names, base, [{ type: 'messages', at: 0, filter, behaviour: { drop: 1 }, ...extra } as FaultEvent]);

  it("drops v2's precommits to v3 in rounds 0-1 and nothing else", () => {
    const net = drop({ kinds: ['precommit'], signer: ['v2'], to: ['v3'], rounds: { min: 0, max: 1 } });
    expect(lost(net, 2, 3, 5, precommit(2, 0))).toBe(true);
    expect(lost(net, 1, 3, 5, precommit(2, 1))).toBe(true); // relayed by v1: still v2's
    expect(lost(net, 2, 3, 5, precommit(2, 2))).toBe(false);
    expect(lost(net, 2, 1, 5, precommit(2, 0))).toBe(false);
    expect(lost(net, 2, 3, 5, { ...precommit(2, 0), kind: 'prevote' })).toBe(false);
    expect(lost(net, 2, 3, 5, precommit(1, 0))).toBe(false);
    // Not a consensus message (a sync request, an answer, a transaction): never filtered.
    expect(lost(net, 2, 3, 5)).toBe(false);
  });

  it('a messages fault wins over a link fault on the same link, and its delay applies', () => {
    const net = new SimNetwork(names, base, [
      { type: 'messages', at: 0, filter: { kinds: ['proposal'] }, behaviour: { delay: { kind: 'fixed', ms: 700 } } },
      { type: 'link', at: 0, from: 'v0', to: 'v1', oneWay: false, behaviour: { delay: { kind: 'fixed', ms: 300 } } },
    ]);
    expect(net.arrivals(0, 1, 0, new Rng(1), { kind: 'proposal', height: 1, round: 0, signer: 0 })).toEqual([700]);
    expect(net.arrivals(0, 1, 0, new Rng(1), precommit(0))).toEqual([300]);
    expect(net.arrivals(0, 1, 0, new Rng(1))).toEqual([300]);
  });

  it('matches exactly when every given field matches (generated filters and messages)', () => {
    const ix = fc.integer({ min: 0, max: names.length - 1 });
    const range = fc.tuple(fc.nat(5), fc.nat(5)).map(([a, b]) => ({ min: Math.min(a, b), max: Math.max(a, b) }));
    const filter = fc.record(
      {
        kinds: fc.uniqueArray(fc.constantFrom(...MESSAGE_KINDS), { minLength: 1 }),
        from: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }),
        to: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }),
        signer: fc.uniqueArray(fc.constantFrom(...names), { minLength: 1 }),
        heights: range,
        rounds: range,
      },
      { requiredKeys: [] },
    );
    const message = fc.record({ kind: fc.constantFrom(...MESSAGE_KINDS), height: fc.nat(6), round: fc.nat(6), signer: ix });
    fc.assert(
      fc.property(filter, ix, ix, message, fc.nat(1_000), (f, from, to, m, when) => {
        const expected =
          (f.kinds?.includes(m.kind) ?? true) &&
          (f.from?.includes(names[from] as string) ?? true) &&
          (f.to?.includes(names[to] as string) ?? true) &&
          (f.signer?.includes(names[m.signer] as string) ?? true) &&
          (f.heights === undefined || (m.height >= f.heights.min && m.height <= f.heights.max)) &&
          (f.rounds === undefined || (m.round >= f.rounds.min && m.round <= f.rounds.max));
        expect(lost(drop(f), from, to, when, m)).toBe(expected);
        // With a trigger the same fault touches nothing until started.
        const triggered = drop(f, { when: { height: 1 } });
        expect(lost(triggered, from, to, when, m)).toBe(false);
        triggered.start(0, when);
        expect(lost(triggered, from, to, when, m)).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});

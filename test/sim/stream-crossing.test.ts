/**
 * Requests and answers cross a link as TCP carries them: a random loss costs retransmission
 * timeouts (200 ms, doubling), never the message; only a cut link (a partition, drop 1, one
 * that starts before the last retransmission) loses it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/sim/rng.js';
import type { LinkBehaviour } from '../../src/sim/scenario-types.js';
import { FIRST_RTO_MS, MAX_RETRANSMISSIONS, streamArrival, type StreamLinks } from '../../src/sim/stream-crossing.js';

const DELAY = 7;
/** A link of fixed delay with `drop`, cut from `cutAt` on (a partition). */
const link = (drop: number, cutAt = Infinity): StreamLinks => ({
  separated: (_from, _to, now) => now >= cutAt,
  behaviour: (): LinkBehaviour => ({ delay: { kind: 'fixed', ms: DELAY }, drop, duplicate: 0.5 }),
});
/** Extra time after k consecutive losses: 0, 200, 600, 1400, … */
const backoffs = Array.from({ length: MAX_RETRANSMISSIONS + 1 }, (_, k) => FIRST_RTO_MS * (2 ** k - 1));

describe('a stream crossing', () => {
  it('arrives once, after the link delay plus the retransmission timeouts of the losses drawn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.double({ min: 0, max: 0.9, noNaN: true }), fc.integer({ min: 0, max: 100_000 }), (seed, drop, now) => {
        const at = streamArrival(link(drop), 0, 1, now, new Rng(seed));
        if (at !== null) expect(backoffs).toContain(at - now - DELAY);
      }),
    );
  });

  it('is never lost to random drops on a lossy link: 20% loss each way, 10,000 crossings, all arrive', () => {
    const rng = new Rng(5);
    const delays: number[] = [];
    for (let i = 0; i < 10_000; i++) delays.push((streamArrival(link(0.2), 0, 1, 0, rng) ?? NaN) - DELAY);
    expect(delays.filter((d) => Number.isNaN(d))).toEqual([]);
    // About one in five pays at least one retransmission timeout.
    const late = delays.filter((d) => d > 0).length;
    expect(late).toBeGreaterThan(1_700);
    expect(late).toBeLessThan(2_300);
  });

  it('is lost when the link is cut: a partition, drop 1, or a partition that starts before a retransmission', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 1, max: 20_000 }), (seed, now, cutAfter) => {
        expect(streamArrival(link(0.3, now), 0, 1, now, new Rng(seed))).toBeNull();
        expect(streamArrival(link(1), 0, 1, now, new Rng(seed))).toBeNull();
        // Cut later: what arrives was sent (last retransmitted) before the cut.
        const at = streamArrival(link(0.5, now + cutAfter), 0, 1, now, new Rng(seed));
        if (at !== null) expect(at - DELAY).toBeLessThan(now + cutAfter);
      }),
    );
  });

  it('gives up after the last retransmission: a link that loses nearly everything loses most messages', () => {
    const rng = new Rng(9);
    let lost = 0;
    for (let i = 0; i < 1_000; i++) if (streamArrival(link(0.99), 0, 1, 0, rng) === null) lost++;
    expect(lost).toBeGreaterThan(900);
  });
});

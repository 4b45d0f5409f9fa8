/** The direct push wire format and the limits on serving pushes, without a network. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePush, decodeVerdict, encodePush, encodeVerdict, MAX_PUSH_TOPIC_BYTES } from '../../src/p2p/direct-push.js';
import { BadRequestError } from '../../src/p2p/errors.js';
import { PushBudget, PushRate } from '../../src/p2p/push-limits.js';

describe('direct push frames', () => {
  it('round-trips any topic of 1..256 UTF-8 bytes and any data', () => {
    const topic = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' }).filter((t) => Buffer.byteLength(t) <= MAX_PUSH_TOPIC_BYTES);
    fc.assert(
      fc.property(topic, fc.uint8Array({ maxLength: 512 }), (t, data) => {
        const back = decodePush(encodePush({ topic: t, data }));
        expect(back.topic).toBe(t);
        expect(Buffer.from(back.data).equals(Buffer.from(data))).toBe(true);
      }),
    );
  });

  it('decodes arbitrary bytes to a push that re-encodes to them, or refuses them as a bad request', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (raw) => {
        let push;
        try {
          push = decodePush(raw);
        } catch (err) {
          expect(err).toBeInstanceOf(BadRequestError);
          return;
        }
        expect(Buffer.from(encodePush(push)).equals(Buffer.from(raw))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses to encode an empty or overlong topic', () => {
    expect(() => encodePush({ topic: '', data: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodePush({ topic: 'x'.repeat(MAX_PUSH_TOPIC_BYTES + 1), data: new Uint8Array(0) })).toThrow(RangeError);
  });

  it('reads a verdict only from a single known byte', () => {
    for (const v of ['accept', 'ignore', 'reject'] as const) expect(decodeVerdict(encodeVerdict(v))).toBe(v);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4 }), (raw) => {
        expect(decodeVerdict(raw) === null).toBe(raw.length !== 1 || raw[0]! > 2);
      }),
    );
  });
});

describe('push limits', () => {
  it('PushRate lets no peer past its rate in any window, whatever the timing', () => {
    const perSecond = 10;
    fc.assert(
      fc.property(fc.array(fc.record({ peer: fc.constantFrom('a', 'b', 'c'), gap: fc.integer({ min: 0, max: 300 }) }), { maxLength: 300 }), (events) => {
        let now = 0;
        const rate = new PushRate(perSecond, () => now);
        const taken: { peer: string; at: number }[] = [];
        for (const e of events) {
          now += e.gap;
          if (rate.take(e.peer)) taken.push({ peer: e.peer, at: now });
        }
        // In any span of T ms a peer gets at most the burst plus what refills in T.
        for (const first of taken) {
          const later = taken.filter((t) => t.peer === first.peer && t.at >= first.at);
          for (const [k, t] of later.entries()) expect(k + 1).toBeLessThanOrEqual(perSecond + ((t.at - first.at) * perSecond) / 1000 + 1e-9);
        }
      }),
    );
  });

  it('PushRate forgets peers whose buckets are full again, so its map stays small', () => {
    let now = 0;
    const rate = new PushRate(5, () => now);
    for (let i = 0; i < 1000; i++) {
      now += 10;
      rate.take(`peer-${i}`);
    }
    expect(rate.size).toBeLessThanOrEqual(300);
  });

  it('PushBudget caps requests per peer and in total', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ peer: fc.integer({ min: 0, max: 5 }), open: fc.boolean() }), { maxLength: 200 }), (ops) => {
        const budget = new PushBudget({ requestsPerPeer: 3, answerBytesPerPeer: 100, answerBytesTotal: 1000 }, 7);
        const open = new Map<number, number>();
        for (const op of ops) {
          const mine = open.get(op.peer) ?? 0;
          if (op.open) {
            if (budget.openRequest(String(op.peer))) open.set(op.peer, mine + 1);
          } else if (mine > 0) {
            budget.closeRequest(String(op.peer));
            open.set(op.peer, mine - 1);
          }
          const total = [...open.values()].reduce((s, n) => s + n, 0);
          expect(total).toBe(budget.inFlight);
          expect(total).toBeLessThanOrEqual(7);
          expect(Math.max(0, ...open.values())).toBeLessThanOrEqual(3);
        }
      }),
    );
  });
});

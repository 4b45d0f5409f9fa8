/**
 * The query gate's per-client limit holds whatever address form a client connects from
 * (spec/hostile-input.md, "Free work"): an IPv6 client owns at least a /64, so counting each
 * of its addresses as a client let one host take the whole node queue; an IPv4 client seen
 * as `::ffff:a.b.c.d` and as `a.b.c.d` is one client.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueryGate, QueryLimitError } from '../../src/node/query-gate.js';

const LIMITS = { gasLimit: 1, maxPerClient: 4, maxPerBatch: 8, maxQueued: 64 };

const hextet = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
/** Eight hextets, written in full or with the longest zero run compressed. */
const ipv6In = (prefix: string[]) =>
  fc.tuple(hextet, hextet, hextet, hextet).map((tail) => [...prefix, ...tail].join(':').replace(/(^|:)0(:0)+(:|$)/, '::'));

/** Admits `clients` one query each while all of them wait; the number refused. */
async function refusedOf(clients: string[]): Promise<number> {
  const gate = new QueryGate(LIMITS);
  let refused = 0;
  const admitted: Promise<unknown>[] = [];
  for (const client of clients) {
    try {
      admitted.push(gate.run(client, () => 0));
    } catch (err) {
      if (!(err instanceof QueryLimitError)) throw err;
      refused++;
    }
  }
  // run() refuses synchronously through its returned promise: count those rejections too.
  const settled = await Promise.allSettled(admitted);
  for (const s of settled) if (s.status === 'rejected' && s.reason instanceof QueryLimitError) refused++;
  return refused;
}

describe('query gate: who is one client', () => {
  it('addresses of one IPv6 /64 share one client limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(hextet, hextet, hextet, hextet), fc.integer({ min: 5, max: 40 }), fc.integer({ min: 0, max: 1 << 30 }), async (prefix, count, seed) => {
        const addresses = fc.sample(fc.array(ipv6In(prefix), { minLength: count, maxLength: count }), { numRuns: 1, seed })[0] as string[];
        expect(await refusedOf(addresses)).toBe(count - LIMITS.maxPerClient);
      }),
      { numRuns: 50 },
    );
  });

  it('an IPv4 client is one client as a mapped IPv6 address too', async () => {
    await fc.assert(
      fc.asyncProperty(fc.ipV4(), fc.array(fc.boolean(), { minLength: 5, maxLength: 20 }), async (ip, mapped) => {
        const addresses = mapped.map((m) => (m ? `::ffff:${ip}` : ip));
        expect(await refusedOf(addresses)).toBe(addresses.length - LIMITS.maxPerClient);
      }),
      { numRuns: 50 },
    );
  });

  it('different IPv4 hosts and different /64s stay different clients', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.ipV4(), { minLength: 2, maxLength: 16 }), async (ips) => {
        expect(await refusedOf(ips)).toBe(0);
      }),
      { numRuns: 50 },
    );
    const prefixes = Array.from({ length: 10 }, (_, i) => `2001:db8:${i}:1::1`);
    expect(await refusedOf(prefixes)).toBe(0);
  });
});

describe('query gate: clients that leave', () => {
  it('a waiting query whose client has gone is not run, and frees its place', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 4 }), async (leaves) => {
        const gate = new QueryGate(LIMITS);
        const ran: number[] = [];
        const gone = leaves.map(() => false);
        const runs = leaves.map((_, i) => gate.run('10.0.0.1', () => ran.push(i), () => gone[i] as boolean));
        // The clients that leave do so while their queries wait.
        leaves.forEach((leave, i) => (gone[i] = leave));
        const settled = await Promise.allSettled(runs);
        expect(ran).toEqual(leaves.flatMap((leave, i) => (leave ? [] : [i])));
        settled.forEach((s, i) => expect(s.status).toBe(leaves[i] ? 'rejected' : 'fulfilled'));
        // Nothing of theirs is left counted against the client.
        const again = await Promise.allSettled(Array.from({ length: LIMITS.maxPerClient }, () => gate.run('10.0.0.1', () => 1)));
        expect(again.every((s) => s.status === 'fulfilled')).toBe(true);
      }),
      { numRuns: 30 },
    );
  });
});

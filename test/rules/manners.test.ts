/**
 * Miss Manners, the classic Rete benchmark, as a conformance test: for 16, 32 and 64 guests the
 * rules seat everyone once, neighbours of opposite sex sharing a hobby, and the run ends by
 * itself (the context retracted).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRules, openSession } from '../../src/rules/engine.js';
import { mannersFacts, mannersGuests } from '../../src/rules/manners-data.js';

const MANNERS = readFileSync(new URL('../../bench/rules/manners.drl', import.meta.url), 'utf8');

describe('Miss Manners', () => {
  for (const n of [16, 32, 64]) {
    it(`seats ${n} guests: everyone once, neighbours of opposite sex with a hobby in common`, () => {
      const guests = mannersGuests(n);
      const session = openSession(compileRules('manners.drl', MANNERS));
      for (const f of mannersFacts(guests)) session.insert(f.type, f.fields);
      const fired = session.fire(1_000_000);
      expect(session.pending).toBe(0);
      expect(session.query('Context')).toEqual([]);
      const last = session.query('Seating').find((s) => s.fields.get('seat2')?.toString() === String(n));
      expect(last, 'a seating reaches the last seat').toBeDefined();
      const id = last?.fields.get('id')?.toString();
      const seats = session
        .query('Path')
        .filter((p) => p.fields.get('id')?.toString() === id)
        .map((p) => ({ seat: Number(p.fields.get('seat')?.toString()), name: String(p.fields.get('name')) }))
        .sort((a, b) => a.seat - b.seat);
      expect(seats.map((s) => s.seat)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(new Set(seats.map((s) => s.name)).size).toBe(n);
      const byName = new Map(guests.map((g) => [g.name, g]));
      for (let i = 1; i < n; i++) {
        const a = byName.get(seats[i - 1]?.name ?? '');
        const b = byName.get(seats[i]?.name ?? '');
        expect(a?.sex, `seats ${i} and ${i + 1}`).not.toBe(b?.sex);
        expect(a?.hobbies.some((h) => b?.hobbies.includes(h)), `seats ${i} and ${i + 1}`).toBe(true);
      }
      expect(fired).toBeGreaterThan(n);
    });
  }
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RpcError } from '../../src/rpc/errors.js';
import { addTag, formatConditions, matches, parseEventQuery, type EventTags, type QueryCondition, type QueryOp } from '../../src/rpc/event-query.js';

// ---------------------------------------------------------------------------------------------
// Generated queries

const KEYS = ['a', 'a.b', 'a.c', 'a.b.c', 'x.y', 'x-1.y_2', 'nodot', 'tm.event', 'ü.é'];
const STRINGS = ['', 'Tx', 'b', 'ab', 'abc', '5', '05', '7atom', '2013-05-03', ' sp ace ', 'ü'];
const NUMBERS = ['0', '5', '05', '5.0', '5.5', '12', '7', '100', '0.25'];
const DATES = ['2013-05-03', '2013-05-04', '2020-02-29'];
const TIMES = ['2013-05-03T14:45:00Z', '2013-05-03T16:45:00+02:00', '2020-01-01T00:00:00-05:30'];

const condition: fc.Arbitrary<QueryCondition> = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constant<QueryOp>('EXISTS') }),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<QueryOp>('=', 'CONTAINS'), text: fc.constantFrom(...STRINGS) }).map(({ key, op, text }) => ({ key, op, value: { kind: 'string' as const, text } })),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<QueryOp>('=', '<', '<=', '>', '>='), text: fc.constantFrom(...NUMBERS) }).map(({ key, op, text }) => parsedCondition(`${key} ${op} ${text}`)),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<QueryOp>('=', '<', '<=', '>', '>='), text: fc.constantFrom(...DATES) }).map(({ key, op, text }) => parsedCondition(`${key} ${op} DATE ${text}`)),
  fc.record({ key: fc.constantFrom(...KEYS), op: fc.constantFrom<QueryOp>('=', '<', '<=', '>', '>='), text: fc.constantFrom(...TIMES) }).map(({ key, op, text }) => parsedCondition(`${key} ${op} TIME ${text}`)),
);

function parsedCondition(text: string): QueryCondition {
  return parseEventQuery(text).conditions[0] as QueryCondition;
}

const conditions = fc.array(condition, { minLength: 1, maxLength: 6 });

/** A query written with arbitrary (non-empty where words meet) whitespace between its tokens. */
function spaced(cs: readonly QueryCondition[], gaps: readonly string[]): string {
  let g = 0;
  const gap = (): string => gaps[g++ % gaps.length] as string;
  return cs
    .map((c) => {
      if (c.value === undefined) return `${c.key}${gap()}EXISTS`;
      const v = c.value.kind === 'string' ? `'${c.value.text}'` : c.value.kind === 'number' ? c.value.text : `${c.value.kind === 'date' ? 'DATE' : 'TIME'} ${c.value.text}`;
      return `${c.key}${gap()}${c.op}${gap()}${v}`;
    })
    .join(`${gap()}AND${gap()}`);
}

// ---------------------------------------------------------------------------------------------
// The reference: CometBFT's matching written plainly, over JavaScript numbers and Date.parse
// (exact for the small values generated here).

const TAG_VALUES = ['', 'Tx', 'b', 'abc', '5', '5.0', '005', '5.5', '7atom', '-3', '12', '100', '0.25', '2013-05-03', '2013-05-04', '2020-02-29', '2013-05-03T14:45:00Z', '2013-05-03T14:45:00.5Z', '2020-01-01T05:30:00Z', 'ü'];

const tagsArb: fc.Arbitrary<[string, string][]> = fc.array(fc.tuple(fc.constantFrom(...KEYS), fc.constantFrom(...TAG_VALUES)), { maxLength: 8 });

function referenceNumber(s: string): number | undefined {
  const m = /^\d+(\.\d+)?/.exec(s);
  return m ? Number(m[0]) : undefined;
}

function referenceInstant(s: string, kind: 'date' | 'time'): number | undefined {
  const ok = kind === 'date' ? /^\d{4}-\d{2}-\d{2}$/.test(s) : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(s);
  if (!ok) return undefined;
  const t = Date.parse(kind === 'date' ? `${s}T00:00:00Z` : s);
  return Number.isNaN(t) ? undefined : t;
}

function compare(op: QueryOp, a: number, b: number): boolean {
  return op === '=' ? a === b : op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function referenceMatch(c: QueryCondition, s: string): boolean {
  const v = c.value;
  if (c.op === 'EXISTS' || !v) return true;
  if (c.op === 'CONTAINS') return s.includes(v.text);
  if (v.kind === 'string') return s === v.text;
  if (v.kind === 'number') {
    const n = referenceNumber(s);
    return n !== undefined && compare(c.op, n, Number(v.text));
  }
  const t = referenceInstant(s, v.kind);
  const q = referenceInstant(v.text, v.kind) as number;
  return t !== undefined && compare(c.op, t, q);
}

/** CometBFT's query.Matches: expand the flat tags into events (type = up to the last dot), then each condition over each event. */
function reference(cs: readonly QueryCondition[], flat: readonly [string, string][]): boolean {
  const byKey = new Map<string, string[]>();
  for (const [k, v] of flat) byKey.set(k, [...(byKey.get(k) ?? []), v]);
  const events = [...byKey].map(([composite, values]) => {
    const parts = composite.split('.');
    const attr = parts.pop() as string;
    return { type: parts.join('.'), attrs: values.map((value) => ({ key: attr, value })) };
  });
  if (events.length === 0) return false;
  return cs.every((c) =>
    events.some((e) => {
      if (!c.key.startsWith(e.type)) return false;
      if (c.key.length === e.type.length) return referenceMatch(c, '');
      return e.attrs.some((a) => `${e.type}.${a.key}` === c.key && referenceMatch(c, a.value));
    }),
  );
}

function tagsFrom(flat: readonly [string, string][]): EventTags {
  const tags: EventTags = new Map();
  for (const [k, v] of flat) addTag(tags, k, v);
  return tags;
}

describe('event query language: properties', () => {
  it('a printed query parses back to the same conditions, however it is spaced', () => {
    fc.assert(
      fc.property(conditions, fc.array(fc.constantFrom(' ', '  ', '\t', '\n', ' \u00a0'), { minLength: 1, maxLength: 5 }), (cs, gaps) => {
        const printed = formatConditions(cs);
        const parsed = parseEventQuery(printed);
        expect(parsed.conditions).toEqual(cs);
        expect(parsed.normalized).toBe(printed);
        expect(parseEventQuery(spaced(cs, gaps)).normalized).toBe(printed);
      }),
      { numRuns: 500 },
    );
  });

  it('matches agrees with a plain rendering of CometBFT matching', () => {
    fc.assert(
      fc.property(conditions, tagsArb, (cs, flat) => {
        expect(matches({ conditions: cs }, tagsFrom(flat))).toBe(reference(cs, flat));
      }),
      { numRuns: 3000 },
    );
  });

  it('any text is a query or invalid params, never another error', () => {
    const fragments = fc.constantFrom("'", '=', '<=', '>', ' AND ', 'AND', 'EXISTS', 'CONTAINS', 'DATE ', 'TIME ', '2013-05-03', 'T14:45:00Z', '.', '5', '5.', 'a.b', ' ', '\u0000', '\ud800', '😀', 'é');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 600 }), fc.array(fragments, { maxLength: 40 }).map((parts) => parts.join('')));
    fc.assert(
      fc.property(text, (t) => {
        try {
          const q = parseEventQuery(t);
          expect(parseEventQuery(q.normalized).normalized).toBe(q.normalized);
          matches(q, tagsFrom([['a.b', t]]));
        } catch (err) {
          expect(err).toBeInstanceOf(RpcError);
          expect((err as RpcError).rpcCode).toBe(-32602);
        }
      }),
      { numRuns: 3000 },
    );
  });
});

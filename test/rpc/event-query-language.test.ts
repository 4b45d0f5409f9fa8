import { describe, expect, it } from 'vitest';
import { RpcError } from '../../src/rpc/errors.js';
import { addTag, matches, parseEventQuery, type EventTags } from '../../src/rpc/event-query.js';

function tagsOf(entries: Record<string, string[]>): EventTags {
  const tags: EventTags = new Map();
  for (const [k, vs] of Object.entries(entries)) for (const v of vs) addTag(tags, k, v);
  return tags;
}

const holds = (query: string, entries: Record<string, string[]>): boolean => matches(parseEventQuery(query), tagsOf(entries));

function refusal(query: string): string {
  try {
    parseEventQuery(query);
  } catch (err) {
    expect(err).toBeInstanceOf(RpcError);
    expect((err as RpcError).rpcCode).toBe(-32602);
    return (err as RpcError).data ?? '';
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

describe('event query language (CometBFT 0.38 grammar)', () => {
  it('prints the normalized form and keeps the text as written', () => {
    const q = parseEventQuery("  tm.event='Tx'AND tx.height>=5 AND  transfer EXISTS AND memo CONTAINS 'a b' AND t.d < DATE 2013-05-03 AND t.t = TIME 2013-05-03T14:45:00+02:00 ");
    expect(q.text).toBe("tm.event='Tx'AND tx.height>=5 AND  transfer EXISTS AND memo CONTAINS 'a b' AND t.d < DATE 2013-05-03 AND t.t = TIME 2013-05-03T14:45:00+02:00");
    expect(q.normalized).toBe("tm.event = 'Tx' AND tx.height >= 5 AND transfer EXISTS AND memo CONTAINS 'a b' AND t.d < DATE 2013-05-03 AND t.t = TIME 2013-05-03T14:45:00+02:00");
    expect(q.conditions.map((c) => c.op)).toEqual(['=', '>=', 'EXISTS', 'CONTAINS', '<', '=']);
  });

  it('compares numbers exactly as decimals, whatever their size', () => {
    expect(holds('a.n = 9007199254740993', { 'a.n': ['9007199254740992'] })).toBe(false);
    expect(holds('a.n > 9007199254740992', { 'a.n': ['9007199254740993'] })).toBe(true);
    expect(holds('a.n < 100000000000000000000000000000.000000000000000000001', { 'a.n': ['100000000000000000000000000000'] })).toBe(true);
    expect(holds('a.n = 5', { 'a.n': ['5.000', '7'] })).toBe(true);
    expect(holds('a.n = 5', { 'a.n': ['005'] })).toBe(true);
    expect(holds('a.n >= 0.1', { 'a.n': ['0.10'] })).toBe(true);
    expect(holds('a.n > 0.1', { 'a.n': ['0.10'] })).toBe(false);
    expect(holds('a.n < 0.51', { 'a.n': ['0.5'] })).toBe(true);
    expect(holds('a.n < 0.51', { 'a.n': ['0.6'] })).toBe(false);
  });

  it("reads an attribute's leading number as CometBFT does (8atom is 8; a sign or a letter first is no number)", () => {
    expect(holds('coin.amount = 8', { 'coin.amount': ['8atom'] })).toBe(true);
    expect(holds('coin.amount > 6.4', { 'coin.amount': ['6.5stake'] })).toBe(true);
    expect(holds('coin.amount < 100', { 'coin.amount': ['-5'] })).toBe(false);
    expect(holds('coin.amount < 100', { 'coin.amount': ['x5'] })).toBe(false);
    expect(holds("coin.amount = '8'", { 'coin.amount': ['8atom'] })).toBe(false);
  });

  it('a condition holds if any value of its key satisfies it', () => {
    expect(holds("transfer.recipient = '0xb'", { 'transfer.recipient': ['0xa', '0xb'] })).toBe(true);
    expect(holds('h.x > 5 AND h.x < 3', { 'h.x': ['1', '9'] })).toBe(true);
    expect(holds("transfer.recipient = '0xc'", { 'transfer.recipient': ['0xa', '0xb'] })).toBe(false);
  });

  it('CONTAINS and EXISTS, and an event type as a key (CometBFT matches it against the empty value)', () => {
    expect(holds("memo.text CONTAINS 'ell'", { 'memo.text': ['hello'] })).toBe(true);
    expect(holds("memo.text CONTAINS 'xyz'", { 'memo.text': ['hello'] })).toBe(false);
    expect(holds('memo.text EXISTS', { 'memo.text': ['hello'] })).toBe(true);
    expect(holds('memo.other EXISTS', { 'memo.text': ['hello'] })).toBe(false);
    expect(holds('memo EXISTS', { 'memo.text': ['hello'] })).toBe(true);
    expect(holds("memo = ''", { 'memo.text': ['hello'] })).toBe(true);
    expect(holds("memo = 'hello'", { 'memo.text': ['hello'] })).toBe(false);
    // A key is split at its last dot: a.b is the type of a.b.c, not a.
    expect(holds('a.b EXISTS', { 'a.b.c': ['1'] })).toBe(true);
    expect(holds('a EXISTS', { 'a.b.c': ['1'] })).toBe(false);
    expect(holds('nodot EXISTS', { nodot: ['1'] })).toBe(false);
  });

  it('dates and times compare as instants; attribute values may carry fractions and offsets', () => {
    expect(holds('t.d = DATE 2013-05-03', { 't.d': ['2013-05-03'] })).toBe(true);
    expect(holds('t.d > DATE 2013-05-03', { 't.d': ['2013-05-04'] })).toBe(true);
    expect(holds('t.d < DATE 2013-05-03', { 't.d': ['2013-05-03T00:00:00Z'] })).toBe(false);
    expect(holds('t.t = TIME 2013-05-03T14:45:00Z', { 't.t': ['2013-05-03T16:45:00+02:00'] })).toBe(true);
    expect(holds('t.t < TIME 2013-05-03T14:45:00Z', { 't.t': ['2013-05-03T14:44:59.999999999Z'] })).toBe(true);
    expect(holds('t.t >= TIME 2013-05-03T14:45:00Z', { 't.t': ['2013-05-03T14:44:59.999999999Z'] })).toBe(false);
    expect(holds('t.t > TIME 2013-05-03T14:45:00Z', { 't.t': ['not a time', '2013-02-30T00:00:00Z'] })).toBe(false);
  });

  it('an empty set of tags matches nothing', () => {
    expect(matches(parseEventQuery('a.b EXISTS'), new Map())).toBe(false);
  });

  it.each([
    ["tm.event = 'Tx' OR x.y=1", 16],
    ['tm.event', 8],
    ["tm.event='unterminated", 9],
    ["tx.height < 'five'", 12],
    ['memo.text CONTAINS 5', 19],
    ['a.b = 5.', 7],
    ['a.b == 5', 5],
    ["a.b = 'x' AND", 13],
    ['a.b = DATE 1899-12-31', 11],
    ['a.b = DATE 2013-02-30', 11],
    ['a.b = TIME 2013-05-03T14:45:00', 11],
    ['a.b = TIME 2013-05-03T24:00:00Z', 11],
    ['a.b = DATE  2013-05-03', 11],
    ['.a = 1', 0],
    ['a.b = "x"', 6],
    ['(a.b = 1)', 0],
  ])('refuses %j, naming offset %i', (query, offset) => {
    expect(refusal(query)).toContain(`offset ${offset}`);
  });

  it('refuses empty, over-long and over-many-condition queries', () => {
    expect(refusal('   ')).toMatch(/empty/);
    expect(refusal('a'.repeat(513))).toMatch(/512/);
    const conditions = (n: number): string => Array.from({ length: n }, (_, i) => `k.${i}=1`).join(' AND ');
    expect(parseEventQuery(conditions(32)).conditions).toHaveLength(32);
    expect(refusal(conditions(33))).toMatch(/more than 32 conditions/);
  });

  it('keys take letters and digits of any script, dots, dashes and underscores; DATE and TIME not followed by a space are keys', () => {
    expect(holds("ünï-cödé_1.κλειδί = 'v'", { 'ünï-cödé_1.κλειδί': ['v'] })).toBe(true);
    expect(parseEventQuery('DATE>=1').conditions[0]?.key).toBe('DATE');
    expect(refusal('DATE EXISTS')).toMatch(/invalid DATE/);
    expect(parseEventQuery('TIME=1').conditions[0]?.key).toBe('TIME');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTag, matches, parseEventQuery, wellFormed, type EventTags } from '../../src/rpc/event-query.js';

describe('subscription queries', () => {
  const tags: EventTags = new Map();
  addTag(tags, 'tm.event', 'Tx');
  addTag(tags, 'tx.height', '7');
  addTag(tags, 'transfer.recipient', '0xabc');

  it('matches conjunctions of text and number conditions', () => {
    expect(matches(parseEventQuery("tm.event='Tx'"), tags)).toBe(true);
    expect(matches(parseEventQuery("tm.event='Tx' AND tx.height=7"), tags)).toBe(true);
    expect(matches(parseEventQuery("tm.event='Tx' AND transfer.recipient='0xdef'"), tags)).toBe(false);
    expect(matches(parseEventQuery("tm.event='NewBlock'"), tags)).toBe(false);
  });

  it.each(['', "tm.event = 'Tx' OR x=1", 'tm.event', "tm.event='unterminated", 'a'.repeat(600)])('rejects %j', (q) => {
    expect(() => parseEventQuery(q)).toThrow(/Invalid params/);
  });
});

describe('query strings are well-formed', () => {
  it('wellFormed is UTF-8 round-tripping: a lone surrogate becomes U+FFFD, everything else is kept', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.array(fc.integer({ min: 0xd800, max: 0xdfff }), { maxLength: 3 }), (text, surrogates) => {
        const mixed = text + String.fromCharCode(...surrogates) + text;
        expect(wellFormed(mixed)).toBe(Buffer.from(mixed, 'utf8').toString('utf8'));
      }),
    );
  });

  it("a parsed string holding a lone surrogate is U+FFFD in its conditions and printed form, not in the text as written", () => {
    const query = parseEventQuery("a.b='x\ud800y' AND a.c CONTAINS '\udc00'");
    expect(query.conditions.map((c) => c.value?.text)).toEqual(['x\uFFFDy', '\uFFFD']);
    expect(query.normalized).toBe("a.b = 'x\uFFFDy' AND a.c CONTAINS '\uFFFD'");
    expect(query.text).toBe("a.b='x\ud800y' AND a.c CONTAINS '\udc00'");
  });
});

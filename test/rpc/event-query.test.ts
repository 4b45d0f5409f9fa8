import { describe, expect, it } from 'vitest';
import { addTag, matches, parseEventQuery, type EventTags } from '../../src/rpc/event-query.js';

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

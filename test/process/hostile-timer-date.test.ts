/**
 * A timer's date is read field by field: `2027-02-30` is no date (V8's Date.parse would roll it
 * over to March, another engine need not), a leap day is.
 */
import { describe, expect, it } from 'vitest';
import { parseDate } from '../../src/process/timers.js';

describe('timeDate values the engine rolls over', () => {
  for (const text of ['2027-02-30T00:00:00Z', '2027-02-31T00:00:00Z', '2027-04-31T12:00:00+02:00', '2026-02-29T00:00:00Z']) {
    it(`${text} is refused`, () => {
      expect(parseDate(text)).toBeNull();
    });
  }
  it('a real date is accepted', () => {
    expect(parseDate('2028-02-29T00:00:00Z')).toEqual({ kind: 'at', ms: Date.UTC(2028, 1, 29) });
  });
});

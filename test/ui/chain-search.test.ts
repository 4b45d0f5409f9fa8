import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { classifySearch, MAX_SEARCH_LENGTH } from '../../ui/src/chain/search.js';

const HASH = '0e78522c2ab058cf8e7ba66b6fbf0d449e96ad473801fe6a008824415a2e4367';
const ADDRESS = '7A9437E0B086DE008D23CDBB1B8DDE2E75C04702';

describe('classifySearch', () => {
  it('reads a height, trimming blanks', () => {
    expect(classifySearch('  42\n')).toEqual({ kind: 'height', height: 42 });
    expect(classifySearch('007')).toEqual({ kind: 'height', height: 7 });
  });

  it('refuses height 0 and heights past what the page can pass exactly', () => {
    expect(classifySearch('0').kind).toBe('refused');
    expect(classifySearch(String(Number.MAX_SAFE_INTEGER))).toEqual({ kind: 'height', height: Number.MAX_SAFE_INTEGER });
    expect(classifySearch('9007199254740993').kind).toBe('refused');
  });

  it('reads a 64-hex hash with or without 0x, as upper case', () => {
    expect(classifySearch(HASH)).toEqual({ kind: 'hash', hash: HASH.toUpperCase() });
    expect(classifySearch(`0x${HASH}`)).toEqual({ kind: 'hash', hash: HASH.toUpperCase() });
  });

  it('reads a 40-hex address with or without 0x, as 0x lower case', () => {
    expect(classifySearch(ADDRESS)).toEqual({ kind: 'address', address: `0x${ADDRESS.toLowerCase()}` });
    expect(classifySearch(`0X${ADDRESS}`)).toEqual({ kind: 'address', address: `0x${ADDRESS.toLowerCase()}` });
  });

  it('refuses hex of another length saying how long hashes and addresses are', () => {
    const r = classifySearch('0xabc');
    expect(r.kind).toBe('refused');
    if (r.kind === 'refused') expect(r.reason).toMatch(/64.*40/);
  });

  it('refuses empty text, words and text past the bound', () => {
    for (const text of ['', '   ', 'hello', '0x', '12a', '-5', '1.5', 'x'.repeat(MAX_SEARCH_LENGTH + 1), `${HASH}00`]) {
      expect(classifySearch(text).kind, text).toBe('refused');
    }
  });

  it('gives any text a classification or a refusal with a reason, never a throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.stringMatching(/^\s*(0x)?[0-9a-fA-F]{0,70}\s*$/), fc.stringMatching(/^[0-9]{0,25}$/)), (text) => {
        const r = classifySearch(text);
        switch (r.kind) {
          case 'height':
            expect(Number.isSafeInteger(r.height) && r.height >= 1).toBe(true);
            expect(BigInt(text.trim())).toBe(BigInt(r.height));
            break;
          case 'hash':
            expect(r.hash).toMatch(/^[0-9A-F]{64}$/);
            break;
          case 'address':
            expect(r.address).toMatch(/^0x[0-9a-f]{40}$/);
            break;
          case 'refused':
            expect(r.reason.length).toBeGreaterThan(0);
            expect(r.reason.length).toBeLessThan(200);
            break;
        }
      }),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatBitArray, formatVoteSummary, parseBitArray, parseVoteSummary, readSlot, type VoteSummary } from '../../ui/src/consensus/votes.js';

const hex12 = fc.stringMatching(/^[0-9A-F]{12}$/);
const summary: fc.Arbitrary<VoteSummary> = fc.record({
  index: fc.nat({ max: 999 }),
  address: hex12,
  height: fc.nat({ max: 2 ** 40 }),
  round: fc.nat({ max: 999 }),
  kind: fc.constantFrom('prevote' as const, 'precommit' as const),
  block: fc.oneof(fc.constant(''), hex12.filter((h) => h !== '000000000000')),
});

describe('vote summaries', () => {
  it('read back what the RPC writes', () => {
    fc.assert(fc.property(summary, (v) => {
      expect(parseVoteSummary(formatVoteSummary(v))).toEqual(v);
    }));
  });

  it("read cmt's form of the RPC (src/rpc/comet-consensus-views.ts)", () => {
    expect(parseVoteSummary('Vote{2:50A8FF34A301 17/1 Precommit 8B01023386C3}')).toEqual({ index: 2, address: '50A8FF34A301', height: 17, round: 1, kind: 'precommit', block: '8B01023386C3' });
    expect(readSlot('Vote{0:50A8FF34A301 17/0 Prevote nil}')).toMatchObject({ vote: 'nil' });
    expect(readSlot('nil-Vote')).toEqual({ vote: 'none' });
  });

  it("read CometBFT's own form, whose nil block is a zero fingerprint", () => {
    const block = 'Vote{1:7B3A4D2E1F00 1234/00/SIGNED_MSG_TYPE_PREVOTE(Prevote) 8B01023386C3 6AF1F4111082 000000000000 @ 2024-01-02T03:04:05.123456789Z}';
    expect(parseVoteSummary(block)).toEqual({ index: 1, address: '7B3A4D2E1F00', height: 1234, round: 0, kind: 'prevote', block: '8B01023386C3' });
    const nil = 'Vote{3:7B3A4D2E1F00 1234/02/SIGNED_MSG_TYPE_PRECOMMIT(Precommit) 000000000000 6AF1F4111082 000000000000 @ 2024-01-02T03:04:05Z}';
    expect(readSlot(nil)).toMatchObject({ vote: 'nil', summary: { round: 2, kind: 'precommit', block: '' } });
  });

  it('refuse junk without throwing: any value is a vote or none', () => {
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const slot = readSlot(junk);
        expect(['none', 'nil', 'block']).toContain(slot.vote);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        fc.pre(!s.startsWith('Vote{'));
        expect(parseVoteSummary(s)).toBeUndefined();
      }),
    );
    for (const bad of ['Vote{}', 'Vote{1:ZZ 1/0 Prevote nil}', 'Vote{1:AB 1/0 Vote nil}', 'Vote{1:AB 1/0 Prevote nil', `Vote{1:AB 1/0 Prevote nil ${'x'.repeat(500)}}`, 'Vote{-1:AB 1/0 Prevote nil}']) {
      expect(parseVoteSummary(bad), bad).toBeUndefined();
    }
  });
});

describe('bit arrays', () => {
  const bitArray = fc.array(fc.boolean(), { maxLength: 120 }).chain((bits) =>
    fc.nat({ max: 10 ** 9 }).chain((total) => fc.record({ bits: fc.constant(bits), voted: fc.nat({ max: total }), total: fc.constant(total) })),
  );

  it('read back what the RPC writes', () => {
    fc.assert(fc.property(bitArray, (b) => {
      expect(parseBitArray(formatBitArray(b))).toEqual(b);
    }));
    expect(parseBitArray('BA{4:xx_x} 30/40 = 0.75')).toEqual({ bits: [true, true, false, true], voted: 30, total: 40 });
  });

  it('refuse junk, a size that disagrees with the bits, and the nil-BitArray', () => {
    fc.assert(fc.property(fc.anything(), (junk) => {
      expect(() => parseBitArray(junk)).not.toThrow();
    }));
    for (const bad of ['nil-BitArray', 'BA{3:xx_x} 30/40 = 0.75', 'BA{4:xxyx} 1/2 = 0.50', '', 'BA{4:xx_x}']) {
      expect(parseBitArray(bad), bad).toBeUndefined();
    }
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bpsText, candidateRows, isJailed, percentOf, stakeTotals, validatorRows, type Candidate, type StakingValidator } from '../../ui/src/stake/stake-rows.js';
import { proposalKind, tallyView } from '../../ui/src/stake/tally.js';

const E18 = 10n ** 18n;

const validator = (address: string, power: number, extra: Partial<StakingValidator> = {}): StakingValidator => ({
  address,
  voting_power: String(power),
  owner: `0x${'0'.repeat(39)}${power % 10}`,
  name: `v${power}`,
  status: 'active',
  total_stake: String(BigInt(power) * E18),
  self_stake: String(BigInt(power) * E18 / 4n),
  commission_bps: 1000,
  signing_info: { start_height: '1', index_offset: '5', missed_blocks: '3', window: '100' },
  ...extra,
});

const candidate = (owner: string, role: string, stake: bigint, extra: Partial<Candidate> = {}): Candidate => ({
  owner,
  consensus_address: `0x${owner.slice(2).split('').reverse().join('')}`,
  total_stake: String(stake),
  self_stake: String(stake / 2n),
  commission_bps: 500,
  status: 'active',
  jailed_until: '0',
  tombstoned: false,
  role,
  voting_power: '0',
  delegators: 1,
  name: '',
  ...extra,
});

describe('percentOf', () => {
  it('is exact to two decimals and rounds half up', () => {
    expect(percentOf(1n, 3n)).toBe('33.33');
    expect(percentOf(2n, 3n)).toBe('66.67');
    expect(percentOf(5n, 5n)).toBe('100.00');
    expect(percentOf(1n, 0n)).toBe('0.00');
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 1n, max: 10n ** 30n }), (a, b) => {
        const part = a % (b + 1n);
        expect(Math.abs(Number(percentOf(part, b)) - (Number(part) / Number(b)) * 100)).toBeLessThanOrEqual(0.0051);
      }),
    );
  });

  it('commission in basis points reads as a percentage', () => {
    expect(bpsText(1000)).toBe('10%');
    expect(bpsText(125)).toBe('1.25%');
    expect(bpsText(0)).toBe('0%');
    expect(bpsText(null)).toBe('—');
  });
});

describe('validatorRows', () => {
  it('sorts by power, gives each its share, splits self and delegated stake and reads the missed blocks', () => {
    const rows = validatorRows([validator('0xAA', 1), validator('0xbb', 3)]);
    expect(rows.map((r) => r.address)).toEqual(['0xbb', '0xaa']);
    expect(rows.map((r) => r.share)).toEqual(['75.00', '25.00']);
    expect(rows[0]).toMatchObject({ totalStake: 3n * E18, selfStake: (3n * E18) / 4n, delegated: 3n * E18 - (3n * E18) / 4n, missed: 3, window: 100, jailed: false, commissionBps: 1000 });
  });

  it('a genesis validator without a candidacy has no stake figures; a jailed or tombstoned candidacy marks the row', () => {
    const bare = validator('0x01', 5, { owner: null, status: null, total_stake: null, self_stake: null, commission_bps: null, signing_info: null, name: '' });
    const jailed = validator('0x02', 5, { status: 'jailed' });
    const tomb = validator('0x03', 5);
    const rows = validatorRows([bare, jailed, tomb], [candidate('0xc3', 'validator', 1n, { consensus_address: '0x03', tombstoned: true })]);
    const by = new Map(rows.map((r) => [r.address, r]));
    expect(by.get('0x01')).toMatchObject({ totalStake: null, delegated: null, missed: null, jailed: false, status: 'genesis' });
    expect(by.get('0x02')?.jailed).toBe(true);
    expect(by.get('0x03')?.jailed).toBe(true);
    expect(isJailed('active')).toBe(false);
  });
});

describe('candidates and totals', () => {
  it('validators first, then backups, then the rest, each by stake', () => {
    const cs = [candidate('0x01', 'none', 9n), candidate('0x02', 'backup', 1n), candidate('0x03', 'validator', 2n), candidate('0x04', 'validator', 5n), candidate('0x05', 'backup', 3n)];
    expect(candidateRows(cs).map((c) => c.owner)).toEqual(['0x04', '0x03', '0x05', '0x02', '0x01']);
  });

  it('totals count power and stake, leave withdrawn stake out and count the jailed', () => {
    const rows = validatorRows([validator('0xa1', 2), validator('0xa2', 6)]);
    const cs = [candidate('0x01', 'validator', 10n), candidate('0x02', 'none', 7n, { status: 'withdrawn' }), candidate('0x03', 'none', 4n, { status: 'jailed' })];
    expect(stakeTotals(rows, cs)).toEqual({ validators: 2, candidates: 3, power: 8n, bondedStake: 8n * E18, candidateStake: 14n, jailed: 1 });
  });
});

describe('tallyView', () => {
  it('decides quorum and passing exactly as the chain (strictly above the thresholds)', () => {
    // bonded 10000, quorum 33.40%: 3340 voted is not enough, 3341 is.
    expect(tallyView({ yes: '3340', no: '0', abstain: '0', bonded: '10000' }, 3340, 6667).quorumMet).toBe(false);
    expect(tallyView({ yes: '3341', no: '0', abstain: '0', bonded: '10000' }, 3340, 6667).quorumMet).toBe(true);
    // pass 66.67% of yes + no: 6667 / 10000 is not above, 6668 is.
    expect(tallyView({ yes: '6667', no: '3333', abstain: '0', bonded: '20000' }, 3340, 6667).passing).toBe(false);
    expect(tallyView({ yes: '6668', no: '3332', abstain: '0', bonded: '20000' }, 3340, 6667).passing).toBe(true);
    expect(tallyView({ yes: '0', no: '0', abstain: '0', bonded: '100' }, 3340, 6667)).toMatchObject({ quorumMet: false, passing: false });
  });

  it('places the bar parts as shares of bonded stake and the lines where quorum and threshold lie', () => {
    const t = tallyView({ yes: String(50n * E18), no: String(10n * E18), abstain: String(20n * E18), bonded: String(200n * E18) }, 3340, 6667);
    expect([t.yesPct, t.noPct, t.abstainPct]).toEqual([25, 5, 10]);
    expect(t.quorumPct).toBeCloseTo(33.4, 9);
    expect(t.thresholdPct).toBeCloseTo(30 * 0.6667, 9);
    expect(t.quorumMet).toBe(true);
  });

  it('names a proposal by what it changes', () => {
    expect(proposalKind({ change: { type: 'params', changes: [{ name: 'staking.epochBlocks', value: '12' }] } })).toBe('params: staking.epochBlocks=12');
    expect(proposalKind({ change: { type: 'communitySpend', recipient: '0xab', amount: '1' } })).toBe('community spend to 0xab');
  });
});

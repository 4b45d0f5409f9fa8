/**
 * The stake view's rows from the node's staking answers (spec/queries.md: /staking/validators,
 * /staking/candidates): amounts stay base-unit decimal strings and are compared as bigints, so
 * no stake is rounded through a float before it is shown.
 */

export interface SigningInfo {
  start_height: string;
  index_offset: string;
  missed_blocks: string;
  window: string;
}

/** One elected validator as `staking_validators` answers it (genesis validators may lack a candidacy: nulls). */
export interface StakingValidator {
  address: string;
  voting_power: string;
  owner: string | null;
  name: string;
  status: string | null;
  total_stake: string | null;
  self_stake: string | null;
  commission_bps: number | null;
  signing_info: SigningInfo | null;
}

export interface Candidate {
  owner: string;
  consensus_address: string;
  total_stake: string;
  self_stake: string;
  commission_bps: number;
  status: string;
  jailed_until: string;
  tombstoned: boolean;
  role: string;
  voting_power: string;
  delegators: number;
  name: string;
  website?: string;
}

export interface StakingValidatorsAnswer {
  height: string;
  validators: StakingValidator[];
  backups: Candidate[];
}

export interface CandidatesAnswer {
  total: string;
  candidates: Candidate[];
}

export interface ValidatorRow {
  /** Consensus address, 0x lower-case hex. */
  address: string;
  owner: string | null;
  name: string;
  power: bigint;
  /** Percent of the set's power, two decimals. */
  share: string;
  totalStake: bigint | null;
  selfStake: bigint | null;
  delegated: bigint | null;
  commissionBps: number | null;
  missed: number | null;
  window: number | null;
  jailed: boolean;
  status: string;
}

export interface StakeTotals {
  validators: number;
  candidates: number;
  power: bigint;
  /** Stake of the elected validators. */
  bondedStake: bigint;
  /** Stake of every active candidate (validators, backups and the rest). */
  candidateStake: bigint;
  jailed: number;
}

/** A base-unit decimal string as a bigint; anything else (null, junk) as null. */
export function toBig(value: string | null | undefined): bigint | null {
  if (typeof value !== 'string' || !/^-?\d+$/.test(value)) return null;
  return BigInt(value);
}

/** part / whole as a percentage with two decimals, exact ("0.00" when whole is 0). */
export function percentOf(part: bigint, whole: bigint): string {
  if (whole <= 0n) return '0.00';
  const hundredths = (part * 10_000n + whole / 2n) / whole;
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}`;
}

/** Basis points as a percentage: 1000 → "10%", 125 → "1.25%". */
export function bpsText(bps: number | null): string {
  if (bps === null || !Number.isFinite(bps)) return '—';
  return `${(bps / 100).toFixed(2).replace(/\.?0+$/, '')}%`;
}

/** Jailed for as long as it stays so: a tombstoned candidate never returns. */
export function isJailed(status: string | null | undefined, tombstoned = false): boolean {
  return tombstoned || status === 'jailed' || status === 'tombstoned';
}

/** The validators, largest power first (ties by address so rows do not jump between polls). */
export function validatorRows(validators: readonly StakingValidator[], candidates: readonly Candidate[] = []): ValidatorRow[] {
  const byAddress = new Map(candidates.map((c) => [c.consensus_address.toLowerCase(), c]));
  const power = validators.reduce((sum, v) => sum + (toBig(v.voting_power) ?? 0n), 0n);
  return validators
    .map((v): ValidatorRow => {
      const c = byAddress.get(v.address.toLowerCase());
      const p = toBig(v.voting_power) ?? 0n;
      const total = toBig(v.total_stake);
      const self = toBig(v.self_stake);
      const missed = v.signing_info ? Number(v.signing_info.missed_blocks) : null;
      const window = v.signing_info ? Number(v.signing_info.window) : null;
      const status = v.status ?? c?.status ?? 'genesis';
      return {
        address: v.address.toLowerCase(),
        owner: v.owner,
        name: v.name || c?.name || '',
        power: p,
        share: percentOf(p, power),
        totalStake: total,
        selfStake: self,
        delegated: total !== null && self !== null ? total - self : null,
        commissionBps: v.commission_bps,
        missed: missed !== null && Number.isFinite(missed) ? missed : null,
        window: window !== null && Number.isFinite(window) ? window : null,
        jailed: isJailed(status, c?.tombstoned),
        status,
      };
    })
    .sort((a, b) => (a.power === b.power ? a.address.localeCompare(b.address) : a.power > b.power ? -1 : 1));
}

/** Candidates: validators first, then backups, then the rest; within each, the largest stake first. */
export function candidateRows(candidates: readonly Candidate[]): Candidate[] {
  const rank = (c: Candidate): number => (c.role === 'validator' ? 0 : c.role === 'backup' ? 1 : 2);
  return [...candidates].sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b);
    const sa = toBig(a.total_stake) ?? 0n;
    const sb = toBig(b.total_stake) ?? 0n;
    return sa === sb ? a.owner.localeCompare(b.owner) : sa > sb ? -1 : 1;
  });
}

export function stakeTotals(validators: readonly ValidatorRow[], candidates: readonly Candidate[]): StakeTotals {
  return {
    validators: validators.length,
    candidates: candidates.length,
    power: validators.reduce((s, v) => s + v.power, 0n),
    bondedStake: validators.reduce((s, v) => s + (v.totalStake ?? 0n), 0n),
    candidateStake: candidates.filter((c) => c.status !== 'withdrawn').reduce((s, c) => s + (toBig(c.total_stake) ?? 0n), 0n),
    jailed: candidates.filter((c) => isJailed(c.status, c.tombstoned)).length,
  };
}

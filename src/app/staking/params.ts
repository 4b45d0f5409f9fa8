/** Staking parameters (spec/staking.md has each one's meaning and the reason for its default). */
import { ONE_CMT } from '../../codec/amount.js';
import { CmtError } from '../../codec/errors.js';
import { decode, encode, safeUint, struct, uint, type Infer } from '../../codec/schema.js';

export const BPS = 10_000;

export const StakingParams = struct('StakingParams', {
  maxValidators: safeUint,
  backupValidators: safeUint,
  selfStakeRatioBps: safeUint,
  minSelfStake: uint(256),
  minDelegation: uint(256),
  validatorPowerCapBps: safeUint,
  inflationBps: safeUint,
  blocksPerYear: safeUint,
  validatorsShareBps: safeUint,
  proposerBaseBps: safeUint,
  proposerBonusBps: safeUint,
  communityTaxBps: safeUint,
  maxCommissionBps: safeUint,
  maxCommissionChangeBps: safeUint,
  blocksPerDay: safeUint,
  epochBlocks: safeUint,
  unbondingBlocks: safeUint,
  maxUnbondingEntries: safeUint,
  doubleSignSlashBps: safeUint,
  downtimeSlashBps: safeUint,
  signedBlocksWindow: safeUint,
  minSignedPerWindowBps: safeUint,
  downtimeJailBlocks: safeUint,
  govDeposit: uint(256),
  govVotingBlocks: safeUint,
  govQuorumBps: safeUint,
  govPassBps: safeUint,
});
export type StakingParams = Infer<typeof StakingParams>;

export const DEFAULT_STAKING_PARAMS: StakingParams = Object.freeze({
  maxValidators: 19,
  backupValidators: 5,
  selfStakeRatioBps: 1000,
  minSelfStake: 1000n * ONE_CMT,
  minDelegation: 1000n * ONE_CMT,
  validatorPowerCapBps: 1200,
  inflationBps: 800,
  blocksPerYear: 31_557_600,
  validatorsShareBps: 9000,
  proposerBaseBps: 100,
  proposerBonusBps: 400,
  communityTaxBps: 0,
  maxCommissionBps: 10_000,
  maxCommissionChangeBps: 100,
  blocksPerDay: 86_400,
  epochBlocks: 100,
  unbondingBlocks: 604_800,
  maxUnbondingEntries: 7,
  doubleSignSlashBps: 500,
  downtimeSlashBps: 1,
  signedBlocksWindow: 10_000,
  minSignedPerWindowBps: 5000,
  downtimeJailBlocks: 600,
  govDeposit: 1000n * ONE_CMT,
  govVotingBlocks: 86_400,
  govQuorumBps: 3340,
  govPassBps: 6667,
});

export class InvalidStakingParamsError extends CmtError {
  constructor(message: string) {
    super('INVALID_STAKING_PARAMS', message);
  }
}

const BPS_FIELDS = [
  'selfStakeRatioBps',
  'validatorPowerCapBps',
  'inflationBps',
  'validatorsShareBps',
  'communityTaxBps',
  'maxCommissionBps',
  'maxCommissionChangeBps',
  'doubleSignSlashBps',
  'downtimeSlashBps',
  'minSignedPerWindowBps',
  'govQuorumBps',
  'govPassBps',
] as const;

const POSITIVE_FIELDS = ['maxValidators', 'blocksPerYear', 'blocksPerDay', 'epochBlocks', 'unbondingBlocks', 'maxUnbondingEntries', 'signedBlocksWindow', 'govVotingBlocks'] as const;

/** Throws InvalidStakingParamsError naming the first parameter out of range. */
export function checkStakingParams(p: StakingParams): void {
  for (const name of BPS_FIELDS) {
    if (p[name] > BPS) throw new InvalidStakingParamsError(`${name} is ${p[name]} bps, above 10000 (100%)`);
  }
  for (const name of POSITIVE_FIELDS) {
    if (p[name] < 1) throw new InvalidStakingParamsError(`${name} must be at least 1`);
  }
  if (p.proposerBaseBps + p.proposerBonusBps > BPS) throw new InvalidStakingParamsError('proposerBaseBps + proposerBonusBps is above 10000');
  // Entries are stored in lists of at most 1,000, and withdrawing a candidacy adds one beyond the limit.
  if (p.maxUnbondingEntries > 999) throw new InvalidStakingParamsError('maxUnbondingEntries is above 999');
  if (p.maxValidators + p.backupValidators > 10_000) throw new InvalidStakingParamsError('maxValidators + backupValidators is above 10000 (the validator set record holds 10,000)');
  if (p.govPassBps < 5000) throw new InvalidStakingParamsError('govPassBps below 5000 would let a minority pass proposals');
}

export function encodeStakingParams(p: StakingParams): Uint8Array {
  return encode(StakingParams, p);
}

export function decodeStakingParams(bytes: Uint8Array): StakingParams {
  return decode(StakingParams, bytes, 'staking params');
}

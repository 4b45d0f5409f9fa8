/**
 * The validator set from the candidates (spec/staking.md, "Validator set and voting power"):
 * rank by stake, take the top maxValidators as validators and the next backupValidators as
 * backups, cap voting power, and report the difference to consensus as validator updates.
 */
import { ONE_CMT } from '../../codec/amount.js';
import { bytesKey, compareBytes } from '../../codec/bytes.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import type { Overlay } from '../../state/overlay.js';
import type { ValidatorUpdateInfo } from '../abci.js';
import type { StakingParams } from './params.js';
import { CANDIDATE_ACTIVE, readAllCandidates, readValidators, writeBackups, writeValidators, type Candidate, type ValidatorRecord } from './records.js';
import { votingPowers } from './voting-power.js';

export interface Election {
  validators: ValidatorRecord[];
  backups: Uint8Array[];
}

/** Candidates that may be elected: active, not jailed, with at least 1 CMT (one unit of power). */
function eligible(c: Candidate): boolean {
  return c.status === CANDIDATE_ACTIVE && c.jailedUntil === 0 && !c.tombstoned && c.totalStake >= ONE_CMT;
}

/** Most stake first; equal stakes by consensus address, lower first. */
function byRank(a: Candidate, b: Candidate): number {
  if (a.totalStake !== b.totalStake) return a.totalStake > b.totalStake ? -1 : 1;
  return compareBytes(addressFromPublicKey(a.consensusKey), addressFromPublicKey(b.consensusKey));
}

export function elect(candidates: readonly Candidate[], params: Pick<StakingParams, 'maxValidators' | 'backupValidators' | 'validatorPowerCapBps'>): Election {
  const ranked = candidates.filter(eligible).sort(byRank);
  const chosen = ranked.slice(0, params.maxValidators);
  const powers = votingPowers(
    chosen.map((c) => c.totalStake),
    params.validatorPowerCapBps,
  );
  return {
    validators: chosen.map((c, i) => ({ consensusKey: c.consensusKey, power: powers[i] as number })).filter((v) => v.power > 0),
    backups: ranked.slice(params.maxValidators, params.maxValidators + params.backupValidators).map((c) => c.owner),
  };
}

/**
 * Elects from the current candidates and returns the updates from the set last reported (power
 * 0 removes). With no one eligible the set is kept as it is: a chain never loses every validator.
 */
export function updateValidatorSet(state: Overlay, params: StakingParams): ValidatorUpdateInfo[] {
  const next = elect(readAllCandidates(state), params);
  writeBackups(state, next.backups);
  if (next.validators.length === 0) return [];
  const previous = new Map(readValidators(state).map((v) => [bytesKey(v.consensusKey), v]));
  const updates: ValidatorUpdateInfo[] = [];
  for (const v of next.validators) {
    if (previous.get(bytesKey(v.consensusKey))?.power !== v.power) updates.push({ publicKey: v.consensusKey, power: v.power });
    previous.delete(bytesKey(v.consensusKey));
  }
  for (const gone of previous.values()) updates.push({ publicKey: gone.consensusKey, power: 0 });
  if (updates.length > 0) writeValidators(state, next.validators);
  return updates;
}

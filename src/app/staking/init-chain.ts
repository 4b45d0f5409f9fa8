/**
 * Genesis for staking: parameters, the genesis supply inflation is based on, the initial
 * candidates, and the validator set, which must be the one the candidates elect (so the
 * genesis file's `validators` and its `app_state.staking` cannot disagree).
 */
import { bytesKey, toHex } from '../../codec/bytes.js';
import { CmtError } from '../../codec/errors.js';
import type { Overlay } from '../../state/overlay.js';
import type { GenesisValidator } from '../abci.js';
import { TxError } from '../errors.js';
import { declareCandidacy, newCandidate } from './candidacy.js';
import { elect } from './election.js';
import type { StakingGenesis } from './genesis.js';
import { InvalidStakingGenesisError } from './genesis.js';
import { enableElections, readAllCandidates, writeBackups, writeGenesisSupply, writeStakingParams, writeValidators, type ValidatorRecord } from './records.js';

/** The validator set genesis candidates elect: what a genesis file's `validators` must say. */
export function genesisValidatorSet(genesis: StakingGenesis): ValidatorRecord[] {
  const asCandidates = genesis.candidates.map((c) => newCandidate(c.owner, c, 0));
  return elect(asCandidates, genesis.params).validators;
}

function describe(set: readonly { consensusKey: Uint8Array; power: number }[]): string {
  return set.map((v) => `${toHex(v.consensusKey).slice(0, 16)}…:${v.power}`).join(', ') || 'none';
}

export function initStaking(state: Overlay, genesis: StakingGenesis, validators: readonly GenesisValidator[], supply: bigint): void {
  writeStakingParams(state, genesis.params);
  writeGenesisSupply(state, supply);
  const given: ValidatorRecord[] = validators.map((v) => ({ consensusKey: v.publicKey, power: v.power }));
  if (genesis.candidates.length === 0) {
    writeValidators(state, given);
    return;
  }
  genesis.candidates.forEach((c, i) => {
    try {
      declareCandidacy(state, c.owner, c, 0, genesis.params);
    } catch (err) {
      if (err instanceof TxError) throw new InvalidStakingGenesisError(`candidates[${i}]: ${err.message}`);
      throw err;
    }
  });
  enableElections(state);
  const elected = elect(readAllCandidates(state), genesis.params);
  const key = (v: { consensusKey: Uint8Array; power: number }) => `${bytesKey(v.consensusKey)}:${v.power}`;
  const want = new Set(elected.validators.map(key));
  if (want.size !== given.length || !given.every((v) => want.has(key(v)))) {
    throw new CmtError('GENESIS_MISMATCH', `genesis validators (${describe(given)}) are not the set its candidates elect (${describe(elected.validators)})`);
  }
  writeValidators(state, elected.validators);
  writeBackups(state, elected.backups);
}

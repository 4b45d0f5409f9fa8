/** The parameter sets governance changes, read from and written to state (the registry itself is pure). */
import type { ConsensusParams } from '../../codec/params.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { readAppParams, readChainSettings, writeAppParams, writeChainSettings } from '../app-store.js';
import { readStakingParams, writeStakingParams } from '../staking/records.js';
import { readConsensusParams, writeConsensusParams } from './consensus-params-store.js';
import type { ParamGroup, ParamSet } from './param-registry.js';

export function readParamSet(state: StateReader): ParamSet {
  return { staking: readStakingParams(state), app: readAppParams(state), consensus: readConsensusParams(state) };
}

/**
 * Writes the groups a proposal touched. Returns the full new consensus parameters when they
 * changed (for FinalizeBlock's consensusParamUpdates), else null. The chain settings the
 * application checks transactions against (max_tx_bytes, block_max_gas) follow at once, so the
 * application and consensus agree from the next block on.
 */
export function writeParamSet(state: Overlay, next: ParamSet, groups: ReadonlySet<ParamGroup>): ConsensusParams | null {
  if (groups.has('staking')) writeStakingParams(state, next.staking);
  if (groups.has('app')) writeAppParams(state, next.app);
  if (!groups.has('consensus') || !next.consensus) return null;
  writeConsensusParams(state, next.consensus);
  const settings = readChainSettings(state);
  if (settings) writeChainSettings(state, { ...settings, maxTxBytes: next.consensus.maxTxBytes, blockMaxGas: next.consensus.blockMaxGas });
  return next.consensus;
}

/**
 * The application's own copy of the consensus parameters. Consensus keeps the live ones in its
 * chain state, out of the application's reach; governance needs a copy in application state to
 * change one field and hand the whole new set back through FinalizeBlock's consensusParamUpdates.
 * InitChain writes it from genesis; governance rewrites it when a proposal changes it.
 */
import { utf8 } from '../../codec/bytes.js';
import { ConsensusParams } from '../../codec/params.js';
import { decode, encode } from '../../codec/schema.js';
import type { Overlay, StateReader } from '../../state/overlay.js';

export const CONSENSUS_PARAMS_KEY = utf8('gov/consensus-params');

export function readConsensusParams(state: StateReader): ConsensusParams | undefined {
  const raw = state.get(CONSENSUS_PARAMS_KEY);
  return raw === undefined ? undefined : decode(ConsensusParams, raw, 'consensus params');
}

export function writeConsensusParams(state: Overlay, p: ConsensusParams): void {
  state.set(CONSENSUS_PARAMS_KEY, encode(ConsensusParams, p));
}

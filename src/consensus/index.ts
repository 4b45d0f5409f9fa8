/** The pure Tendermint consensus core: see spec/consensus.md. */
export { createConsensusState, type ConsensusConfig, type ConsensusState } from './state.js';
export { step, MAX_ROUNDS_AHEAD } from './step.js';
export type { ConsensusEffect, ConsensusEvent, RoundStep, TimeoutStep } from './types.js';
export { ValidatorSet, type Validator, type ValidatorUpdate } from './validator-set.js';
export { buildCommit, verifyCommit, InvalidCommitError } from './commit.js';
export { ownClaims, type Maj23Claim } from './maj23.js';

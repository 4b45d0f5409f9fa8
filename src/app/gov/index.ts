/** The governance module's public surface, for the integrator (cmt-app, deliver-tx, RPC, CLI). */
export { readConsensusParams, writeConsensusParams, CONSENSUS_PARAMS_KEY } from './consensus-params-store.js';
export { endBlockGovernance, type GovEndBlockResult } from './end-block.js';
export { executeGovMessage, isGovMsg, type GovMsg } from './messages.js';
export { PARAM_NAMES, PARAM_REGISTRY, applyParamChanges, checkParamSet, parseParamValue, type ParamChange, type ParamSet, type ParamSpec } from './param-registry.js';
export { readParamSet } from './param-state.js';
export { currentTally, proposal, proposalToJson, proposalVotes, proposals, tallyToJson, voteToJson, type Json, type ProposalView, type VoteView } from './queries.js';
export { MAX_VOTERS, PROPOSAL_STATUSES, readDeposits, type Proposal, type ProposalStatus, type Tally } from './records.js';

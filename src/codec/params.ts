/** Consensus parameters: part of genesis, hashed into every header, changeable by FinalizeBlock. */
import { sha256 } from './hash.js';
import { encode, safeUint, struct, type Infer } from './schema.js';

export const TimeoutParams = struct('TimeoutParams', {
  /** Wait for a proposal in round r: propose + r * proposeDelta (ms). */
  propose: safeUint,
  proposeDelta: safeUint,
  /** After +2/3 prevotes for anything but no +2/3 for one value: prevote + r * prevoteDelta. */
  prevote: safeUint,
  prevoteDelta: safeUint,
  precommit: safeUint,
  precommitDelta: safeUint,
  /**
   * The next-block delay: the pause after a block is decided before the next height's round 0
   * (CometBFT's timeout_commit, renamed next_block_delay in v1). Its JSON name stays commit_ms.
   */
  nextBlockDelay: safeUint,
});
export type TimeoutParams = Infer<typeof TimeoutParams>;

/**
 * The JSON names of the round timeouts, in genesis, a node's config override, scenario files and
 * RPC answers: the one place a user-facing name meets its field (commit_ms after CometBFT's timeout_commit).
 */
export const TIMEOUT_JSON_NAMES = [
  ['propose_ms', 'propose'],
  ['propose_delta_ms', 'proposeDelta'],
  ['prevote_ms', 'prevote'],
  ['prevote_delta_ms', 'prevoteDelta'],
  ['precommit_ms', 'precommit'],
  ['precommit_delta_ms', 'precommitDelta'],
  ['commit_ms', 'nextBlockDelay'],
] as const satisfies readonly (readonly [string, keyof TimeoutParams])[];
export type TimeoutJsonName = (typeof TIMEOUT_JSON_NAMES)[number][0];

export const ConsensusParams = struct('ConsensusParams', {
  blockMaxBytes: safeUint,
  blockMaxGas: safeUint,
  maxTxBytes: safeUint,
  evidenceMaxAgeBlocks: safeUint,
  timeouts: TimeoutParams,
});
export type ConsensusParams = Infer<typeof ConsensusParams>;

/** Defaults scaled for a 1 s block time; spec/parameters.md explains each. */
export const DEFAULT_CONSENSUS_PARAMS: ConsensusParams = {
  blockMaxBytes: 8 * 1024 * 1024,
  blockMaxGas: 500_000_000,
  maxTxBytes: 1024 * 1024,
  evidenceMaxAgeBlocks: 100_000,
  timeouts: {
    propose: 1000,
    proposeDelta: 250,
    prevote: 500,
    prevoteDelta: 250,
    precommit: 500,
    precommitDelta: 250,
    nextBlockDelay: 1000,
  },
};

export function consensusParamsHash(params: ConsensusParams): Uint8Array {
  return sha256(encode(ConsensusParams, params));
}

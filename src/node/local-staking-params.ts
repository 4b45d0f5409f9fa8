/** Staking parameters for chains on one machine (cmt testnet, cmt devnet). */
import { ONE_CMT } from '../codec/amount.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../app/staking/params.js';
import type { StakingGenesis } from '../app/staking/genesis.js';

/**
 * Staking on a local testnet or devnet runs at minutes, not days: epochs of 10 blocks, unbonding in
 * 20 blocks, a downtime window of 100 (a node restarted within a minute or so is not jailed), and no power cap (it cannot apply below 9 validators
 * anyway, and a testnet's stakes are chosen by hand).
 */
export const LOCAL_STAKING_PARAMS: StakingParams = Object.freeze({
  ...DEFAULT_STAKING_PARAMS,
  validatorPowerCapBps: 0,
  minSelfStake: ONE_CMT,
  minDelegation: 100n * ONE_CMT,
  blocksPerDay: 100,
  epochBlocks: 10,
  unbondingBlocks: 20,
  signedBlocksWindow: 100,
  downtimeJailBlocks: 10,
  govDeposit: 100n * ONE_CMT,
  govVotingBlocks: 20,
});

/** A validator of a chain made on one machine: its owner account, consensus key, self-stake and name. */
export interface LocalCandidate {
  owner: Uint8Array;
  consensusKey: Uint8Array;
  selfStake: bigint;
  name: string;
}

/**
 * The staking genesis of a chain made on one machine (cmt testnet, the chaos runner, the
 * simulator): every validator a candidate with a tenth of its cap staked and 10% commission.
 */
export function localStakingGenesis(candidates: readonly LocalCandidate[], params: Partial<StakingParams> = {}): StakingGenesis {
  return {
    params: { ...LOCAL_STAKING_PARAMS, ...params },
    candidates: candidates.map((c) => ({ owner: c.owner, consensusKey: c.consensusKey, selfStake: c.selfStake, maxStake: c.selfStake * 10n, commissionBps: 1000, name: c.name, website: '', description: '' })),
  };
}

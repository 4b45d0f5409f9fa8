/** Staking parameters for chains on one machine (cmt testnet, cmt devnet). */
import { ONE_CMT } from '../codec/amount.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../app/staking/params.js';

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

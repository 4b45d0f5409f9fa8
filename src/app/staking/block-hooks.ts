/**
 * What staking does in every block (spec/staking.md): before the transactions, punish double
 * signing (the block's evidence) and downtime (its last commit); after them, release matured
 * unbondings, pay the block reward, and elect the validator set at epoch heights or when a
 * validator was jailed.
 */
import type { AppEvent } from '../../codec/results.js';
import type { Evidence } from '../../codec/vote.js';
import { formatAddress } from '../../crypto/address.js';
import type { Overlay } from '../../state/overlay.js';
import type { ValidatorUpdateInfo, VoteInfo } from '../abci.js';
import { releaseMatured } from './delegations.js';
import { updateValidatorSet } from './election.js';
import type { StakingParams } from './params.js';
import { CANDIDATE_ACTIVE, electionsEnabled, readCandidate, readOwnerOfConsensusAddress } from './records.js';
import { payBlockReward } from './rewards.js';
import { recordSignature } from './signing-info.js';
import { punishDoubleSign, punishDowntime } from './slashing.js';

export interface StakingBlockStart {
  height: number;
  votes: readonly VoteInfo[];
  misbehavior: readonly Evidence[];
}

export interface StakingBlockStartResult {
  events: AppEvent[];
  /** A validator was jailed: the set must be elected again at the end of this block. */
  jailed: boolean;
}

function slashEvent(reason: string, owner: Uint8Array, burned: bigint, jailedUntil: number): AppEvent {
  return {
    type: 'slash',
    attributes: [
      { key: 'reason', value: reason },
      { key: 'candidate', value: formatAddress(owner) },
      { key: 'burned', value: burned.toString() },
      { key: 'jailedUntil', value: String(jailedUntil) },
    ],
  };
}

export function beginStakingBlock(state: Overlay, block: StakingBlockStart, params: StakingParams): StakingBlockStartResult {
  const events: AppEvent[] = [];
  let jailed = false;
  for (const evidence of block.misbehavior) {
    const owner = readOwnerOfConsensusAddress(state, evidence.voteA.validatorAddress);
    if (!owner || readCandidate(state, owner)?.tombstoned !== false) continue;
    const burned = punishDoubleSign(state, owner, evidence.voteA.height, block.height, params);
    events.push(slashEvent('double_sign', owner, burned, Number.MAX_SAFE_INTEGER));
    jailed = true;
  }
  for (const vote of block.votes) {
    const owner = readOwnerOfConsensusAddress(state, vote.validatorAddress);
    const c = owner && readCandidate(state, owner);
    if (!owner || !c || c.jailedUntil !== 0 || c.status !== CANDIDATE_ACTIVE) continue;
    if (!recordSignature(state, owner, vote.signedLastBlock, block.height, params)) continue;
    const burned = punishDowntime(state, owner, block.height, params);
    events.push(slashEvent('downtime', owner, burned, block.height + params.downtimeJailBlocks));
    jailed = true;
  }
  return { events, jailed };
}

export interface StakingBlockEnd {
  height: number;
  proposerAddress: Uint8Array;
  votes: readonly VoteInfo[];
  fees: bigint;
  jailed: boolean;
}

export function endStakingBlock(state: Overlay, block: StakingBlockEnd, params: StakingParams): ValidatorUpdateInfo[] {
  releaseMatured(state, block.height);
  payBlockReward(state, block, params);
  if (!electionsEnabled(state)) return [];
  if (block.height % params.epochBlocks !== 0 && !block.jailed) return [];
  return updateValidatorSet(state, params);
}

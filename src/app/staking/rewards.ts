/**
 * Paying a block's reward (spec/staking.md, "Rewards"): mint, split between proposer, voters,
 * backups and the community pool, and credit each candidate's F1 accumulator. O(validators).
 */
import { readSupply, writeSupply } from '../bank/accounts.js';
import type { VoteInfo } from '../abci.js';
import type { Overlay } from '../../state/overlay.js';
import { mintedAt, splitBlockReward } from './block-reward.js';
import { BPS, type StakingParams } from './params.js';
import { addToPool, CANDIDATE_ACTIVE, PRECISION, readBackups, readCandidate, readGenesisSupply, readOwnerOfConsensusAddress, writeCandidate, type Candidate } from './records.js';

/**
 * Credits a candidate with `amount`: its commission, then the rest per share. The whole amount
 * enters the rewards pool: what delegations are paid is floored per delegation, so the pool
 * always covers it (the few base units of rounding stay in the pool, counted in the supply).
 * Returns what could not be credited (no such candidate, or no stake), for the community pool.
 */
export function rewardCandidate(state: Overlay, owner: Uint8Array | undefined, amount: bigint): bigint {
  const c = owner && readCandidate(state, owner);
  if (!c || amount === 0n) return amount;
  const commission = (amount * BigInt(c.commissionBps)) / BigInt(BPS);
  const rest = amount - commission;
  if (c.totalShares === 0n) {
    addToPool(state, 'rewards', commission);
    writeCandidate(state, { ...c, commission: c.commission + commission });
    return rest;
  }
  addToPool(state, 'rewards', amount);
  writeCandidate(state, { ...c, commission: c.commission + commission, rewardPerShare: c.rewardPerShare + (rest * PRECISION) / c.totalShares });
  return 0n;
}

export interface BlockRewardInfo {
  height: number;
  proposerAddress: Uint8Array;
  /** The previous block's validators and who signed it, from this block's last commit. */
  votes: readonly VoteInfo[];
  fees: bigint;
}

/** Mints the block's inflation and pays it with the fees; returns the amount minted. */
export function payBlockReward(state: Overlay, block: BlockRewardInfo, params: StakingParams): bigint {
  const minted = mintedAt(block.height, readGenesisSupply(state), params);
  const reward = minted + block.fees;
  if (minted > 0n) writeSupply(state, readSupply(state) + minted);
  if (reward === 0n) return 0n;
  const totalPower = block.votes.reduce((s, v) => s + BigInt(v.power), 0n);
  const signed = block.votes.filter((v) => v.signedLastBlock);
  // Backups chosen at the last election that have since been jailed or withdrawn earn nothing.
  const backups = readBackups(state)
    .map((owner) => readCandidate(state, owner))
    .filter((c): c is Candidate => c !== undefined && c.status === CANDIDATE_ACTIVE && c.jailedUntil === 0);
  const split = splitBlockReward(
    reward,
    totalPower,
    signed.map((v, index) => ({ index, power: BigInt(v.power) })),
    backups.map((c) => c.totalStake),
    params,
  );
  const ownerOf = (address: Uint8Array): Uint8Array | undefined => readOwnerOfConsensusAddress(state, address);
  let community = split.community + split.dust;
  community += rewardCandidate(state, ownerOf(block.proposerAddress), split.proposer);
  signed.forEach((v, i) => {
    community += rewardCandidate(state, ownerOf(v.validatorAddress), split.voters[i] as bigint);
  });
  backups.forEach((c, i) => {
    community += rewardCandidate(state, c.owner, split.backups[i] as bigint);
  });
  if (community > 0n) addToPool(state, 'community', community);
  return minted;
}

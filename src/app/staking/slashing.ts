/**
 * Slashing (spec/staking.md, "Slashing and jailing"): a fraction of a candidate's stake is
 * burned, shared by every delegation through the share price, and the same fraction of the
 * stake that left the candidate after the offence (unbonding and redelegated) is burned too.
 */
import type { Overlay } from '../../state/overlay.js';
import { readSupply, writeSupply } from '../bank/accounts.js';
import { applyWithdrawal, withdrawal } from './delegations.js';
import { BPS, type StakingParams } from './params.js';
import {
  addToPool,
  readCandidate,
  readDelegation,
  readRedelegations,
  readUnbondings,
  redelegatorsOf,
  unbondersOf,
  writeCandidate,
  writeRedelegations,
  writeUnbondings,
  type Candidate,
} from './records.js';
import { resetSigning } from './signing-info.js';
import { valueOfShares } from './stake-shares.js';

const cut = (amount: bigint, bps: number): bigint => (amount * BigInt(bps)) / BigInt(BPS);

/** Burns up to `amount` of a delegator's stake at candidate `c` (a redelegation being slashed); returns what was burned. */
function burnFromDelegation(state: Overlay, delegator: Uint8Array, c: Candidate, amount: bigint): bigint {
  const d = readDelegation(state, delegator, c.owner);
  if (!d || amount === 0n) return 0n;
  const value = valueOfShares(c, d.shares);
  const w = withdrawal(c, delegator, d, amount < value ? amount : value);
  // Whatever rounding leaves behind shares that no longer exist is burned with them.
  if (w.after.totalShares === 0n) w.after.totalStake = 0n;
  applyWithdrawal(state, delegator, c, d, w);
  const burned = c.totalStake - w.after.totalStake;
  addToPool(state, 'bonded', -burned);
  return burned;
}

/**
 * Burns `bps` of the candidate's stake and of what left it after `infractionHeight`. Returns
 * the CMT burned (the supply falls by as much).
 */
export function slash(state: Overlay, owner: Uint8Array, bps: number, infractionHeight: number, height: number): bigint {
  const c = readCandidate(state, owner);
  if (!c || bps === 0) return 0n;
  let burned = cut(c.totalStake, bps);
  writeCandidate(state, { ...c, totalStake: c.totalStake - burned });
  addToPool(state, 'bonded', -burned);

  for (const delegator of unbondersOf.members(state, owner)) {
    let taken = 0n;
    const entries = readUnbondings(state, delegator, owner).map((e) => {
      if (e.createdAt <= infractionHeight || e.completesAt <= height) return e;
      const x = cut(e.amount, bps);
      taken += x;
      return { ...e, amount: e.amount - x };
    });
    if (taken === 0n) continue;
    writeUnbondings(state, delegator, owner, entries);
    addToPool(state, 'unbondingPool', -taken);
    burned += taken;
  }

  for (const delegator of redelegatorsOf.members(state, owner)) {
    const live = readRedelegations(state, owner, delegator).filter((e) => e.completesAt > height);
    const entries = live.map((e) => {
      if (e.createdAt <= infractionHeight) return e;
      const target = readCandidate(state, e.to);
      const x = target ? burnFromDelegation(state, delegator, target, cut(e.amount, bps)) : 0n;
      burned += x;
      return { ...e, amount: e.amount - x };
    });
    writeRedelegations(state, owner, delegator, entries);
  }

  writeSupply(state, readSupply(state) - burned);
  return burned;
}

/** Double signing: slash, jail for ever, tombstone. Returns the CMT burned (0 if already tombstoned). */
export function punishDoubleSign(state: Overlay, owner: Uint8Array, infractionHeight: number, height: number, params: StakingParams): bigint {
  const c = readCandidate(state, owner);
  if (!c || c.tombstoned) return 0n;
  const burned = slash(state, owner, params.doubleSignSlashBps, infractionHeight, height);
  writeCandidate(state, { ...(readCandidate(state, owner) as Candidate), jailedUntil: Number.MAX_SAFE_INTEGER, tombstoned: true });
  return burned;
}

/** Downtime: a small slash and a jail of downtimeJailBlocks; the signing window starts over. */
export function punishDowntime(state: Overlay, owner: Uint8Array, height: number, params: StakingParams): bigint {
  const burned = slash(state, owner, params.downtimeSlashBps, height, height);
  writeCandidate(state, { ...(readCandidate(state, owner) as Candidate), jailedUntil: height + params.downtimeJailBlocks });
  resetSigning(state, owner, height, params);
  return burned;
}

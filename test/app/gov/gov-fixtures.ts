/** Shared set-up for the governance tests: candidates and delegations written directly as records. */
import { ONE_CMT } from '../../../src/codec/amount.js';
import { utf8 } from '../../../src/codec/bytes.js';
import { sha256 } from '../../../src/codec/hash.js';
import type { AppEvent } from '../../../src/codec/results.js';
import type { ProposalChange } from '../../../src/codec/tx.js';
import { readAccount, readSupply, writeAccount, writeSupply } from '../../../src/app/bank/accounts.js';
import { TxError } from '../../../src/app/errors.js';
import { readDeposits } from '../../../src/app/gov/records.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../../../src/app/staking/params.js';
import {
  addToPool,
  CANDIDATE_ACTIVE,
  readCandidate,
  readCandidateList,
  readDelegation,
  readPool,
  writeCandidate,
  writeCandidateList,
  writeDelegation,
} from '../../../src/app/staking/records.js';
import { Overlay } from '../../../src/state/overlay.js';
import type { SubmitProposal } from '../../../src/app/gov/proposals.js';

export const CMT = ONE_CMT;
export const PARAMS: StakingParams = { ...DEFAULT_STAKING_PARAMS, govDeposit: 100n * CMT, govVotingBlocks: 10 };
export const addr = (i: number): Uint8Array => sha256(utf8(`gov account ${i}`)).subarray(0, 20);

export function emptyState(): Overlay {
  return new Overlay({ get: () => undefined });
}

/** Mints `amount` to an account, keeping the recorded supply equal to what exists. */
export function fund(state: Overlay, who: Uint8Array, amount: bigint): void {
  const a = readAccount(state, who);
  writeAccount(state, who, { ...a, balance: a.balance + amount });
  writeSupply(state, readSupply(state) + amount);
}

/** A candidate with `selfStake` bonded; one share is worth one base unit. */
export function addCandidate(state: Overlay, owner: Uint8Array, selfStake: bigint, extra: { jailedUntil?: number; tombstoned?: boolean } = {}): void {
  writeCandidate(state, {
    owner,
    consensusKey: sha256(owner),
    totalStake: selfStake,
    totalShares: selfStake,
    selfShares: selfStake,
    maxStake: selfStake * 100n,
    commissionBps: 1000,
    commissionChangedAt: 1,
    status: CANDIDATE_ACTIVE,
    jailedUntil: extra.jailedUntil ?? 0,
    tombstoned: extra.tombstoned ?? false,
    rewardPerShare: 0n,
    commission: 0n,
    name: 'c',
    website: '',
    description: '',
    createdAt: 1,
  });
  writeCandidateList(state, [...readCandidateList(state), owner]);
  writeDelegation(state, owner, owner, { shares: selfStake, rewardPerShareAtLastChange: 0n });
  addToPool(state, 'bonded', selfStake);
  writeSupply(state, readSupply(state) + selfStake);
}

export function addDelegation(state: Overlay, delegator: Uint8Array, owner: Uint8Array, amount: bigint): void {
  const c = readCandidate(state, owner);
  if (!c) throw new Error('no such candidate');
  const d = readDelegation(state, delegator, owner) ?? { shares: 0n, rewardPerShareAtLastChange: 0n };
  writeDelegation(state, delegator, owner, { ...d, shares: d.shares + amount });
  writeCandidate(state, { ...c, totalStake: c.totalStake + amount, totalShares: c.totalShares + amount });
  addToPool(state, 'bonded', amount);
  writeSupply(state, readSupply(state) + amount);
}

export function fundCommunity(state: Overlay, amount: bigint): void {
  addToPool(state, 'community', amount);
  writeSupply(state, readSupply(state) + amount);
}

/** Runs `fn` as a transaction: on TxError its writes are dropped and the code returned (as deliverTx does). */
export function tx<T>(state: Overlay, fn: (s: Overlay) => T): { code: string | null; value?: T } {
  const child = state.child();
  try {
    const value = fn(child);
    child.mergeIntoParent();
    return { code: null, value };
  } catch (err) {
    if (err instanceof TxError) return { code: err.code };
    throw err;
  }
}

/** The code a pure check throws, or null. */
export function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof TxError) return err.code;
    throw err;
  }
}

export function paramsProposal(changes: { name: string; value: string }[], extra: Partial<SubmitProposal> = {}): SubmitProposal {
  return { title: 'change params', description: '', change: { type: 'params', changes }, deposit: PARAMS.govDeposit, effectiveHeight: 0, ...extra };
}

export function spendProposal(recipient: Uint8Array, amount: bigint, extra: Partial<SubmitProposal> = {}): SubmitProposal {
  const change: ProposalChange = { type: 'communitySpend', recipient, amount };
  return { title: 'spend', description: 'pay for work', change, deposit: PARAMS.govDeposit, effectiveHeight: 0, ...extra };
}

/** CMT that exists in the places these tests use: accounts, bonded stake, the community pool, deposits. */
export function heldCmt(state: Overlay, accounts: Uint8Array[]): bigint {
  const balances = accounts.reduce((s, a) => s + readAccount(state, a).balance, 0n);
  return balances + readPool(state, 'bonded') + readPool(state, 'community') + readDeposits(state);
}

export function attrs(e: AppEvent | undefined): Record<string, string> {
  return Object.fromEntries((e?.attributes ?? []).map((a) => [a.key, a.value]));
}

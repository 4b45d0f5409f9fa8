/** In-memory staking state for unit tests: funded accounts, candidacies, transactions. */
import { ONE_CMT } from '../../../src/codec/amount.js';
import { utf8 } from '../../../src/codec/bytes.js';
import { sha256 } from '../../../src/codec/hash.js';
import { Overlay } from '../../../src/state/overlay.js';
import { writeAccount } from '../../../src/app/bank/accounts.js';
import { TxError } from '../../../src/app/errors.js';
import type { DeclareCandidacy } from '../../../src/app/staking/candidacy.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../../../src/app/staking/params.js';
import { keyPairFromSeed } from '../../../src/crypto/ed25519.js';

/** Small periods, a 5 CMT minimum self-stake and a 10 CMT minimum delegation, so tests reach every limit quickly. */
export const UNIT_PARAMS: StakingParams = { ...DEFAULT_STAKING_PARAMS, minSelfStake: 5n * ONE_CMT, minDelegation: 10n * ONE_CMT, unbondingBlocks: 5, maxUnbondingEntries: 3, signedBlocksWindow: 10 };

export const addr = (i: number): Uint8Array => sha256(utf8(`account ${i}`)).subarray(0, 20);
export const consensusKey = (i: number): Uint8Array => keyPairFromSeed(sha256(utf8(`consensus ${i}`))).publicKey;

export function fundedState(accounts: number, balance: bigint): Overlay {
  const state = new Overlay({ get: () => undefined });
  for (let i = 0; i < accounts; i++) writeAccount(state, addr(i), { balance, nonce: 0 });
  return state;
}

/** Runs `fn` as a transaction: on TxError its writes are dropped (as deliverTx does) and the code is returned. */
export function tx(state: Overlay, fn: (s: Overlay) => void): string | null {
  const child = state.child();
  try {
    fn(child);
    child.mergeIntoParent();
    return null;
  } catch (err) {
    if (err instanceof TxError) return err.code;
    throw err;
  }
}

/** Runs `fn` as a transaction and fails the test if it is rejected. */
export function ok(state: Overlay, fn: (s: Overlay) => void): void {
  const code = tx(state, fn);
  if (code !== null) throw new Error(`rejected: ${code}`);
}

export const declare = (i: number, selfStake: bigint, maxStake = selfStake * 10n, commissionBps = 1000): DeclareCandidacy => ({
  consensusKey: consensusKey(i),
  selfStake,
  maxStake,
  commissionBps,
  name: `c${i}`,
  website: '',
  description: '',
});

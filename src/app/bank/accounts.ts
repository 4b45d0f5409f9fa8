/** Accounts in state: key "acc/" + address, value RLP [balance, nonce]. An absent account is empty. */
import { concatBytes, utf8 } from '../../codec/bytes.js';
import { decode, encode, safeUint, struct, uint, type Infer } from '../../codec/schema.js';
import type { Overlay, StateReader } from '../../state/overlay.js';

export const Account = struct('Account', {
  balance: uint(256),
  nonce: safeUint,
});
export type Account = Infer<typeof Account>;

export const EMPTY_ACCOUNT: Account = Object.freeze({ balance: 0n, nonce: 0 });

const ACCOUNT_PREFIX = utf8('acc/');
/** Total CMT in existence; genesis sets it, later minting and burning change it. */
export const SUPPLY_KEY = utf8('bank/supply');

export function accountKey(address: Uint8Array): Uint8Array {
  return concatBytes(ACCOUNT_PREFIX, address);
}

export function readAccount(state: StateReader, address: Uint8Array): Account {
  const raw = state.get(accountKey(address));
  return raw === undefined ? EMPTY_ACCOUNT : decode(Account, raw, 'account');
}

export function writeAccount(state: Overlay, address: Uint8Array, account: Account): void {
  if (account.balance === 0n && account.nonce === 0) state.delete(accountKey(address));
  else state.set(accountKey(address), encode(Account, account));
}

export function readSupply(state: StateReader): bigint {
  const raw = state.get(SUPPLY_KEY);
  return raw === undefined ? 0n : decode(uint(256), raw, 'supply');
}

export function writeSupply(state: Overlay, supply: bigint): void {
  state.set(SUPPLY_KEY, encode(uint(256), supply));
}

/** Adds to a balance; the caller has bounded the total supply, so this cannot pass 2^256. */
export function credit(state: Overlay, address: Uint8Array, amount: bigint): void {
  if (amount === 0n) return;
  const account = readAccount(state, address);
  writeAccount(state, address, { ...account, balance: account.balance + amount });
}

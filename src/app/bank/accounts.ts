/** Accounts in state: key "acc/" + address, value RLP [balance, nonce]. An absent account is empty. */
import { TxError } from '../errors.js';
import { concatBytes, utf8 } from '../../codec/bytes.js';
import { bigintToBytes, decode, encode, safeUint, struct, uint, type Infer } from '../../codec/schema.js';
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
  return raw === undefined ? EMPTY_ACCOUNT : decodeAccount(raw);
}

export function writeAccount(state: Overlay, address: Uint8Array, account: Account): void {
  if (account.balance === 0n && account.nonce === 0) state.delete(accountKey(address));
  else state.set(accountKey(address), encodeAccount(account));
}

/**
 * Accounts are read and written for every transfer, so their RLP has a direct path: the same
 * bytes as `encode(Account, …)` (a test compares them on random accounts), built without
 * the generic item tree.
 */
export function encodeAccount(account: Account): Uint8Array {
  if (account.balance < 0n || account.balance >= 1n << 256n || !Number.isSafeInteger(account.nonce) || account.nonce < 0) return encode(Account, account);
  const balance = bigintToBytes(account.balance);
  const nonce = bigintToBytes(BigInt(account.nonce));
  const items = [balance, nonce].map((b) => (b.length === 1 && (b[0] as number) < 0x80 ? b : Uint8Array.of(0x80 + b.length, ...b)));
  const payload = (items[0] as Uint8Array).length + (items[1] as Uint8Array).length;
  const out = new Uint8Array(1 + payload);
  out[0] = 0xc0 + payload;
  out.set(items[0] as Uint8Array, 1);
  out.set(items[1] as Uint8Array, 1 + (items[0] as Uint8Array).length);
  return out;
}

/** Decodes an account; anything but the short canonical form goes through the strict generic decoder. */
export function decodeAccount(raw: Uint8Array): Account {
  const fields: bigint[] = [];
  let at = 1;
  if (raw.length > 0 && raw[0] === 0xc0 + raw.length - 1 && raw.length <= 56) {
    while (at < raw.length && fields.length < 2) {
      const first = raw[at] as number;
      if (first < 0x80) {
        if (first === 0) break; // a zero byte is a non-canonical integer: let the strict decoder say so
        fields.push(BigInt(first));
        at += 1;
        continue;
      }
      const length = first - 0x80;
      if (length > 32 || at + 1 + length > raw.length) break;
      const body = raw.subarray(at + 1, at + 1 + length);
      if ((length === 1 && (body[0] as number) < 0x80) || (length > 0 && body[0] === 0)) break;
      fields.push(length === 0 ? 0n : BigInt('0x' + Buffer.from(body.buffer, body.byteOffset, length).toString('hex')));
      at += 1 + length;
    }
  }
  const [balance, nonce] = fields;
  if (fields.length === 2 && at === raw.length && balance !== undefined && nonce !== undefined && nonce <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return { balance, nonce: Number(nonce) };
  }
  return decode(Account, raw, 'account');
}

export function readSupply(state: StateReader): bigint {
  const raw = state.get(SUPPLY_KEY);
  return raw === undefined ? 0n : decode(uint(256), raw, 'supply');
}

export function writeSupply(state: Overlay, supply: bigint): void {
  state.set(SUPPLY_KEY, encode(uint(256), supply));
}

/** Adds to a balance; the caller has bounded the total supply, so this cannot pass 2^256. */
/**
 * Takes `amount` from an account, keeping `reserved` (the transaction's maximum fee) back so a
 * message can never spend what its fee needs. Throws INSUFFICIENT_FUNDS, changing nothing.
 */
export function debit(state: Overlay, address: Uint8Array, amount: bigint, reserved: bigint): void {
  const account = readAccount(state, address);
  if (account.balance - reserved < amount) {
    throw new TxError('INSUFFICIENT_FUNDS', `insufficient funds: balance ${account.balance} cannot cover ${amount} plus the maximum fee ${reserved}`);
  }
  writeAccount(state, address, { ...account, balance: account.balance - amount });
}

export function credit(state: Overlay, address: Uint8Array, amount: bigint): void {
  if (amount === 0n) return;
  const account = readAccount(state, address);
  writeAccount(state, address, { ...account, balance: account.balance + amount });
}

/**
 * Transactions. A signed transaction is RLP [body, publicKey, signature]; the sender is the
 * address of publicKey; the signature covers "cmt/tx/v1\0" || RLP(body), and the body carries the
 * chain id, so a transaction signed for one chain is invalid on every other.
 */
import { concatBytes, utf8 } from './bytes.js';
import { sha256 } from './hash.js';
import { rlpItemBounds } from './rlp.js';
import { decode, encode, fixedBytes, safeUint, struct, text, uint, union, type Infer } from './schema.js';

export const MAX_CHAIN_ID_LENGTH = 50;
export const MAX_MEMO_BYTES = 256;

export const TransferMsg = struct('Transfer', {
  to: fixedBytes(20),
  amount: uint(256),
});

/** Staking messages (spec/staking.md, "Transactions"); the sender is the candidate or delegator. */
export const DeclareCandidacyMsg = struct('DeclareCandidacy', {
  consensusKey: fixedBytes(32),
  selfStake: uint(256),
  maxStake: uint(256),
  commissionBps: safeUint,
  name: text(64),
  website: text(128),
  description: text(512),
});

export const DelegateMsg = struct('Delegate', {
  candidate: fixedBytes(20),
  amount: uint(256),
});

export const UnbondMsg = struct('Unbond', {
  candidate: fixedBytes(20),
  amount: uint(256),
});

export const WithdrawRewardsMsg = struct('WithdrawRewards', {
  candidate: fixedBytes(20),
});

/** Every message kind with its wire tag. Tags are never reused. */
export const Msg = union('Msg', {
  transfer: [1, TransferMsg],
  declareCandidacy: [2, DeclareCandidacyMsg],
  delegate: [3, DelegateMsg],
  unbond: [4, UnbondMsg],
  withdrawRewards: [5, WithdrawRewardsMsg],
});
export type Msg = Infer<typeof Msg>;

export const TxBody = struct('TxBody', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  nonce: safeUint,
  gasLimit: safeUint,
  gasPrice: uint(256),
  memo: text(MAX_MEMO_BYTES),
  msg: Msg,
});
export type TxBody = Infer<typeof TxBody>;

export const SignedTx = struct('SignedTx', {
  body: TxBody,
  publicKey: fixedBytes(32),
  signature: fixedBytes(64),
});
export type SignedTx = Infer<typeof SignedTx>;

const TX_SIGN_DOMAIN = utf8('cmt/tx/v1\0');

export function txSignBytes(body: TxBody): Uint8Array {
  return concatBytes(TX_SIGN_DOMAIN, encode(TxBody, body));
}

/**
 * The sign bytes of a transaction that decoded (so is canonical), without encoding its body
 * again: the body's encoding is the first item of the transaction's own.
 */
export function txSignBytesOfDecoded(txBytes: Uint8Array): Uint8Array {
  const outer = rlpItemBounds(txBytes, 0);
  const body = rlpItemBounds(txBytes, outer.payloadStart);
  return concatBytes(TX_SIGN_DOMAIN, txBytes.subarray(outer.payloadStart, body.end));
}

/** A transaction's id: sha256 of its full signed encoding, as in CometBFT. */
export function txHash(txBytes: Uint8Array): Uint8Array {
  return sha256(txBytes);
}

export function encodeTx(tx: SignedTx): Uint8Array {
  return encode(SignedTx, tx);
}

export function decodeTx(bytes: Uint8Array): SignedTx {
  return decode(SignedTx, bytes, 'tx');
}

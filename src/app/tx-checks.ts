/**
 * The checks every transaction passes before its message runs. Stateless ones need only the
 * bytes and the parameters; the stateful one needs the sender's account. FinalizeBlock applies
 * them in that order; CheckTx checks the sender's nonce and funds before the signature, the
 * costly check (a block never holds a transaction with a bad signature: ProcessProposal
 * refuses it, so the order cannot change a block's results).
 */
import { MAX_AMOUNT } from '../codec/amount.js';
import { DecodeError } from '../codec/errors.js';
import type { SignedTx } from '../codec/tx.js';
import { decodeFresh, type DecodedBytes, type DecodeTx } from './tx-decoder.js';
import { verify } from '../crypto/ed25519.js';
import type { Overlay, StateReader } from '../state/overlay.js';
import { readAccount, writeAccount, type Account } from './bank/accounts.js';
import { TxError } from './errors.js';
import type { AppParams } from './params.js';
import type { StakingParams } from './staking/params.js';

export interface TxLimits {
  chainId: string;
  maxTxBytes: number;
  blockMaxGas: number;
  params: AppParams;
  /** The height the transaction executes at (the next block, for CheckTx). */
  height: number;
  /** The block's time (ms since the Unix epoch); for CheckTx, the last block's. */
  time: number;
  staking: StakingParams;
  /** The lowest gas price this block accepts (at least params.minGasPrice; see fees/base-fee.ts). */
  baseFee: bigint;
}

export interface DecodedTx {
  readonly bytes: Uint8Array;
  readonly hash: Uint8Array;
  readonly tx: SignedTx;
  readonly sender: Uint8Array;
  /** gasLimit x gasPrice: what the sender must be able to pay before the message runs. */
  readonly maxFee: bigint;
}

/** Answers whether a transaction's signature was already checked (by hash, which covers the signature). */
export interface SignatureCheck {
  isVerified(hash: Uint8Array): boolean;
}

export function intrinsicGas(txLength: number, params: AppParams): number {
  return params.gas.txBase + params.gas.txByte * txLength;
}

/** Every check that needs no state: size, encoding, chain, gas bounds, amounts, signature. */
export function checkStateless(bytes: Uint8Array, limits: TxLimits, signatures: SignatureCheck, decode: DecodeTx = decodeFresh): DecodedTx {
  const shaped = checkShape(bytes, limits, decode);
  checkSignature(shaped, signatures);
  return shaped;
}

/** A transaction that passed `checkShape`: what its signature check needs besides. */
export interface ShapedTx extends DecodedTx {
  readonly signBytes: Uint8Array;
}

/** The stateless checks but the signature: size, encoding, chain, gas bounds, amounts. */
export function checkShape(bytes: Uint8Array, limits: TxLimits, decode: DecodeTx = decodeFresh): ShapedTx {
  if (bytes.length > limits.maxTxBytes) {
    throw new TxError('TX_TOO_LARGE', `transaction is ${bytes.length} bytes, the limit is ${limits.maxTxBytes}`);
  }
  let decoded: DecodedBytes;
  try {
    decoded = decode(bytes);
  } catch (err) {
    if (err instanceof DecodeError) throw new TxError('TX_DECODE', `malformed transaction: ${err.message}`);
    throw err;
  }
  const { tx, hash, sender, signBytes } = decoded;
  const { body } = tx;
  if (body.chainId !== limits.chainId) {
    throw new TxError('WRONG_CHAIN_ID', `transaction is for chain "${body.chainId}", this is "${limits.chainId}"`);
  }
  if (body.gasPrice < limits.baseFee) {
    const why = limits.baseFee === limits.params.minGasPrice ? 'the minimum' : `the base fee (the minimum is ${limits.params.minGasPrice})`;
    throw new TxError('GAS_PRICE_TOO_LOW', `gas price ${body.gasPrice} is below ${why} ${limits.baseFee}`);
  }
  const intrinsic = intrinsicGas(bytes.length, limits.params);
  if (body.gasLimit < intrinsic) {
    throw new TxError('GAS_LIMIT_TOO_LOW', `gas limit ${body.gasLimit} is below this transaction's intrinsic gas ${intrinsic}`);
  }
  if (body.gasLimit > limits.blockMaxGas) {
    throw new TxError('GAS_LIMIT_TOO_HIGH', `gas limit ${body.gasLimit} exceeds the block gas limit ${limits.blockMaxGas}`);
  }
  const maxFee = BigInt(body.gasLimit) * body.gasPrice;
  const spend = messageValue(body.msg);
  if (maxFee > MAX_AMOUNT || maxFee + spend > MAX_AMOUNT) {
    throw new TxError('AMOUNT_OVERFLOW', 'amount plus maximum fee exceeds 2^256-1');
  }
  return { bytes, hash, tx, sender, maxFee, signBytes };
}

export function checkSignature(shaped: ShapedTx, signatures: SignatureCheck): void {
  if (!signatures.isVerified(shaped.hash) && !verify(shaped.tx.publicKey, shaped.signBytes, shaped.tx.signature)) {
    throw new TxError('INVALID_SIGNATURE', 'signature does not verify against the public key');
  }
}

/** CMT the message itself moves out of the sender's balance (besides the fee). */
function messageValue(msg: SignedTx['body']['msg']): bigint {
  if (msg.type === 'transfer') return msg.amount;
  if (msg.type === 'deployContract' || msg.type === 'callContract') return msg.value;
  return 0n;
}

/** Nonce and fee affordability against the sender's current account. */
export function checkSender(state: StateReader, decoded: DecodedTx): Account {
  const account = readAccount(state, decoded.sender);
  const nonce = decoded.tx.body.nonce;
  if (nonce < account.nonce) throw new TxError('NONCE_TOO_LOW', `nonce ${nonce} is too low: the account's next nonce is ${account.nonce}`);
  if (nonce > account.nonce) throw new TxError('NONCE_TOO_HIGH', `nonce ${nonce} is too high: the account's next nonce is ${account.nonce}`);
  if (account.balance < decoded.maxFee) {
    throw new TxError('INSUFFICIENT_FUNDS', `balance ${account.balance} cannot cover the maximum fee ${decoded.maxFee} (gas limit x gas price)`);
  }
  return account;
}

/**
 * CheckTx's last step, in place of running the message (as the Cosmos SDK's CheckTx runs only
 * its ante handler): the sender must afford the maximum fee plus the value the message sends,
 * and both are reserved in the check state with the nonce, so the sender's next pending
 * transaction is judged on what is left. The message runs only in a block, where a failure
 * pays for the gas it used.
 */
export function reservePending(checkState: Overlay, decoded: DecodedTx, account: Account): void {
  const value = messageValue(decoded.tx.body.msg);
  const spend = decoded.maxFee + value;
  if (account.balance < spend) {
    throw new TxError('INSUFFICIENT_FUNDS', `balance ${account.balance} cannot cover the maximum fee ${decoded.maxFee} plus the ${value} the message sends`);
  }
  writeAccount(checkState, decoded.sender, { ...account, nonce: account.nonce + 1, balance: account.balance - spend });
}

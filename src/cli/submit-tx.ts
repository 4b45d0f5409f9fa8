/**
 * Signs a message with a named key, sends it, and (unless --no-wait) waits until a block
 * includes it; a rejected or failed transaction is a CommandError with its code. Every
 * `cmt tx ...` and `cmt contract ...` command goes through here.
 *
 * `--gas auto` is a dry run on the node (RPC `estimate_gas`): the transaction is signed once
 * with the block gas limit, the node executes it after the pending transactions without
 * keeping anything, and the limit becomes the gas it used plus 20%. Only the gas used is
 * charged, so the headroom costs nothing. A dry run that fails is reported and nothing is sent.
 */
import { to0x } from '../codec/bytes.js';
import type { Msg, TxBody } from '../codec/tx.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { signTx } from '../crypto/sign-tx.js';
import { txCodeName } from '../app/errors.js';
import { admissionCodeName } from '../mempool/errors.js';
import type { RpcClient } from '../rpc/client.js';
import { CommandError } from './output.js';

/** The parts of RPC `params` that signing reads. */
export interface ChainParamsAnswer {
  app: { min_gas_price: string; base_fee?: string; gas: { tx_base: number; tx_byte: number; transfer: number } };
  consensus: { block_max_gas: number; max_tx_bytes: number };
}

/** An event as the RPC shows it. */
export interface EventAnswer {
  type: string;
  attributes: { key: string; value: string }[];
}

/** A transaction result as the RPC shows it (check_tx or tx_result). */
export interface TxResultAnswer {
  code: number;
  log: string;
  gas_wanted: string;
  gas_used: string;
  events: EventAnswer[];
}

export interface SubmitOptions {
  memo: string;
  /** 'auto', or a gas limit. */
  gas: string;
  gasPrice?: bigint;
  nonce?: number;
  wait: boolean;
}

export type Submitted =
  | { waited: false; hash: string; body: TxBody; answer: unknown }
  | { waited: true; hash: string; height: string; gasUsed: bigint; body: TxBody; result: TxResultAnswer; answer: unknown };

/** The gas limit is the dry run's gas times this, plus AUTO_GAS_MARGIN_BYTES of transaction bytes. */
export const AUTO_GAS_FACTOR = 1.2;
/** Room for the re-signed transaction's size (its gas limit is encoded in it). */
const AUTO_GAS_MARGIN_BYTES = 16;

/** The price a transaction offers unless told otherwise: the next block's base fee, at least the chain minimum. */
export function defaultGasPrice(params: ChainParamsAnswer): bigint {
  const min = BigInt(params.app.min_gas_price);
  const base = params.app.base_fee === undefined ? min : BigInt(params.app.base_fee);
  return base > min ? base : min;
}

async function pendingNonce(client: RpcClient, address: Uint8Array): Promise<number> {
  const account = await client.call<{ pending_nonce: string }>('account', { address: formatAddress(address) });
  return Number(account.pending_nonce);
}

/**
 * The gas limit for `body` from a dry run on the node; a dry run that fails is a CommandError
 * with the transaction's code (nothing is sent).
 */
export async function estimateGasLimit(client: RpcClient, key: KeyPair, body: TxBody, params: ChainParamsAnswer): Promise<number> {
  const blockMax = params.consensus.block_max_gas;
  const probe = signTx({ ...body, gasLimit: blockMax }, key);
  const run = await client.call<{ gas_used: string; code: number; log: string }>('estimate_gas', { tx: to0x(probe.bytes) });
  if (run.code !== 0) {
    const name = txCodeName(run.code);
    throw new CommandError(`the dry run failed, nothing was sent: ${name}: ${run.log}`, name);
  }
  const limit = Math.ceil(Number(run.gas_used) * AUTO_GAS_FACTOR) + params.app.gas.tx_byte * AUTO_GAS_MARGIN_BYTES;
  return Math.min(limit, blockMax);
}

export async function submitTx(client: RpcClient, key: KeyPair, msg: Msg, options: SubmitOptions): Promise<Submitted> {
  const [status, params] = await Promise.all([client.call<{ node_info: { network: string } }>('status'), client.call<ChainParamsAnswer>('params')]);
  const sender = addressFromPublicKey(key.publicKey);
  const body: TxBody = {
    chainId: status.node_info.network,
    nonce: options.nonce ?? (await pendingNonce(client, sender)),
    gasLimit: 0,
    gasPrice: options.gasPrice ?? defaultGasPrice(params),
    memo: options.memo,
    msg,
  };
  body.gasLimit = options.gas === 'auto' ? await estimateGasLimit(client, key, body, params) : Number(options.gas);
  const signed = signTx(body, key);
  const maxTxBytes = params.consensus.max_tx_bytes;
  if (signed.bytes.length > maxTxBytes) {
    throw new CommandError(`the transaction is ${signed.bytes.length} bytes; the chain takes at most ${maxTxBytes} (consensus.max_tx_bytes)`, 'TX_TOO_LARGE');
  }
  const txHex = to0x(signed.bytes);
  if (!options.wait) {
    const res = await client.call<{ code: number; log: string; hash: string }>('broadcast_tx_sync', { tx: txHex });
    if (res.code !== 0) throw new CommandError(`transaction rejected: ${admissionCodeName(res.code)}: ${res.log}`, admissionCodeName(res.code));
    return { waited: false, hash: res.hash, body, answer: res };
  }
  const res = await client.call<{ check_tx: TxResultAnswer; tx_result: TxResultAnswer | null; hash: string; height: string }>('broadcast_tx_commit', { tx: txHex });
  if (res.check_tx.code !== 0) throw new CommandError(`transaction rejected: ${admissionCodeName(res.check_tx.code)}: ${res.check_tx.log}`, admissionCodeName(res.check_tx.code));
  const result = res.tx_result as TxResultAnswer;
  if (result.code !== 0) throw new CommandError(`transaction ${res.hash} failed in block ${res.height}: ${txCodeName(result.code)}: ${result.log}`, txCodeName(result.code));
  return { waited: true, hash: res.hash, height: res.height, gasUsed: BigInt(result.gas_used), body, result, answer: res };
}

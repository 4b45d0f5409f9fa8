/**
 * Signs a message with a named key, sends it, and (unless --no-wait) waits until a block
 * includes it; a rejected or failed transaction is a CommandError with its code. Every
 * `cmt tx ...` command goes through here.
 */
import type { Msg, TxBody } from '../codec/tx.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import type { KeyPair } from '../crypto/ed25519.js';
import { signTx } from '../crypto/sign-tx.js';
import { txCodeName } from '../app/errors.js';
import { STAKING_MESSAGE_GAS } from '../app/staking/messages.js';
import type { RpcClient } from '../rpc/client.js';
import { CommandError } from './output.js';

export interface ChainParamsAnswer {
  app: { min_gas_price: string; gas: { tx_base: number; tx_byte: number; transfer: number } };
}

interface CheckAnswer {
  code: number;
  log: string;
  gas_wanted: string;
  gas_used: string;
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
  | { waited: true; hash: string; height: string; gasUsed: bigint; body: TxBody; answer: unknown };

/** Gas beyond the intrinsic gas, per message kind, as the app charges it. */
function messageGas(params: ChainParamsAnswer, msg: Msg): number {
  return msg.type === 'transfer' ? params.app.gas.transfer : STAKING_MESSAGE_GAS;
}

async function pendingNonce(client: RpcClient, address: Uint8Array): Promise<number> {
  const account = await client.call<{ pending_nonce: string }>('account', { address: formatAddress(address) });
  return Number(account.pending_nonce);
}

export async function submitTx(client: RpcClient, key: KeyPair, msg: Msg, options: SubmitOptions): Promise<Submitted> {
  const [status, params] = await Promise.all([client.call<{ node_info: { network: string } }>('status'), client.call<ChainParamsAnswer>('params')]);
  const sender = addressFromPublicKey(key.publicKey);
  const body: TxBody = {
    chainId: status.node_info.network,
    nonce: options.nonce ?? (await pendingNonce(client, sender)),
    gasLimit: 1_000_000,
    gasPrice: options.gasPrice ?? BigInt(params.app.min_gas_price),
    memo: options.memo,
    msg,
  };
  if (options.gas === 'auto') {
    const g = params.app.gas;
    // Only gas used is charged: 10% to spare costs nothing.
    body.gasLimit = Math.ceil((g.tx_base + g.tx_byte * signTx(body, key).bytes.length + messageGas(params, msg)) * 1.1);
  } else {
    body.gasLimit = Number(options.gas);
  }
  const signed = signTx(body, key);
  const txHex = '0x' + Buffer.from(signed.bytes).toString('hex');
  if (!options.wait) {
    const res = await client.call<{ code: number; log: string; hash: string }>('broadcast_tx_sync', { tx: txHex });
    if (res.code !== 0) throw new CommandError(`transaction rejected: ${txCodeName(res.code)}: ${res.log}`, txCodeName(res.code));
    return { waited: false, hash: res.hash, body, answer: res };
  }
  const res = await client.call<{ check_tx: CheckAnswer; tx_result: CheckAnswer | null; hash: string; height: string }>('broadcast_tx_commit', { tx: txHex });
  if (res.check_tx.code !== 0) throw new CommandError(`transaction rejected: ${txCodeName(res.check_tx.code)}: ${res.check_tx.log}`, txCodeName(res.check_tx.code));
  const result = res.tx_result as CheckAnswer;
  if (result.code !== 0) throw new CommandError(`transaction failed in block ${res.height}: ${txCodeName(result.code)}: ${result.log}`, txCodeName(result.code));
  return { waited: true, hash: res.hash, height: res.height, gasUsed: BigInt(result.gas_used), body, answer: res };
}

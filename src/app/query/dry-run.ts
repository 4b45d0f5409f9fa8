/**
 * Runs for clients that change nothing: a read-only contract query and a transaction's gas
 * estimate. Both run on a throwaway overlay with a gas cap far below the block's (a node
 * setting, spec/node.md "Queries"), because nobody pays for them; the node runs them one at a
 * time behind its query gate (node/query-gate.ts).
 */
import { DecodeError } from '../../codec/errors.js';
import { formatAddress } from '../../crypto/address.js';
import type { CallOutcome } from '../../contracts/sandbox.js';
import type { Overlay } from '../../state/overlay.js';
import { runContract, type CallEnv } from '../contracts/contract-host.js';
import { contractCode } from '../contracts/records.js';
import { executeChecked } from '../deliver-tx.js';
import { TxCode, TxError } from '../errors.js';
import { checkSender, type DecodedTx, type TxLimits } from '../tx-checks.js';
import { decodeFresh, type DecodeTx } from '../tx-decoder.js';


export interface ContractQuery {
  contract: Uint8Array;
  method: string;
  argsJson: string;
  /** ctx.sender of the call. */
  from: Uint8Array;
  /** The state's height and the last block's time, as ctx.block shows them. */
  height: number;
  time: number;
}

export type QueryOutcome = CallOutcome;

export interface EstimateOutcome {
  code: number;
  log: string;
  gasUsed: number;
}

/** A method of a contract on `state`: nothing it writes is kept, nothing is charged. */
export function runQuery(state: Overlay, query: ContractQuery, gasLimit: number): QueryOutcome {
  const code = contractCode(state, query.contract);
  if (code === undefined) return { ok: false, error: `no contract at ${formatAddress(query.contract)}`, gasUsed: 0 };
  const env: CallEnv = { state, height: query.height, time: query.time, tx: '', events: [], stack: [] };
  return runContract(env, query.contract, { sender: formatAddress(query.from), value: 0n, method: query.method, argsJson: query.argsJson, gasLimit, code });
}

/** The gas cap of an estimate: the query cap, and never more than a transaction may ask for. */
export function estimateCap(queryGasLimit: number, limits: TxLimits): number {
  return Math.min(queryGasLimit, limits.blockMaxGas);
}

/**
 * The gas `tx` would use executed on `state`: a dry run with the gas limit set to the cap and a
 * zero price (so the balance does not cap the run). The signature is not checked: an estimate
 * moves nothing.
 */
export function estimateTx(state: Overlay, tx: Uint8Array, limits: TxLimits, gasCap: number, decode: DecodeTx = decodeFresh): EstimateOutcome {
  const cap = estimateCap(gasCap, limits);
  try {
    const plain = decode(tx);
    if (plain.tx.body.chainId !== limits.chainId) throw new TxError('WRONG_CHAIN_ID', `transaction is for chain "${plain.tx.body.chainId}", this is "${limits.chainId}"`);
    const body = { ...plain.tx.body, gasLimit: cap, gasPrice: 0n };
    const decoded: DecodedTx = { bytes: tx, hash: plain.hash, tx: { ...plain.tx, body }, sender: plain.sender, maxFee: 0n };
    checkSender(state, decoded);
    const { result } = executeChecked(state, decoded, limits);
    const log = result.code === TxCode.OUT_OF_GAS ? `${result.log} (an estimate runs with at most ${cap} gas, the node's query gas limit)` : result.log;
    return { code: result.code, log, gasUsed: result.gasUsed };
  } catch (err) {
    if (err instanceof TxError) return { code: err.txCode, log: err.message, gasUsed: 0 };
    if (err instanceof DecodeError) return { code: TxCode.TX_DECODE, log: `malformed transaction: ${err.message}`, gasUsed: 0 };
    throw err;
  }
}

/**
 * Transaction result codes: what CheckTx and FinalizeBlock answer. A code is part of the
 * results hash, so numbers never change meaning; spec/errors.md lists them. The name doubles
 * as the CmtError code shown to users. The mempool's own codes (full, already known) are not
 * here but in src/mempool/errors.ts: they say nothing about a transaction's validity and must
 * never reach a block's results; their numbers (11, 12) are reserved here.
 */
import { CmtError } from '../codec/errors.js';
import { RESULT_LIMITS } from '../codec/results.js';
import { fitUtf8 } from '../codec/utf8-fit.js';

export const CODESPACE = 'cmt';

export const TxCode = {
  OK: 0,
  INTERNAL: 1,
  TX_DECODE: 2,
  INVALID_SIGNATURE: 3,
  WRONG_CHAIN_ID: 4,
  NONCE_TOO_LOW: 5,
  NONCE_TOO_HIGH: 6,
  INSUFFICIENT_FUNDS: 7,
  OUT_OF_GAS: 8,
  GAS_PRICE_TOO_LOW: 9,
  TX_TOO_LARGE: 10,
  // 11 and 12 are the mempool's (MEMPOOL_FULL, TX_ALREADY_KNOWN; src/mempool/errors.ts): never reuse them.
  AMOUNT_OVERFLOW: 13,
  UNKNOWN_MESSAGE: 14,
  GAS_LIMIT_TOO_LOW: 15,
  GAS_LIMIT_TOO_HIGH: 16,
  // Staking (spec/staking.md).
  CANDIDATE_EXISTS: 17,
  UNKNOWN_CANDIDATE: 18,
  CANDIDATE_INACTIVE: 19,
  CONSENSUS_KEY_IN_USE: 20,
  INVALID_COMMISSION: 21,
  SELF_STAKE_TOO_LOW: 22,
  BELOW_MIN_DELEGATION: 23,
  ABOVE_MAX_STAKE: 24,
  INSUFFICIENT_DELEGATION: 25,
  TOO_MANY_UNBONDINGS: 26,
  NOT_A_CANDIDATE: 27,
  COMMISSION_CHANGE_TOO_LARGE: 28,
  NOT_JAILED: 29,
  STILL_JAILED: 30,
  TOMBSTONED: 31,
  INVALID_PROPOSAL: 32,
  UNKNOWN_PROPOSAL: 33,
  VOTING_CLOSED: 34,
  NO_STAKE: 35,
  // Contracts (spec/contracts.md).
  CONTRACT_INVALID: 36,
  CONTRACT_NOT_FOUND: 37,
  CONTRACT_FAILED: 38,
  CONTRACT_RESULT_TOO_LARGE: 39,
  // Webhooks (spec/webhooks.md).
  HOOK_UNKNOWN: 40,
  HOOK_NOT_ATTESTER: 41,
  HOOK_BAD_SIGNATURE: 42,
  HOOK_BAD_BODY: 43,
  // Files (spec/files.md).
  INVALID_CID: 44,
  FILE_TOO_LARGE: 45,
  FILE_ALREADY_REGISTERED: 46,
  INVALID_FILE_NAME: 47,
} as const;

export type TxCodeName = keyof typeof TxCode;

const NAME_BY_CODE = new Map<number, TxCodeName>(Object.entries(TxCode).map(([name, code]) => [code, name as TxCodeName]));

export function txCodeName(code: number): string {
  return NAME_BY_CODE.get(code) ?? `UNKNOWN_CODE_${code}`;
}

/**
 * A transaction that cannot be accepted or did not succeed, with its result code. Its message
 * becomes the result's log, so it is fitted to the log's UTF-8 limit here, where every log is
 * made: a contract's error text or a sender's input it quotes can be any length.
 */
export class TxError extends CmtError {
  readonly txCode: number;

  constructor(name: Exclude<TxCodeName, 'OK'>, message: string) {
    super(name, fitUtf8(message, RESULT_LIMITS.logBytes));
    this.txCode = TxCode[name];
  }
}

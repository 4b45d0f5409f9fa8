/**
 * Result codes only the mempool gives: its answer to a transaction it does not take in,
 * about the pool (full, already holding it), never about the transaction's validity. They
 * are not the app's (src/app/errors.ts): FinalizeBlock never produces them, so they are never
 * part of a block's results or the results hash, and the block executor refuses a response
 * that carries one. They share the `cmt` codespace and keep the numbers RPC clients have
 * always seen; the app's table reserves those numbers so no code means two things.
 */
import { txCodeName } from '../app/errors.js';

export const MempoolCode = {
  MEMPOOL_FULL: 11,
  TX_ALREADY_KNOWN: 12,
} as const;

export type MempoolCodeName = keyof typeof MempoolCode;

const NAME_BY_CODE = new Map<number, MempoolCodeName>(Object.entries(MempoolCode).map(([name, code]) => [code, name as MempoolCodeName]));

/** Whether `code` is the mempool's (it can never appear in a block's results). */
export function isMempoolCode(code: number): boolean {
  return NAME_BY_CODE.has(code);
}

/** The name of a code a CheckTx answer (broadcast_tx_*) carries: the mempool's or the app's. */
export function admissionCodeName(code: number): string {
  return NAME_BY_CODE.get(code) ?? txCodeName(code);
}

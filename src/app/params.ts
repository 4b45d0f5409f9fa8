/** Application parameters: genesis sets them; they live in state so governance can change them later. */
import { decode, encode, safeUint, struct, uint, type Infer } from '../codec/schema.js';

export const GasSchedule = struct('GasSchedule', {
  /** Every transaction: signature check, nonce, fee handling. */
  txBase: safeUint,
  /** Per byte of the encoded transaction. */
  txByte: safeUint,
  /** A CMT transfer's own work: two account reads and writes. */
  transfer: safeUint,
});
export type GasSchedule = Infer<typeof GasSchedule>;

export const AppParams = struct('AppParams', {
  /** The lowest gas price (base units per gas) a transaction may offer. */
  minGasPrice: uint(256),
  gas: GasSchedule,
});
export type AppParams = Infer<typeof AppParams>;

export const DEFAULT_APP_PARAMS: AppParams = {
  minGasPrice: 1_000_000_000n,
  gas: { txBase: 10_000, txByte: 10, transfer: 10_000 },
};

export function encodeAppParams(params: AppParams): Uint8Array {
  return encode(AppParams, params);
}

export function decodeAppParams(bytes: Uint8Array): AppParams {
  return decode(AppParams, bytes, 'app params');
}

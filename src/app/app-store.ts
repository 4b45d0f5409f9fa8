/** Application-wide settings kept in state (so they are part of the app hash and survive restarts). */
import { utf8 } from '../codec/bytes.js';
import { decode, encode, safeUint, struct, text, type Infer } from '../codec/schema.js';
import { MAX_CHAIN_ID_LENGTH } from '../codec/tx.js';
import type { Overlay, StateReader } from '../state/overlay.js';
import { AppParams, DEFAULT_APP_PARAMS, type AppParams as AppParamsT } from './params.js';

const CHAIN_KEY = utf8('app/chain');
const PARAMS_KEY = utf8('app/params');

/** The chain id and the consensus limits the application enforces on transactions. */
export const ChainSettings = struct('ChainSettings', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  maxTxBytes: safeUint,
  blockMaxGas: safeUint,
});
export type ChainSettings = Infer<typeof ChainSettings>;

export function readChainSettings(state: StateReader): ChainSettings | undefined {
  const raw = state.get(CHAIN_KEY);
  return raw === undefined ? undefined : decode(ChainSettings, raw, 'chain settings');
}

export function writeChainSettings(state: Overlay, settings: ChainSettings): void {
  state.set(CHAIN_KEY, encode(ChainSettings, settings));
}

export function readAppParams(state: StateReader): AppParamsT {
  const raw = state.get(PARAMS_KEY);
  return raw === undefined ? DEFAULT_APP_PARAMS : decode(AppParams, raw, 'app params');
}

export function writeAppParams(state: Overlay, params: AppParamsT): void {
  state.set(PARAMS_KEY, encode(AppParams, params));
}

export const APP_PARAMS_KEY = PARAMS_KEY;

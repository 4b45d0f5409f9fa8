/** The genesis file's `app_state`: parameters, initial balances and staking, validated before use. */
import { MAX_AMOUNT } from '../codec/amount.js';
import { bytesKey } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { formatAddress, parseAddress } from '../crypto/address.js';
import { checkObjectFields } from './json-fields.js';
import { DEFAULT_APP_PARAMS, type AppParams } from './params.js';
import { parseStakingGenesis, stakingGenesisToJson, type StakingGenesis, type StakingGenesisJson } from './staking/genesis.js';
import { DEFAULT_STAKING_PARAMS } from './staking/params.js';

export class InvalidGenesisError extends CmtError {
  constructor(message: string) {
    super('INVALID_GENESIS', `invalid genesis: ${message}`);
  }
}

export interface GenesisAccount {
  address: Uint8Array;
  balance: bigint;
}

export interface AppGenesisState {
  params: AppParams;
  accounts: GenesisAccount[];
  staking: StakingGenesis;
}

/** The JSON form, as written in genesis.json (amounts are decimal strings of base units). */
export interface AppGenesisJson {
  params?: { min_gas_price?: string; gas?: { tx_base?: number; tx_byte?: number; transfer?: number } };
  accounts?: { address: string; balance: string }[];
  staking?: StakingGenesisJson;
}

function nonNegativeInt(value: unknown, what: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidGenesisError(`${what} must be a non-negative integer`);
  return value;
}

function baseUnits(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new InvalidGenesisError(`${what} must be a decimal string of base units`);
  const v = BigInt(value);
  if (v > MAX_AMOUNT) throw new InvalidGenesisError(`${what} exceeds 2^256-1`);
  return v;
}

function objectWith(value: unknown, allowed: readonly string[], what: string): void {
  checkObjectFields(value, allowed, what, (message) => new InvalidGenesisError(message));
}

export function parseAppGenesis(json: unknown): AppGenesisState {
  objectWith(json ?? {}, ['params', 'accounts', 'staking'], 'app_state');
  const state = (json ?? {}) as AppGenesisJson;
  objectWith(state.params, ['min_gas_price', 'gas'], 'app_state.params');
  objectWith(state.params?.gas, ['tx_base', 'tx_byte', 'transfer'], 'app_state.params.gas');
  const p = state.params ?? {};
  const params: AppParams = {
    minGasPrice: p.min_gas_price === undefined ? DEFAULT_APP_PARAMS.minGasPrice : baseUnits(p.min_gas_price, 'params.min_gas_price'),
    gas: {
      txBase: nonNegativeInt(p.gas?.tx_base, 'params.gas.tx_base', DEFAULT_APP_PARAMS.gas.txBase),
      txByte: nonNegativeInt(p.gas?.tx_byte, 'params.gas.tx_byte', DEFAULT_APP_PARAMS.gas.txByte),
      transfer: nonNegativeInt(p.gas?.transfer, 'params.gas.transfer', DEFAULT_APP_PARAMS.gas.transfer),
    },
  };
  if (state.accounts !== undefined && !Array.isArray(state.accounts)) throw new InvalidGenesisError('app_state.accounts must be a list');
  const seen = new Set<string>();
  let total = 0n;
  const accounts = (state.accounts ?? []).map((a, i) => {
    objectWith(a, ['address', 'balance'], `app_state.accounts[${i}]`);
    let address: Uint8Array;
    try {
      address = parseAddress(String(a?.address));
    } catch {
      throw new InvalidGenesisError(`accounts[${i}].address is not a 0x address`);
    }
    if (seen.has(bytesKey(address))) throw new InvalidGenesisError(`account ${formatAddress(address)} appears twice`);
    seen.add(bytesKey(address));
    const balance = baseUnits(a?.balance, `accounts[${i}].balance`);
    total += balance;
    return { address, balance };
  });
  if (total > MAX_AMOUNT) throw new InvalidGenesisError('total supply exceeds 2^256-1');
  return { params, accounts, staking: parseStakingGenesis(state.staking) };
}

/** An app state with no staking section: default parameters, no candidates (a fixed validator set). */
export const NO_STAKING: StakingGenesis = Object.freeze({ params: DEFAULT_STAKING_PARAMS, candidates: [] });

export function appGenesisToJson(state: Omit<AppGenesisState, 'staking'> & { staking?: StakingGenesis }): AppGenesisJson {
  return {
    params: {
      min_gas_price: state.params.minGasPrice.toString(),
      gas: { tx_base: state.params.gas.txBase, tx_byte: state.params.gas.txByte, transfer: state.params.gas.transfer },
    },
    accounts: state.accounts.map((a) => ({ address: formatAddress(a.address), balance: a.balance.toString() })),
    ...(state.staking ? { staking: stakingGenesisToJson(state.staking) } : {}),
  };
}

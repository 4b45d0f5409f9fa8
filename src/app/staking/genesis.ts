/**
 * The staking part of genesis (`app_state.staking`): parameters and the initial candidates,
 * whose self-stakes come out of their owners' genesis balances. Parsed strictly: a typo in a
 * parameter name is an error, not a silent default.
 */
import { MAX_AMOUNT } from '../../codec/amount.js';
import { bytesKey, fromHex, toHex } from '../../codec/bytes.js';
import { CmtError } from '../../codec/errors.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { isValidPublicKey } from '../../crypto/ed25519.js';
import { checkObjectFields } from '../json-fields.js';
import type { DeclareCandidacy } from './candidacy.js';
import { checkStakingParams, DEFAULT_STAKING_PARAMS, InvalidStakingParamsError, type StakingParams } from './params.js';

/** A candidacy declared at genesis: what `declareCandidacy` takes, and who declares it. */
export interface GenesisCandidate extends DeclareCandidacy {
  owner: Uint8Array;
}

export interface StakingGenesis {
  params: StakingParams;
  candidates: GenesisCandidate[];
}

export interface StakingGenesisJson {
  params?: Record<string, number | string>;
  candidates?: {
    owner: string;
    consensus_key: string;
    self_stake: string;
    max_stake?: string;
    commission_bps?: number;
    name?: string;
    website?: string;
    description?: string;
  }[];
}

export class InvalidStakingGenesisError extends CmtError {
  constructor(message: string) {
    super('INVALID_GENESIS', `invalid genesis: app_state.staking.${message}`);
  }
}

function amount(value: unknown, what: string): bigint {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) throw new InvalidStakingGenesisError(`${what} must be a decimal string of base units`);
  const v = BigInt(value);
  if (v > MAX_AMOUNT) throw new InvalidStakingGenesisError(`${what} exceeds 2^256-1`);
  return v;
}

function integer(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new InvalidStakingGenesisError(`${what} must be a non-negative integer`);
  return value;
}

function parseParams(json: Record<string, unknown> | undefined): StakingParams {
  const params: Record<string, number | bigint> = { ...DEFAULT_STAKING_PARAMS };
  for (const [name, value] of Object.entries(json ?? {})) {
    // Own keys only: a name like "valueOf" must not find Object.prototype's and pass as a parameter.
    const fallback = Object.hasOwn(DEFAULT_STAKING_PARAMS, name) ? (DEFAULT_STAKING_PARAMS as Record<string, number | bigint>)[name] : undefined;
    if (fallback === undefined) throw new InvalidStakingGenesisError(`params.${name} is not a staking parameter (spec/staking.md lists them)`);
    params[name] = typeof fallback === 'bigint' ? amount(value, `params.${name}`) : integer(value, `params.${name}`);
  }
  try {
    checkStakingParams(params as StakingParams);
  } catch (err) {
    if (err instanceof InvalidStakingParamsError) throw new InvalidStakingGenesisError(`params: ${err.message}`);
    throw err;
  }
  return params as StakingParams;
}

const CANDIDATE_FIELDS = ['owner', 'consensus_key', 'self_stake', 'max_stake', 'commission_bps', 'name', 'website', 'description'];

function objectWith(value: unknown, allowed: readonly string[], what: string): void {
  checkObjectFields(value, allowed, what, (message) => new InvalidStakingGenesisError(message));
}

function optionalText(value: unknown, what: string): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') throw new InvalidStakingGenesisError(`${what} must be a string`);
  return value;
}

export function parseStakingGenesis(json: unknown): StakingGenesis {
  if (json !== undefined && (typeof json !== 'object' || json === null || Array.isArray(json))) throw new InvalidStakingGenesisError('must be an object');
  const s = (json ?? {}) as StakingGenesisJson;
  objectWith(s, ['params', 'candidates'], 'the section');
  // Unknown parameter names get parseParams's own message, which points at the list.
  objectWith(s.params, Object.keys(s.params ?? {}), 'params');
  const params = parseParams(s.params as Record<string, unknown> | undefined);
  if (s.candidates !== undefined && !Array.isArray(s.candidates)) throw new InvalidStakingGenesisError('candidates must be a list');
  const owners = new Set<string>();
  const keys = new Set<string>();
  const candidates = (s.candidates ?? []).map((c, i) => {
    const at = `candidates[${i}]`;
    objectWith(c, CANDIDATE_FIELDS, at);
    let owner: Uint8Array;
    try {
      owner = parseAddress(String(c?.owner));
    } catch {
      throw new InvalidStakingGenesisError(`${at}.owner is not a 0x address`);
    }
    let consensusKey: Uint8Array;
    try {
      consensusKey = fromHex(String(c?.consensus_key));
    } catch {
      consensusKey = new Uint8Array(0);
    }
    if (consensusKey.length !== 32 || !isValidPublicKey(consensusKey)) throw new InvalidStakingGenesisError(`${at}.consensus_key is not a hex Ed25519 public key`);
    if (owners.has(bytesKey(owner))) throw new InvalidStakingGenesisError(`${at}: owner ${formatAddress(owner)} declares twice`);
    if (keys.has(bytesKey(consensusKey))) throw new InvalidStakingGenesisError(`${at}: consensus key already used by another candidate`);
    owners.add(bytesKey(owner));
    keys.add(bytesKey(consensusKey));
    const selfStake = amount(c.self_stake, `${at}.self_stake`);
    return {
      owner,
      consensusKey,
      selfStake,
      maxStake: c.max_stake === undefined ? selfStake * 10n : amount(c.max_stake, `${at}.max_stake`),
      commissionBps: c.commission_bps === undefined ? 0 : integer(c.commission_bps, `${at}.commission_bps`),
      name: optionalText(c.name, `${at}.name`),
      website: optionalText(c.website, `${at}.website`),
      description: optionalText(c.description, `${at}.description`),
    };
  });
  return { params, candidates };
}

export function stakingGenesisToJson(g: StakingGenesis): StakingGenesisJson {
  const params = Object.fromEntries(Object.entries(g.params).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
  return {
    params,
    candidates: g.candidates.map((c) => ({
      owner: formatAddress(c.owner),
      consensus_key: toHex(c.consensusKey),
      self_stake: c.selfStake.toString(),
      max_stake: c.maxStake.toString(),
      commission_bps: c.commissionBps,
      name: c.name,
      website: c.website,
      description: c.description,
    })),
  };
}

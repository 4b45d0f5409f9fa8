/**
 * The genesis document (`config/genesis.json`), in the spirit of CometBFT's: chain id,
 * time, initial validators, consensus parameters and the application's initial state.
 */
import { readStartFile, START_FILE_MAX_BYTES } from '../runtime/start-file.js';
import { fromHex, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { DEFAULT_CONSENSUS_PARAMS, TIMEOUT_JSON_NAMES, type ConsensusParams, type TimeoutJsonName, type TimeoutParams } from '../codec/params.js';
import { MAX_CHAIN_ID_LENGTH } from '../codec/tx.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { isValidPublicKey } from '../crypto/ed25519.js';
import { parseAppGenesis } from '../app/genesis-state.js';
import { nestedDeeperThan } from '../codec/json-depth.js';

export class InvalidGenesisFileError extends CmtError {
  constructor(source: string, message: string) {
    super('INVALID_GENESIS', `${source}: ${message}`);
  }
}

export interface GenesisValidatorDoc {
  name: string;
  publicKey: Uint8Array;
  power: number;
}

export interface GenesisDoc {
  chainId: string;
  /** ms since the Unix epoch. */
  genesisTime: number;
  initialHeight: number;
  consensusParams: ConsensusParams;
  validators: GenesisValidatorDoc[];
  appState: unknown;
}

interface GenesisJson {
  genesis_time: string;
  chain_id: string;
  initial_height: number;
  consensus_params: {
    block_max_bytes: number;
    block_max_gas: number;
    max_tx_bytes: number;
    evidence_max_age_blocks: number;
    timeouts: {
      [name in TimeoutJsonName]: number;
    };
  };
  validators: { name: string; address: string; pub_key: string; power: number }[];
  app_state: unknown;
}

export { TIMEOUT_JSON_NAMES, type TimeoutJsonName } from '../codec/params.js';

/** Consensus parameters as genesis files and the `params` RPC show them (snake_case, ms units). */
export function consensusParamsToJson(p: ConsensusParams): GenesisJson['consensus_params'] {
  return {
    block_max_bytes: p.blockMaxBytes,
    block_max_gas: p.blockMaxGas,
    max_tx_bytes: p.maxTxBytes,
    evidence_max_age_blocks: p.evidenceMaxAgeBlocks,
    timeouts: Object.fromEntries(TIMEOUT_JSON_NAMES.map(([json, field]) => [json, p.timeouts[field]])) as Record<TimeoutJsonName, number>,
  };
}

export function genesisToJson(doc: GenesisDoc): GenesisJson {
  return {
    genesis_time: new Date(doc.genesisTime).toISOString(),
    chain_id: doc.chainId,
    initial_height: doc.initialHeight,
    consensus_params: consensusParamsToJson(doc.consensusParams),
    validators: doc.validators.map((v) => ({
      name: v.name,
      address: formatAddress(addressFromPublicKey(v.publicKey)),
      pub_key: toHex(v.publicKey),
      power: v.power,
    })),
    app_state: doc.appState,
  };
}

function positiveInt(value: unknown, what: string, source: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidGenesisFileError(source, `${what} must be a non-negative integer`);
  }
  return value;
}

const GENESIS_FIELDS = ['genesis_time', 'chain_id', 'initial_height', 'consensus_params', 'validators', 'app_state'];
const CONSENSUS_PARAM_FIELDS = ['block_max_bytes', 'block_max_gas', 'max_tx_bytes', 'evidence_max_age_blocks', 'timeouts'];
const VALIDATOR_FIELDS = ['name', 'address', 'pub_key', 'power'];

/**
 * `value` (at `where`) when absent or an object with only `fields`: a misspelt or misplaced
 * setting would otherwise take its default silently, and every node must read the same chain.
 */
function objectOf(value: unknown, where: string, fields: readonly string[], source: string): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidGenesisFileError(source, `${where} must be a JSON object`);
  for (const k of Object.keys(value)) if (!fields.includes(k)) throw new InvalidGenesisFileError(source, `unknown field ${JSON.stringify(k.slice(0, 64))} in ${where}`);
  return value as Record<string, unknown>;
}

export function parseGenesis(json: unknown, source = 'genesis'): GenesisDoc {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new InvalidGenesisFileError(source, 'not a JSON object');
  objectOf(json, 'the genesis document', GENESIS_FIELDS, source);
  const g = json as Partial<GenesisJson>;
  objectOf(g.consensus_params, 'consensus_params', CONSENSUS_PARAM_FIELDS, source);
  objectOf(g.consensus_params?.timeouts, 'consensus_params.timeouts', TIMEOUT_JSON_NAMES.map(([json]) => json), source);
  if (typeof g.chain_id !== 'string' || g.chain_id.length === 0 || g.chain_id.length > MAX_CHAIN_ID_LENGTH || !/^[\x21-\x7e]+$/.test(g.chain_id)) {
    throw new InvalidGenesisFileError(source, `chain_id must be 1-${MAX_CHAIN_ID_LENGTH} printable ASCII characters`);
  }
  // Typed before it is read: String() of a deeply nested array recurses past the stack.
  const time = typeof g.genesis_time === 'string' ? Date.parse(g.genesis_time) : NaN;
  if (!Number.isFinite(time) || time < 0) throw new InvalidGenesisFileError(source, 'genesis_time must be an ISO 8601 time');
  const initialHeight = positiveInt(g.initial_height, 'initial_height', source, 1);
  if (initialHeight < 1) throw new InvalidGenesisFileError(source, 'initial_height must be at least 1');
  const cp = g.consensus_params;
  const d = DEFAULT_CONSENSUS_PARAMS;
  const t = cp?.timeouts;
  const consensusParams: ConsensusParams = {
    blockMaxBytes: positiveInt(cp?.block_max_bytes, 'consensus_params.block_max_bytes', source, d.blockMaxBytes),
    blockMaxGas: positiveInt(cp?.block_max_gas, 'consensus_params.block_max_gas', source, d.blockMaxGas),
    maxTxBytes: positiveInt(cp?.max_tx_bytes, 'consensus_params.max_tx_bytes', source, d.maxTxBytes),
    evidenceMaxAgeBlocks: positiveInt(cp?.evidence_max_age_blocks, 'consensus_params.evidence_max_age_blocks', source, d.evidenceMaxAgeBlocks),
    timeouts: Object.fromEntries(
      TIMEOUT_JSON_NAMES.map(([json, field]) => [field, positiveInt(t?.[json], `timeouts.${json}`, source, d.timeouts[field])]),
    ) as TimeoutParams,
  };
  if (consensusParams.maxTxBytes > consensusParams.blockMaxBytes) throw new InvalidGenesisFileError(source, 'max_tx_bytes exceeds block_max_bytes');
  if (!Array.isArray(g.validators) || g.validators.length === 0) throw new InvalidGenesisFileError(source, 'validators must be a non-empty list');
  const validators = g.validators.map((v, i) => {
    if (objectOf(v, `validators[${i}]`, VALIDATOR_FIELDS, source) === undefined) throw new InvalidGenesisFileError(source, `validators[${i}] must be a JSON object`);
    let publicKey: Uint8Array;
    try {
      if (typeof v.pub_key !== 'string') throw new TypeError('not a string');
      publicKey = fromHex(v.pub_key);
    } catch {
      throw new InvalidGenesisFileError(source, `validators[${i}].pub_key is not hex`);
    }
    if (!isValidPublicKey(publicKey)) throw new InvalidGenesisFileError(source, `validators[${i}].pub_key is not a valid Ed25519 public key`);
    const power = positiveInt(v?.power, `validators[${i}].power`, source);
    if (power === 0) throw new InvalidGenesisFileError(source, `validators[${i}].power must be positive`);
    if (v.address !== undefined && (typeof v.address !== 'string' || v.address.toLowerCase() !== formatAddress(addressFromPublicKey(publicKey)))) {
      throw new InvalidGenesisFileError(source, `validators[${i}].address does not match its pub_key`);
    }
    if (v.name !== undefined && typeof v.name !== 'string') throw new InvalidGenesisFileError(source, `validators[${i}].name must be a string`);
    return { name: v.name ?? `validator-${i}`, publicKey, power };
  });
  const appState = g.app_state ?? {};
  // The app reads app_state only at the first start; checked here, a bad one is reported with the file's name.
  try {
    parseAppGenesis(appState);
  } catch (err) {
    throw new InvalidGenesisFileError(source, `app_state: ${(err as Error).message}`);
  }
  return { chainId: g.chain_id, genesisTime: time, initialHeight, consensusParams, validators, appState };
}

/** Deepest nesting a genesis file may have: app_state's lists of objects are about four levels deep. */
export const MAX_GENESIS_DEPTH = 64;

export async function readGenesisFile(path: string): Promise<GenesisDoc> {
  let text: string;
  try {
    text = await readStartFile(path, START_FILE_MAX_BYTES.genesis);
  } catch (err) {
    throw new InvalidGenesisFileError(path, `cannot read (${(err as Error).message})`);
  }
  // Nothing in a genesis nests deeper than a few levels; deeper text would make every walk of it recurse.
  if (nestedDeeperThan(text, MAX_GENESIS_DEPTH)) throw new InvalidGenesisFileError(path, `JSON nested deeper than ${MAX_GENESIS_DEPTH} levels`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidGenesisFileError(path, `not valid JSON (${(err as Error).message})`);
  }
  return parseGenesis(json, path);
}

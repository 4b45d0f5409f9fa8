/**
 * Every parameter governance may change, by the name a proposal uses (spec/governance.md,
 * "Parameters"): `staking.<field>`, `app.*` and `consensus.*`. Values are canonical decimal
 * integer text. This module is pure: it turns a parameter set and a list of changes into the
 * new set, or throws TxError('INVALID_PROPOSAL') naming what is wrong. Reading and writing the
 * sets in state is param-state.ts's job.
 */
import { MAX_AMOUNT } from '../../codec/amount.js';
import { MAX_BLOCK_BYTES_STRUCTURAL, MAX_TX_BYTES_STRUCTURAL } from '../../codec/block.js';
import type { ConsensusParams, TimeoutParams } from '../../codec/params.js';
import type { Infer } from '../../codec/schema.js';
import type { ParamChange as ParamChangeCodec } from '../../codec/tx.js';
import { TxError } from '../errors.js';
import type { AppParams, GasSchedule } from '../params.js';
import { BPS, checkStakingParams, InvalidStakingParamsError, StakingParams } from '../staking/params.js';

export type ParamChange = Infer<typeof ParamChangeCodec>;

/** The three parameter groups a proposal can reach. `consensus` is undefined until InitChain stored a copy. */
export interface ParamSet {
  staking: StakingParams;
  app: AppParams;
  consensus: ConsensusParams | undefined;
}

export type ParamGroup = 'staking' | 'app' | 'consensus';

export interface ParamSpec {
  readonly name: string;
  readonly group: ParamGroup;
  /** Inclusive bounds of the value on its own; checkParamSet adds the checks that span parameters. */
  readonly min: bigint;
  readonly max: bigint;
  /** undefined only for a consensus parameter while the chain keeps no consensus copy. */
  get(p: ParamSet): bigint | undefined;
  set(p: ParamSet, value: bigint): ParamSet;
}

/** A timeout above ten minutes would only ever stall the chain: no network needs that long to gossip one round. */
export const MAX_TIMEOUT_MS = 600_000;
/** Room a block needs beyond its transactions: as block-executor.ts reserves (header, and a commit signature per validator). */
export const blockOverheadBytes = (validators: number): number => 1024 + 200 * validators;
/**
 * Gas a message may need beyond the intrinsic gas (staking messages take 20,000). The largest
 * transaction plus this must fit a block, or no proposal could ever undo the change.
 */
export const MESSAGE_GAS_ALLOWANCE = 100_000;
/** The largest proposal transaction (title, description and 32 changes) is about 7 KiB: a smaller limit would lock governance out. */
export const MIN_MAX_TX_BYTES = 8 * 1024;
/** A block must at least hold the largest governance transaction and a header. */
export const MIN_BLOCK_MAX_BYTES = 16 * 1024;
/** Enough for a few transactions of any kind at the default gas schedule. */
export const MIN_BLOCK_MAX_GAS = 1_000_000;

type NumberKeys<T> = { [K in keyof T]: T[K] extends number ? K : never }[keyof T];
type BigintKeys<T> = { [K in keyof T]: T[K] extends bigint ? K : never }[keyof T];

/** Per-field bounds tighter than "a safe integer", for the staking fields that need them. */
const STAKING_BOUNDS: Partial<Record<NumberKeys<StakingParams>, readonly [number, number]>> = {
  // The validator set record holds at most 10,000 entries.
  maxValidators: [1, 10_000],
  backupValidators: [0, 10_000],
  // The unbonding entries record of a pair holds at most 1,000, and withdrawing a candidacy adds one beyond the limit.
  maxUnbondingEntries: [1, 999],
};

function numberField<K extends NumberKeys<StakingParams>>(field: K): ParamSpec {
  const [min, max] = STAKING_BOUNDS[field] ?? [0, field.endsWith('Bps') ? BPS : Number.MAX_SAFE_INTEGER];
  return {
    name: `staking.${field}`,
    group: 'staking',
    min: BigInt(min),
    max: BigInt(max),
    get: (p) => BigInt(p.staking[field]),
    set: (p, v) => ({ ...p, staking: { ...p.staking, [field]: Number(v) } }),
  };
}

function amountField<K extends BigintKeys<StakingParams>>(field: K): ParamSpec {
  return {
    name: `staking.${field}`,
    group: 'staking',
    min: 0n,
    max: MAX_AMOUNT,
    get: (p) => p.staking[field],
    set: (p, v) => ({ ...p, staking: { ...p.staking, [field]: v } }),
  };
}

/** Every StakingParams field, from the codec itself so a field added there is changeable at once. */
function stakingSpecs(): ParamSpec[] {
  return (Object.keys(StakingParams.fields) as (keyof StakingParams)[]).map((field) =>
    // safeUint fields are numbers; the others (uint256) are amounts held as bigint.
    StakingParams.fields[field].describe === 'uint53' ? numberField(field as NumberKeys<StakingParams>) : amountField(field as BigintKeys<StakingParams>),
  );
}

function gasField(name: string, field: keyof GasSchedule, max: number): ParamSpec {
  return {
    name,
    group: 'app',
    min: 0n,
    max: BigInt(max),
    get: (p) => BigInt(p.app.gas[field]),
    set: (p, v) => ({ ...p, app: { ...p.app, gas: { ...p.app.gas, [field]: Number(v) } } }),
  };
}

function appSpecs(): ParamSpec[] {
  return [
    {
      name: 'app.min_gas_price',
      group: 'app',
      min: 0n,
      max: MAX_AMOUNT,
      get: (p) => p.app.minGasPrice,
      set: (p, v) => ({ ...p, app: { ...p.app, minGasPrice: v } }),
    },
    gasField('app.gas.tx_base', 'txBase', 100_000_000),
    gasField('app.gas.tx_byte', 'txByte', 1_000_000),
    gasField('app.gas.transfer', 'transfer', 100_000_000),
  ];
}

type ScalarConsensusField = Exclude<keyof ConsensusParams, 'timeouts'>;

/** Consensus values are read through this so that a chain without a stored copy fails cleanly. */
function withConsensus(p: ParamSet, name: string): ConsensusParams {
  if (!p.consensus) throw new TxError('INVALID_PROPOSAL', `${name}: this chain keeps no copy of the consensus parameters in state, so they cannot be changed`);
  return p.consensus;
}

function consensusField(name: string, field: ScalarConsensusField, min: number, max: number): ParamSpec {
  return {
    name,
    group: 'consensus',
    min: BigInt(min),
    max: BigInt(max),
    get: (p) => (p.consensus ? BigInt(p.consensus[field]) : undefined),
    set: (p, v) => ({ ...p, consensus: { ...withConsensus(p, name), [field]: Number(v) } }),
  };
}

function timeoutField(jsonName: string, field: keyof TimeoutParams): ParamSpec {
  const name = `consensus.timeouts.${jsonName}`;
  return {
    name,
    group: 'consensus',
    min: 1n,
    max: BigInt(MAX_TIMEOUT_MS),
    get: (p) => (p.consensus ? BigInt(p.consensus.timeouts[field]) : undefined),
    set: (p, v) => {
      const c = withConsensus(p, name);
      return { ...p, consensus: { ...c, timeouts: { ...c.timeouts, [field]: Number(v) } } };
    },
  };
}

function consensusSpecs(): ParamSpec[] {
  return [
    consensusField('consensus.block_max_bytes', 'blockMaxBytes', MIN_BLOCK_MAX_BYTES, MAX_BLOCK_BYTES_STRUCTURAL),
    consensusField('consensus.block_max_gas', 'blockMaxGas', MIN_BLOCK_MAX_GAS, Number.MAX_SAFE_INTEGER),
    consensusField('consensus.max_tx_bytes', 'maxTxBytes', MIN_MAX_TX_BYTES, MAX_TX_BYTES_STRUCTURAL),
    consensusField('consensus.evidence_max_age_blocks', 'evidenceMaxAgeBlocks', 1, Number.MAX_SAFE_INTEGER),
    timeoutField('propose_ms', 'propose'),
    timeoutField('propose_delta_ms', 'proposeDelta'),
    timeoutField('prevote_ms', 'prevote'),
    timeoutField('prevote_delta_ms', 'prevoteDelta'),
    timeoutField('precommit_ms', 'precommit'),
    timeoutField('precommit_delta_ms', 'precommitDelta'),
    timeoutField('commit_ms', 'nextBlockDelay'),
  ];
}

export const PARAM_REGISTRY: ReadonlyMap<string, ParamSpec> = new Map([...stakingSpecs(), ...appSpecs(), ...consensusSpecs()].map((s) => [s.name, s]));

/** Every name a proposal may use, in registry order (staking, app, consensus). */
export const PARAM_NAMES: readonly string[] = [...PARAM_REGISTRY.keys()];

const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** Canonical decimal integer text (no sign, no leading zeros, no spaces), so one value has one spelling on chain. */
export function parseParamValue(name: string, text: string): bigint {
  if (!DECIMAL.test(text) || text.length > 78) {
    throw new TxError('INVALID_PROPOSAL', `${name}: value ${JSON.stringify(text.slice(0, 80))} is not a decimal integer (digits only, no leading zeros)`);
  }
  return BigInt(text);
}

/**
 * Checks that span parameters, on the whole resulting set: the staking rules of
 * checkStakingParams, and that the largest transaction still fits a block in bytes and gas
 * (otherwise no later proposal could repair the chain).
 */
export function checkParamSet(p: ParamSet): void {
  try {
    checkStakingParams(p.staking);
  } catch (err) {
    if (err instanceof InvalidStakingParamsError) throw new TxError('INVALID_PROPOSAL', `the resulting staking parameters are invalid: ${err.message}`);
    throw err;
  }
  const c = p.consensus;
  if (!c) return;
  if (c.maxTxBytes > c.blockMaxBytes) throw new TxError('INVALID_PROPOSAL', `consensus.max_tx_bytes (${c.maxTxBytes}) would exceed consensus.block_max_bytes (${c.blockMaxBytes})`);
  const needed = c.maxTxBytes + blockOverheadBytes(p.staking.maxValidators);
  if (c.blockMaxBytes < needed) {
    throw new TxError('INVALID_PROPOSAL', `consensus.block_max_bytes (${c.blockMaxBytes}) must hold the largest transaction plus the commit of ${p.staking.maxValidators} validators: at least ${needed}`);
  }
  const largestTxGas = BigInt(p.app.gas.txBase) + BigInt(p.app.gas.txByte) * BigInt(c.maxTxBytes) + BigInt(Math.max(p.app.gas.transfer, MESSAGE_GAS_ALLOWANCE));
  if (largestTxGas > BigInt(c.blockMaxGas)) {
    throw new TxError('INVALID_PROPOSAL', `the largest transaction would need ${largestTxGas} gas, above consensus.block_max_gas (${c.blockMaxGas})`);
  }
}

/** The parameter set after `changes`, each checked on its own and the result as a whole. Pure. */
export function applyParamChanges(current: ParamSet, changes: readonly ParamChange[]): ParamSet {
  if (changes.length === 0) throw new TxError('INVALID_PROPOSAL', 'a parameter proposal needs at least one change');
  const seen = new Set<string>();
  let next = current;
  for (const { name, value } of changes) {
    const spec = PARAM_REGISTRY.get(name);
    if (!spec) throw new TxError('INVALID_PROPOSAL', `unknown parameter ${JSON.stringify(name)} (spec/governance.md lists the names)`);
    if (seen.has(name)) throw new TxError('INVALID_PROPOSAL', `${name} is changed twice in one proposal`);
    seen.add(name);
    const v = parseParamValue(name, value);
    if (v < spec.min || v > spec.max) throw new TxError('INVALID_PROPOSAL', `${name}: ${v} is out of range [${spec.min}, ${spec.max}]`);
    next = spec.set(next, v);
  }
  checkParamSet(next);
  return next;
}

/** The groups `changes` touch, so the caller writes only those records. */
export function groupsOf(changes: readonly ParamChange[]): Set<ParamGroup> {
  return new Set(changes.map((c) => PARAM_REGISTRY.get(c.name)?.group).filter((g): g is ParamGroup => g !== undefined));
}

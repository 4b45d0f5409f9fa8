/**
 * A validator set with CometBFT's weighted round-robin proposer selection
 * (types/validator_set.go): each increment adds every validator's power to its priority,
 * picks the highest priority (ties: lower address) and subtracts the total power from it.
 * Priorities are rescaled to a window of 2 x total power and centred on zero before each
 * increment. Instances are immutable: every change returns a new set.
 */
import { compareBytes, bytesEqual, bytesKey } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { decode, encode, fixedBytes, list, safeUint, signedSafeInt, struct, type Infer } from '../codec/schema.js';
import { validatorsHash } from '../codec/validator.js';
import { MAX_VALIDATORS } from '../codec/vote.js';
import { addressFromPublicKey } from '../crypto/address.js';

/**
 * Keeps every priority within about 4 x total power, far inside 2^53, so plain numbers are
 * exact. (CometBFT allows int64/8; a stake-weighted chain stays far below either.)
 */
export const MAX_TOTAL_VOTING_POWER = 2 ** 48;
const PRIORITY_WINDOW_SIZE_FACTOR = 2;

export interface Validator {
  readonly address: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly power: number;
  readonly proposerPriority: number;
}

/** A change from FinalizeBlock: power 0 removes the validator. */
export interface ValidatorUpdate {
  readonly publicKey: Uint8Array;
  readonly power: number;
}

export class InvalidValidatorSetError extends CmtError {
  constructor(message: string) {
    super('INVALID_VALIDATOR_SET', message);
  }
}

interface MutableValidator {
  address: Uint8Array;
  publicKey: Uint8Array;
  power: number;
  proposerPriority: number;
}

/** Power descending, then address ascending: the canonical order (CometBFT's ValidatorsByVotingPower). */
function byPowerThenAddress(a: MutableValidator, b: MutableValidator): number {
  if (a.power !== b.power) return b.power - a.power;
  return compareBytes(a.address, b.address);
}

function truncDiv(a: number, b: number): number {
  return Number(BigInt(a) / BigInt(b));
}

/** Euclidean division by a positive divisor, as Go's big.Int.Div. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function rescalePriorities(vals: MutableValidator[], diffMax: number): void {
  if (diffMax <= 0) return;
  let max = -Infinity;
  let min = Infinity;
  for (const v of vals) {
    if (v.proposerPriority > max) max = v.proposerPriority;
    if (v.proposerPriority < min) min = v.proposerPriority;
  }
  const diff = max - min;
  if (diff > diffMax) {
    const ratio = truncDiv(diff + diffMax - 1, diffMax);
    for (const v of vals) v.proposerPriority = truncDiv(v.proposerPriority, ratio);
  }
}

function shiftByAveragePriority(vals: MutableValidator[]): void {
  let sum = 0n;
  for (const v of vals) sum += BigInt(v.proposerPriority);
  const avg = Number(floorDiv(sum, BigInt(vals.length)));
  for (const v of vals) v.proposerPriority -= avg;
}

function withMostPriority(vals: MutableValidator[]): MutableValidator {
  let best = vals[0] as MutableValidator;
  for (let i = 1; i < vals.length; i++) {
    const v = vals[i] as MutableValidator;
    if (v.proposerPriority > best.proposerPriority || (v.proposerPriority === best.proposerPriority && compareBytes(v.address, best.address) < 0)) {
      best = v;
    }
  }
  return best;
}

/** IncrementProposerPriority(times): mutates `vals`, returns the index of the last proposer chosen. */
function incrementProposerPriority(vals: MutableValidator[], totalPower: number, times: number): MutableValidator {
  rescalePriorities(vals, PRIORITY_WINDOW_SIZE_FACTOR * totalPower);
  shiftByAveragePriority(vals);
  let proposer = vals[0] as MutableValidator;
  for (let i = 0; i < times; i++) {
    for (const v of vals) v.proposerPriority += v.power;
    proposer = withMostPriority(vals);
    proposer.proposerPriority -= totalPower;
  }
  return proposer;
}

export class ValidatorSet {
  readonly validators: readonly Validator[];
  readonly totalPower: number;
  /** The proposer of round 0 at the height this set is for. */
  readonly proposer: Validator;
  private readonly indexByAddress: Map<string, number>;
  private cachedHash: Uint8Array | undefined;

  private constructor(validators: MutableValidator[], proposerAddress: Uint8Array) {
    this.validators = validators.map((v) => Object.freeze({ ...v }));
    this.totalPower = validators.reduce((s, v) => s + v.power, 0);
    this.indexByAddress = new Map(this.validators.map((v, i) => [bytesKey(v.address), i]));
    const proposerIndex = this.indexByAddress.get(bytesKey(proposerAddress));
    this.proposer = this.validators[proposerIndex ?? 0] as Validator;
  }

  /** CometBFT's NewValidatorSet: priorities start at zero and advance once. */
  static fromGenesis(entries: readonly ValidatorUpdate[]): ValidatorSet {
    if (entries.length === 0) throw new InvalidValidatorSetError('a validator set needs at least one validator');
    const vals = checkedNewValidators(entries, new Map()).filter((v) => v.power > 0);
    if (vals.length !== entries.length) throw new InvalidValidatorSetError('genesis validators need a positive power');
    vals.sort(byPowerThenAddress);
    const total = vals.reduce((s, v) => s + v.power, 0);
    const proposer = incrementProposerPriority(vals, total, 1);
    return new ValidatorSet(vals, proposer.address);
  }

  get size(): number {
    return this.validators.length;
  }

  hash(): Uint8Array {
    this.cachedHash ??= validatorsHash(this.validators);
    return this.cachedHash;
  }

  indexOf(address: Uint8Array): number {
    return this.indexByAddress.get(bytesKey(address)) ?? -1;
  }

  getByAddress(address: Uint8Array): Validator | undefined {
    const i = this.indexOf(address);
    return i < 0 ? undefined : this.validators[i];
  }

  getByIndex(index: number): Validator | undefined {
    return this.validators[index];
  }

  /** The proposer for `round` at this set's height: the set advanced `round` more times. */
  proposerForRound(round: number): Validator {
    if (round === 0) return this.proposer;
    return this.copyIncrementProposerPriority(round).proposer;
  }

  copyIncrementProposerPriority(times: number): ValidatorSet {
    if (!Number.isSafeInteger(times) || times <= 0) throw new RangeError('times must be a positive integer');
    const vals = this.mutableCopy();
    const proposer = incrementProposerPriority(vals, this.totalPower, times);
    return new ValidatorSet(vals, proposer.address);
  }

  /**
   * CometBFT's UpdateWithChangeSet: power 0 removes, a new validator starts at priority
   * -1.125 x the new total (so it cannot propose at once by joining), then priorities are
   * rescaled and centred. The proposer is left for the next copyIncrementProposerPriority.
   */
  applyUpdates(updates: readonly ValidatorUpdate[]): ValidatorSet {
    const seen = new Set<string>();
    for (const u of updates) {
      const key = bytesKey(u.publicKey);
      if (seen.has(key)) throw new InvalidValidatorSetError('duplicate validator in one update');
      seen.add(key);
    }
    const current = new Map(this.mutableCopy().map((v) => [bytesKey(v.address), v]));
    for (const u of updates) {
      if (u.power === 0 && !current.has(bytesKey(addressFromPublicKey(u.publicKey)))) {
        throw new InvalidValidatorSetError('cannot remove a validator that is not in the set');
      }
    }
    const changed = checkedNewValidators(updates, current);
    const next = new Map(current);
    for (const v of changed) {
      const key = bytesKey(v.address);
      if (v.power === 0) next.delete(key);
      else next.set(key, v);
    }
    const vals = [...next.values()];
    if (vals.length === 0) throw new InvalidValidatorSetError('an update may not remove every validator');
    // CometBFT prices a newcomer against the total after updates but before removals.
    let totalBeforeRemovals = this.totalPower;
    for (const v of changed) if (v.power > 0) totalBeforeRemovals += v.power - (current.get(bytesKey(v.address))?.power ?? 0);
    for (const v of changed) {
      if (v.power > 0 && !current.has(bytesKey(v.address))) v.proposerPriority = -(totalBeforeRemovals + Math.floor(totalBeforeRemovals / 8));
    }
    const total = vals.reduce((s, v) => s + v.power, 0);
    rescalePriorities(vals, PRIORITY_WINDOW_SIZE_FACTOR * total);
    shiftByAveragePriority(vals);
    vals.sort(byPowerThenAddress);
    return new ValidatorSet(vals, this.proposer.address);
  }

  toRecord(): ValidatorSetRecord {
    return { validators: this.validators.map((v) => ({ publicKey: v.publicKey, power: v.power, proposerPriority: v.proposerPriority })), proposer: this.proposer.address };
  }

  static fromRecord(record: ValidatorSetRecord): ValidatorSet {
    const vals = record.validators.map((v) => ({ address: addressFromPublicKey(v.publicKey), publicKey: v.publicKey, power: v.power, proposerPriority: v.proposerPriority }));
    const sorted = [...vals].sort(byPowerThenAddress);
    if (sorted.some((v, i) => v !== vals[i])) throw new InvalidValidatorSetError('stored validator set is not in canonical order');
    if (!vals.some((v) => bytesEqual(v.address, record.proposer))) throw new InvalidValidatorSetError('stored proposer is not in the set');
    return new ValidatorSet(vals, record.proposer);
  }

  encode(): Uint8Array {
    return encode(ValidatorSetRecord, this.toRecord());
  }

  static decode(bytes: Uint8Array): ValidatorSet {
    return ValidatorSet.fromRecord(decode(ValidatorSetRecord, bytes, 'validator set'));
  }

  private mutableCopy(): MutableValidator[] {
    return this.validators.map((v) => ({ ...v }));
  }
}

function checkedNewValidators(entries: readonly ValidatorUpdate[], current: Map<string, MutableValidator>): MutableValidator[] {
  const out: MutableValidator[] = [];
  const seen = new Set<string>();
  let total = [...current.values()].reduce((s, v) => s + v.power, 0);
  for (const e of entries) {
    if (e.publicKey.length !== 32) throw new InvalidValidatorSetError('validator public key must be 32 bytes');
    if (!Number.isSafeInteger(e.power) || e.power < 0) throw new InvalidValidatorSetError(`invalid voting power ${e.power}`);
    const address = addressFromPublicKey(e.publicKey);
    const key = bytesKey(address);
    if (seen.has(key)) throw new InvalidValidatorSetError('duplicate validator');
    seen.add(key);
    const existing = current.get(key);
    total += e.power - (existing?.power ?? 0);
    out.push({ address, publicKey: e.publicKey, power: e.power, proposerPriority: existing?.proposerPriority ?? 0 });
  }
  if (total > MAX_TOTAL_VOTING_POWER) throw new InvalidValidatorSetError(`total voting power exceeds ${MAX_TOTAL_VOTING_POWER}`);
  if (out.length > MAX_VALIDATORS) throw new InvalidValidatorSetError(`more than ${MAX_VALIDATORS} validators`);
  return out;
}

export const ValidatorSetRecord = struct('ValidatorSetRecord', {
  validators: list(
    struct('ValidatorRecord', { publicKey: fixedBytes(32), power: safeUint, proposerPriority: signedSafeInt }),
    MAX_VALIDATORS,
  ),
  proposer: fixedBytes(20),
});
export type ValidatorSetRecord = Infer<typeof ValidatorSetRecord>;

/**
 * The base fee (spec/contracts.md, "Gas price"): the lowest gas price a block accepts, moved
 * by block fullness as in EIP-1559. A block that used more than half the block gas limit
 * raises it for the next block, one that used less lowers it, by at most 1/8 per block, never
 * below the governed minimum gas price. It is the white paper's "dynamic exchange rate" between
 * CMT and gas. The whole fee (gas used x the transaction's gas price) goes to the validators
 * as before: the base fee sets the floor, it is not burned (spec/contracts.md says why).
 */
import { utf8 } from '../../codec/bytes.js';
import { decode, encode, uint } from '../../codec/schema.js';
import type { Overlay, StateReader } from '../../state/overlay.js';

const BASE_FEE_KEY = utf8('fee/base');
export const BASE_FEE_CHANGE_DENOMINATOR = 8n;
/** The target is the block gas limit divided by this. */
export const ELASTICITY_MULTIPLIER = 2;

/** The base fee for the next block: the stored one, raised to the minimum gas price if governance lifted that. */
export function readBaseFee(state: StateReader, minGasPrice: bigint): bigint {
  const raw = state.get(BASE_FEE_KEY);
  const stored = raw === undefined ? 0n : decode(uint(256), raw, 'base fee');
  return stored > minGasPrice ? stored : minGasPrice;
}

export function writeBaseFee(state: Overlay, fee: bigint): void {
  state.set(BASE_FEE_KEY, encode(uint(256), fee));
}

/** EIP-1559's update rule, in integers, floored at `minGasPrice`. */
export function nextBaseFee(current: bigint, gasUsed: number, blockMaxGas: number, minGasPrice: bigint): bigint {
  const target = BigInt(Math.max(1, Math.floor(blockMaxGas / ELASTICITY_MULTIPLIER)));
  const used = BigInt(gasUsed);
  let next = current;
  if (used > target) {
    const delta = (current * (used - target)) / target / BASE_FEE_CHANGE_DENOMINATOR;
    next = current + (delta > 0n ? delta : 1n);
  } else if (used < target) {
    next = current - (current * (target - used)) / target / BASE_FEE_CHANGE_DENOMINATOR;
  }
  return next > minGasPrice ? next : minGasPrice;
}

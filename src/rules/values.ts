/**
 * What rules compute with (spec/rules.md, "Values"): exact numbers, strings, booleans and null,
 * and the facts that carry them. Equality and order are defined here once, so conditions,
 * indexes and the agenda agree on them on every node.
 */
import { Decimal } from './decimal.js';

export type Value = Decimal | string | boolean | null;

/** The longest string a fact's field may hold (characters). */
export const MAX_STRING_VALUE = 4096;

export type ValueKind = 'number' | 'string' | 'bool' | 'null';

export class RuleRuntimeError extends Error {}

/** A fact in a session: its type, its fields, and the id and recency the engine gives it. */
export interface Fact {
  readonly id: number;
  readonly type: string;
  readonly fields: ReadonlyMap<string, Value>;
  /** Raised on each insert and modify: the agenda prefers activations of newer facts. */
  readonly recency: number;
  /** Per field, the recency of its last change (absent: never changed since the insert). */
  readonly changed: ReadonlyMap<string, number>;
}

export function kindOf(v: Value): ValueKind {
  if (v === null) return 'null';
  if (v instanceof Decimal) return 'number';
  return typeof v === 'string' ? 'string' : 'bool';
}

export function valuesEqual(a: Value, b: Value): boolean {
  if (a instanceof Decimal) return b instanceof Decimal && a.equals(b);
  return a === b;
}

/** A key equal values share (and no others): what an equality index files a value under. */
export function valueKey(v: Value): string {
  if (v === null) return 'z';
  if (v instanceof Decimal) return `n${v.toString()}`;
  return typeof v === 'string' ? `s${v}` : v ? 'bt' : 'bf';
}

/** The order of two numbers or two strings (by UTF-16 code units); undefined for any other pair. */
export function compareValues(a: Value, b: Value): -1 | 0 | 1 | undefined {
  if (a instanceof Decimal && b instanceof Decimal) return a.compare(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

/**
 * A field's value as a fact is given from outside (JSON-like): numbers must be exact, so a
 * decimal comes as `{ $decimal: "0.8" }` (or as a string into a field declared a number), and
 * a contract's BigInt as `{ $bigint: "12" }`.
 */
export function valueFrom(raw: unknown, where: string, declared?: ValueKind | 'bool'): Value {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string' && declared === 'number') return decimalFrom(raw, where);
  if (typeof raw === 'string' && raw.length > MAX_STRING_VALUE) throw new RuleRuntimeError(`${where}: a string longer than ${MAX_STRING_VALUE} characters`);
  if (raw instanceof Decimal || typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 1) {
    // A decimal, or a contract's BigInt as its JSON carries it ({ $bigint: "12" }).
    const tagged = (raw as { $decimal?: unknown }).$decimal ?? (raw as { $bigint?: unknown }).$bigint;
    if (typeof tagged === 'string' && ('$decimal' in raw || /^-?\d+$/.test(tagged))) return decimalFrom(tagged, where);
  }
  if (typeof raw === 'bigint') return Decimal.of(raw);
  if (typeof raw === 'number') {
    if (!Number.isSafeInteger(raw)) throw new RuleRuntimeError(`${where}: ${raw} is not an exact number (give a decimal as a string, such as "0.8")`);
    return Decimal.int(raw);
  }
  throw new RuleRuntimeError(`${where}: a field holds a number, a string, a boolean, null or { $decimal: "digits.digits" }`);
}

function decimalFrom(text: string, where: string): Decimal {
  try {
    return Decimal.parse(text);
  } catch (err) {
    throw new RuleRuntimeError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** A value as JSON: integers that a double holds exactly as numbers, other numbers as { $decimal }. */
export function valueJson(v: Value): unknown {
  if (!(v instanceof Decimal)) return v;
  const n = Number(v.toString());
  return v.isInteger && Number.isSafeInteger(n) ? n : { $decimal: v.toString() };
}

/** What a value costs to keep, in bytes' worth: a string's characters, a number's digits. */
export function valueSize(v: Value): number {
  if (v instanceof Decimal) return v.digits;
  return typeof v === 'string' ? v.length : 1;
}

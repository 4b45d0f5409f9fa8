/**
 * The pure helpers a rule may call (spec/rules.md, "Helpers"): each takes and gives values, has
 * no side effect and depends on nothing but its arguments, so a rule gives the same result on
 * every node.
 */
import { Decimal } from './decimal.js';
import { MAX_STRING_VALUE, RuleRuntimeError, type Value, type ValueKind } from './values.js';

export interface Helper {
  /** The kinds of the arguments; a rest kind repeats ('any': a value of any kind). */
  params: ValueKind[];
  rest?: ValueKind | 'any';
  returns: ValueKind;
  run(args: Value[]): Value;
}

function number(v: Value, name: string): Decimal {
  if (!(v instanceof Decimal)) throw new RuleRuntimeError(`${name} takes numbers`);
  return v;
}

function text(v: Value, name: string): string {
  if (typeof v !== 'string') throw new RuleRuntimeError(`${name} takes strings`);
  return v;
}

export const HELPERS: Readonly<Record<string, Helper>> = {
  abs: { params: ['number'], returns: 'number', run: ([a]) => (number(a ?? null, 'abs').units < 0n ? (a as Decimal).neg() : (a as Decimal)) },
  min: { params: ['number', 'number'], rest: 'number', returns: 'number', run: (args) => args.map((a) => number(a, 'min')).reduce((x, y) => (y.compare(x) < 0 ? y : x)) },
  max: { params: ['number', 'number'], rest: 'number', returns: 'number', run: (args) => args.map((a) => number(a, 'max')).reduce((x, y) => (y.compare(x) > 0 ? y : x)) },
  round: {
    params: ['number', 'number'],
    returns: 'number',
    run: ([n, places]) => {
      const p = number(places ?? null, 'round');
      if (!p.isInteger || p.units < 0n || p.units > 18n) throw new RuleRuntimeError('round takes 0 to 18 places');
      return number(n ?? null, 'round').round(Number(p.units));
    },
  },
  len: { params: ['string'], returns: 'number', run: ([s]) => Decimal.int(text(s ?? null, 'len').length) },
  // ASCII letters only: the host's Unicode case tables may change with its version, a rule's result may not.
  lower: { params: ['string'], returns: 'string', run: ([s]) => text(s ?? null, 'lower').replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) },
  upper: { params: ['string'], returns: 'string', run: ([s]) => text(s ?? null, 'upper').replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 32)) },
  contains: { params: ['string', 'string'], returns: 'bool', run: ([s, part]) => text(s ?? null, 'contains').includes(text(part ?? null, 'contains')) },
  concat: {
    params: [],
    rest: 'any',
    returns: 'string',
    run: (args) => {
      const parts = args.map((a) => (a instanceof Decimal ? a.toString() : a === null ? '' : String(a)));
      // Measured before it is built: a long result is refused without being made.
      if (parts.reduce((n, p) => n + p.length, 0) > MAX_STRING_VALUE) throw new RuleRuntimeError(`concat would make a string longer than ${MAX_STRING_VALUE} characters`);
      return parts.join('');
    },
  },
};

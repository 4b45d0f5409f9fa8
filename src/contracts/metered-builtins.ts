/**
 * Metered built-ins (spec/contracts.md, "Metered built-ins"). QuickJS only counts interpreter
 * ticks (jumps, branches, calls) towards the interrupt handler, so a built-in written in C —
 * `'x'.repeat(n)`, `a.join()`, `JSON.stringify(v)`, `a.sort()` — does work proportional to its
 * input or output for no gas. A prelude runs before contract code and replaces such built-ins
 * with wrappers that charge gas for the size of what they read and write BEFORE calling the
 * original, and that refuse absurd sizes.
 *
 * How it holds against contract code:
 * - every original a wrapper or helper needs is captured by the prelude before contract code
 *   runs, and kept where no contract reaches (the prelude's closure and its array `V`); the
 *   wrappers are installed non-writable and non-configurable (String.prototype.repeat = f throws
 *   in a module, delete returns false), and the natives the prelude is given (`gas`, `source`)
 *   are arguments, never globals;
 * - a wrapper converts its receiver and arguments to primitives itself (running the contract's
 *   valueOf/toString once) and passes the primitives on, so the original cannot be shown a
 *   different size than the one that was charged; where the original would read lengths of
 *   several objects after running contract code (concat, flat, flatMap, Array.from on an
 *   array-like, String.raw), the wrapper does the work itself in metered JavaScript, and
 *   Object.assign copies one source at a time;
 * - Proxy, typed arrays, ArrayBuffer, SharedArrayBuffer, DataView and Atomics are not in the
 *   context at all (src/contracts/sandbox.ts creates it without those intrinsics): a Proxy lies
 *   about lengths, and binary buffers are not part of the contract data model (JSON values and
 *   BigInt).
 *
 * Charges accumulate in the closure and are handed to the host's `gas(n)` in whole gas once at
 * least `flushAt` gas is pending, so a cheap call does not cost a host call; at most `flushAt`
 * gas of work is ever done ahead of its charge, and an unflushed remainder below `flushAt` at the
 * end of a call is not charged (the interrupt-based gas has a granularity of 1,000 anyway).
 * The rates are powers of two, so every sum is exact in doubles and the same on every machine.
 *
 * Cost per call. This QuickJS build cannot reuse bytecode, and compiling costs about 100-150 ns
 * per token, so what runs on every call is kept small: the prelude (METERED_BUILTINS_PRELUDE)
 * only captures the originals, installs one small stub per wrapped built-in from a table (a
 * string), replaces the constructors by stubs, and holds the host bridge (encode/decode). A
 * stub compiles its wrapper on first use; a wrapper's source (METERED_BUILTINS_SOURCES[i],
 * handed over by the host through `source(i)`) names the helpers it uses, each compiled once per
 * call on first use too. Compiling is not charged: it is bounded by the size of the sources, once
 * per call.
 */

/**
 * The gas schedule of the wrapped built-ins, in gas per unit. Calibrated on the reference machine
 * so that a wrapped built-in costs at most about 60 ns of CPU per gas, the same as interpreted
 * code (an empty loop costs ~70 ns per gas at GAS_PER_INTERRUPT = 1,000 per 10,000 ticks):
 * change them together with GAS_PER_INTERRUPT. Changing any of them is a consensus change.
 */
/**
 * Gas is priced so that a second of contract CPU costs about what a second of transfers does
 * (a transfer's ~21,500 gas buys ~150 us of signature check and execution: ~7 ns per gas); the
 * rates below were calibrated at ~60 ns per gas and are multiplied by this, as is
 * GAS_PER_INTERRUPT. A power of two, so the dyadic rates stay exact.
 */
export const GAS_SCALE = 8;

export const BUILTIN_GAS = {
  /** Pending gas handed to the host in one `gas` call. */
  flushAt: 100 * GAS_SCALE,
  /** Every call of a wrapped built-in. */
  call: GAS_SCALE * 1,
  /** Per character copied (slice, substring, trim, concat, join output, replace/split/match copies). */
  charCopy: GAS_SCALE * (1 / 256),
  /** Per character compared or searched (indexOf, includes, split/replace search, Map/Set string keys). */
  charScan: GAS_SCALE * (1 / 32),
  /** Per character produced one at a time (repeat, padStart/padEnd, case mapping, normalize, JSON strings, parseInt). */
  charBuild: GAS_SCALE * (1 / 8),
  /** Per input character of URI encoding and decoding. */
  charUri: GAS_SCALE * (1 / 2),
  /** Per character of JSON.parse input. */
  charJsonParse: GAS_SCALE * (1 / 2),
  /** Per character of a RegExp pattern compiled. */
  charRegExp: GAS_SCALE * (1 / 4),
  /** Per character of source compiled by eval or a Function constructor. */
  charCompile: GAS_SCALE * 2,
  /** Per array element visited (indexOf/includes, callbacks' loops over length, sort per comparison, shift/unshift/reverse). */
  elemScan: GAS_SCALE * (1 / 2),
  /** Per array element created or copied (slice, splice, concat, fill, flat, Array.from, split and join elements). */
  elemCopy: GAS_SCALE * 1,
  /** Per own property listed or copied (Object.keys/values/entries/assign/freeze..., Reflect.ownKeys). */
  propKey: GAS_SCALE * 2,
  /** Per value serialized by JSON.stringify (plus its string characters at charBuild and indentation). */
  jsonNode: GAS_SCALE * 16,
  /** BigInt(string): per (digits)^2. */
  bigintParseDigitSquared: GAS_SCALE * (1 / 4096),
  /** BigInt toString in a radix that is not a power of two: per (bits)^2. */
  bigintPrintBitSquared: GAS_SCALE * (1 / 16384),
  /** Longest string a wrapped built-in may produce (the 16 MiB memory limit cannot hold more). */
  maxStringLength: 1 << 24,
  /** Most elements a wrapped array built-in may visit or produce. */
  maxElements: 1 << 22,
} as const;

const G = BUILTIN_GAS;

/** The numbers the sources use, written into them as literals (String(n) round-trips exactly). */
const K = {
  FLUSH: G.flushAt,
  CALL: G.call,
  COPY: G.charCopy,
  SCAN: G.charScan,
  BUILD: G.charBuild,
  URI: G.charUri,
  JSON_CHAR: G.charJsonParse,
  REGEXP_CHAR: G.charRegExp,
  COMPILE: G.charCompile,
  ESCAN: G.elemScan,
  ECOPY: G.elemCopy,
  KEY: G.propKey,
  NODE: G.jsonNode,
  DIGIT2: G.bigintParseDigitSquared,
  BIT2: G.bigintPrintBitSquared,
  MAX_STRING: G.maxStringLength,
  MAX_ELEMENTS: G.maxElements,
  /** A charge at or above this (or NaN) is charged as this: unaffordable, never free. */
  HUGE: 2 ** 50,
} as const;

/**
 * Originals the lazily compiled code uses that are not themselves wrapped, captured by the
 * prelude into `V` (in this order) before any contract code runs: [name in the sources, the
 * prelude's expression]. The wrapped originals follow them in `V`, in table order (WRAPPED_ORIGINALS).
 */
const EAGER: readonly [string, string][] = [
  ['$Object', 'O'],
  ['$Array', 'Array'],
  ['$String', 'String'],
  ['$Map', 'Map'],
  ['$Symbol', 'Y'],
  ['$RegExp', 'X'],
  ['$JSON', 'J'],
  ['$TypeError', 'TypeError'],
  ['$RangeError', 'RangeError'],
  ['apply', 'A'],
  ['construct', 'R.construct'],
  ['defineProperty', 'dp'],
  ['getPrototypeOf', 'gp'],
  ['setPrototypeOf', 'O.setPrototypeOf'],
  ['isArray', 'Array.isArray'],
  ['floor', 'fl'],
  ['trunc', 'M.trunc'],
  ['min', 'M.min'],
  ['max', 'M.max'],
  ['clz32', 'M.clz32'],
  ['fnBind', 'F.prototype.bind'],
  ['fnCall', 'F.prototype.call'],
  ['strValueOf', 'String.prototype.valueOf'],
  ['numValueOf', 'Number.prototype.valueOf'],
  ['bigValueOf', 'BP.valueOf'],
  ['reSource', "O.getOwnPropertyDescriptor(X.prototype,'source').get"],
  ['charge', 'ch'],
];

/** Wrapped originals the sources use by name: [target, key] in the table (as captured before wrapping). */
const WRAPPED_ORIGINALS: Record<string, [number, string]> = {
  strSlice: [0, 'slice'],
  strIndexOf: [0, 'indexOf'],
  arrSlice: [1, 'slice'],
  arrJoin: [1, 'join'],
  ownKeys: [3, 'ownKeys'],
  mapGet: [6, 'get'],
  mapSet: [6, 'set'],
  bigToString: [11, 'toString'],
};

/**
 * Values written into the prologue of each source that uses them: immutable properties of the
 * captured originals (a well-known symbol, the prototype of an original constructor), bindings
 * of captured functions, and small helpers over captured values only.
 */
const DERIVED: Record<string, string> = {
  ObjectProto: '$Object.prototype',
  symIterator: '$Symbol.iterator',
  symMatch: '$Symbol.match',
  symMatchAll: '$Symbol.matchAll',
  symReplace: '$Symbol.replace',
  symSearch: '$Symbol.search',
  symSplit: '$Symbol.split',
  symSpread: '$Symbol.isConcatSpreadable',
  symToPrimitive: '$Symbol.toPrimitive',
  /** f(thisArg, ...args) without allocating an argument list. */
  mapGetOf: 'apply(fnBind, fnCall, [mapGet])',
  mapSetOf: 'apply(fnBind, fnCall, [mapSet])',
  // Small helpers, cheaper written inline than compiled once on their own (about 5 us each).
  isObject: "(v) => (typeof v === 'object' && v !== null) || typeof v === 'function'",
  /** Worst case of QuickJS's naive substring search: (n - m + 1) * m character comparisons. */
  searchCost: '(n, m) => (m > n ? 1 : (n - m + 1) * max(m, 1))',
  log2ceil: '(n) => (n <= 1 ? 1 : 32 - clz32(n - 1))',
  define: '(obj, key, value) => defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })',
  /** An internal array: no prototype, so no inherited index getter or setter of the contract can see or change it. */
  fresh: '() => setPrototypeOf([], null)',
};

/**
 * Helpers: each compiled once per call, on first use by a wrapper (or another helper). A source
 * is an expression whose value is the helper. (No template literals in any source: QuickJS
 * compiles them to String.prototype.concat, which is wrapped.)
 */
const HELPERS: Record<string, string> = {
  capString: `(n) => {
  if (!(n <= MAX_STRING)) throw new $RangeError('string of ' + n + ' characters refused (the sandbox allows ' + MAX_STRING + ')');
}`,
  capElements: `(n) => {
  if (!(n <= MAX_ELEMENTS)) throw new $RangeError(n + ' array elements refused (the sandbox allows ' + MAX_ELEMENTS + ')');
}`,
  // Conversions: each runs contract code at most once; the primitive result is what the original gets.
  toStr: `(v) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'symbol') throw new $TypeError('cannot convert a Symbol to a string');
  return $String(v);
}`,
  toInt: `(v) => { const n = +v; return n === n ? trunc(n) + 0 : 0; }`,
  toLen: `(v) => { const n = toInt(v); return n > 0 ? min(n, 9007199254740991) : 0; }`,
  rel: `(v, len, dflt) => { if (v === undefined) return dflt; const n = toInt(v); return n < 0 ? max(len + n, 0) : min(n, len); }`,
  toObj: `(v, what) => { if (v === undefined || v === null) throw new $TypeError(what + ' called on null or undefined'); return $Object(v); }`,
  thisStr: `(v, name) => { if (v === undefined || v === null) throw new $TypeError('String.prototype.' + name + ' called on null or undefined'); return toStr(v); }`,
  isRealRegExp: `(v) => { try { apply(reSource, v, []); return v !== $RegExp.prototype; } catch { return false; } }`,
  isRegExp: `(v) => { if (!isObject(v)) return false; const m = v[symMatch]; return m !== undefined ? !!m : isRealRegExp(v); }`,
  toPrimitiveNumber: `(v) => {
  if (!isObject(v)) return v;
  const exotic = v[symToPrimitive];
  if (exotic !== undefined && exotic !== null) { const r = apply(exotic, v, ['number']); if (!isObject(r)) return r; throw new $TypeError('cannot convert object to primitive value'); }
  const valueOf = v.valueOf; if (typeof valueOf === 'function') { const r = apply(valueOf, v, []); if (!isObject(r)) return r; }
  const toString = v.toString; if (typeof toString === 'function') { const r = apply(toString, v, []); if (!isObject(r)) return r; }
  throw new $TypeError('cannot convert object to primitive value');
}`,
  // A genuine array receiver as is (its length is an own data property: there is no Proxy); anything else is copied into one.
  arrayThis: `(v, name, mutating) => {
  if (isArray(v)) { capElements(v.length); return v; }
  const o = toObj(v, 'Array.prototype.' + name);
  if (mutating) throw new $TypeError('Array.prototype.' + name + ' needs an array in this sandbox');
  const len = toLen(o.length); capElements(len); charge(len * ECOPY);
  const copy = [];
  for (let k = 0; k < len; k++) if (k in o) copy[k] = o[k];
  copy.length = len;
  return copy;
}`,
  // The array a species-aware method would create (the original slice does ArraySpeciesCreate).
  speciesEmpty: `(o) => (isArray(o) ? apply(arrSlice, o, [0, 0]) : [])`,
  flatten: `function flatten(out, n, source, depth) {
  const len = toLen(source.length); capElements(n + len); charge(CALL + len * 2 * ECOPY);
  for (let k = 0; k < len; k++) {
    if (!(k in source)) continue;
    const v = source[k];
    if (depth > 0 && isArray(v)) n = flatten(out, n, v, depth - 1);
    else { capElements(n + 1); out[n++] = v; }
  }
  return n;
}`,
  // GetSubstitution for a replacement template, and the replacement handed to the original
  // replace: always a function, so each replacement is charged for its length before the
  // original copies it into the result.
  replaceFn: `(() => {
const expand = (repl, matched, position, str, a, c0, c1, groups) => {
  const m = c1 - c0; const n = repl.length; let out = ''; let i = 0;
  while (i < n) {
    const j = apply(strIndexOf, repl, ['$', i]);
    if (j < 0 || j === n - 1) { out += apply(strSlice, repl, [i]); break; }
    out += apply(strSlice, repl, [i, j]);
    const c = repl[j + 1];
    if (c === '$') { out += '$'; i = j + 2; }
    else if (c === '&') { out += matched; i = j + 2; }
    else if (c === '\\x60') { out += apply(strSlice, str, [0, position]); i = j + 2; }
    else if (c === "'") { out += apply(strSlice, str, [min(position + matched.length, str.length)]); i = j + 2; }
    else if (c >= '0' && c <= '9') {
      const d1 = +c; const c2 = repl[j + 2];
      const two = c2 !== undefined && c2 >= '0' && c2 <= '9' ? d1 * 10 + +c2 : -1;
      if (two >= 1 && two <= m) { const v = a[c0 + two - 1]; out += v === undefined ? '' : v; i = j + 3; }
      else if (d1 >= 1 && d1 <= m) { const v = a[c0 + d1 - 1]; out += v === undefined ? '' : v; i = j + 2; }
      else { out += '$'; i = j + 1; }
    } else if (c === '<' && groups !== undefined) {
      const k = apply(strIndexOf, repl, ['>', j + 2]);
      if (k < 0) { out += '$<'; i = j + 2; }
      else { const v = groups[apply(strSlice, repl, [j + 2, k])]; out += v === undefined ? '' : toStr(v); i = k + 1; }
    } else { out += '$'; i = j + 1; }
  }
  return out;
};
return (replaceValue) => {
  if (typeof replaceValue === 'function') {
    return function (...a) { const r = toStr(apply(replaceValue, undefined, a)); charge(3 * CALL + r.length * COPY); return r; };
  }
  const repl = toStr(replaceValue);
  if (apply(strIndexOf, repl, ['$']) < 0) return function () { charge(3 * CALL + repl.length * COPY); return repl; };
  return function (...a) {
    // (matched, ...captures, position, string[, groups])
    let last = a.length - 1; let groups;
    if (isObject(a[last])) { groups = a[last]; last--; }
    charge(16 * CALL + repl.length * BUILD);
    const out = expand(repl, toStr(a[0]), toInt(a[last - 1]), toStr(a[last]), a, 1, last - 1, groups);
    charge(out.length * COPY);
    return out;
  };
};
})()`,
  // The replacer JSON.stringify is given (by its wrapper, and by the host bridge's encode): called
  // by the original for every value it serializes, before it serializes it, it charges first
  // (node, key, string characters, indentation and the circularity check, both as deep as the
  // value), then applies the contract's replacer function `fn` or property list `list`.
  jsonMeter: `(fn, list, gap) => {
  const depths = new $Map();
  return function (key, v) {
    if (fn !== undefined) v = apply(fn, this, [key, v]);
    // A String object is serialized as its string: unwrapped here so its length is charged. Plain
    // objects and arrays skip the check (a failed check throws, which costs a backtrace).
    if (typeof v === 'object' && v !== null && !isArray(v) && getPrototypeOf(v) !== ObjectProto) {
      try { v = apply(strValueOf, v, []); } catch {}
    }
    if (typeof v !== 'object' || v === null) {
      let units = NODE + key.length * BUILD;
      if (typeof v === 'string') units += v.length * BUILD;
      if (gap !== '') units += (mapGetOf(depths, this) ?? 0) * gap.length * BUILD;
      charge(units);
      return v;
    }
    const d = mapGetOf(depths, this) ?? 0;
    if (list !== undefined && !isArray(v)) {
      const picked = {};
      for (let i = 0; i < list.length; i++) { const k = list[i]; const x = v[k]; if (x !== undefined) define(picked, k, x); }
      v = picked;
    }
    mapSetOf(depths, v, d + 1);
    charge(NODE + (key.length + d * gap.length) * BUILD + d * ESCAN);
    return v;
  };
}`,
  // The replacer of the host bridge's encode (see the prelude): jsonMeter for
  // JSON.stringify(value, tag) with tag = BigInt as {"$bigint": "..."}, no property list and no
  // indentation, written out for that case (the same charges, in the same order, for less to compile).
  bridgeMeter: `() => {
  const depths = new $Map();
  return function (key, v) {
    if (typeof v === 'bigint') v = { $bigint: v.toString() };
    if (typeof v === 'object' && v !== null && !isArray(v) && getPrototypeOf(v) !== ObjectProto) {
      try { v = apply(strValueOf, v, []); } catch {}
    }
    if (typeof v !== 'object' || v === null) {
      charge(typeof v === 'string' ? NODE + key.length * BUILD + v.length * BUILD : NODE + key.length * BUILD);
      return v;
    }
    const d = mapGetOf(depths, this) ?? 0;
    mapSetOf(depths, v, d + 1);
    charge(NODE + key.length * BUILD + d * ESCAN);
    return v;
  };
}`,
  // The host's list of a module's callable exports (deploys): through the wrapped built-ins.
  exportNames: `(m) => $JSON.stringify($Object.keys(m).filter((k) => typeof m[k] === 'function' && !k.startsWith('__')).sort())`,
};

/**
 * The constructors replaced by stubs (every path to the original leads to the stub: the global,
 * `prototype.constructor`). A source here is `(Orig, W) => function`, where W is the stub; the
 * function is called with `this` = the stub's new.target (undefined for a plain call).
 */
const CONSTRUCTORS = {
  BigInt: `(Orig) => function (value) {
  if (this !== undefined) throw new $TypeError('BigInt is not a constructor');
  const v = toPrimitiveNumber(value);
  if (typeof v === 'string') { const n = v.length; charge(CALL + n * n * DIGIT2 + n * SCAN); } else charge(CALL);
  return apply(Orig, undefined, [v]);
}`,
  RegExp: `(Orig, W) => function (pattern, flags) {
  const nt = this;
  const p = isRealRegExp(pattern) ? pattern : pattern === undefined ? undefined : toStr(pattern);
  const f = flags === undefined ? undefined : toStr(flags);
  const size = p === undefined ? 0 : typeof p === 'string' ? p.length : apply(reSource, p, []).length;
  charge(CALL + size * REGEXP_CHAR);
  const args = f === undefined ? [p] : [p, f];
  return nt === undefined ? apply(Orig, undefined, args) : construct(Orig, args, nt === W ? Orig : nt);
}`,
  // Function and the generator and async function constructors: eval is wrapped as a method.
  Function: `(Orig, W) => function (...args) {
  const nt = this;
  let n = 0;
  for (let i = 0; i < args.length; i++) { const s = toStr(args[i]); args[i] = s; n += s.length; }
  charge(CALL + n * COMPILE);
  return nt === undefined || nt === W ? apply(Orig, undefined, args) : construct(Orig, args, nt);
}`,
} as const;

// ---- the wrappers: a source is `(orig, key) => wrapper` ----

const KEYS = `(orig, name) => ({ [name](o) {
  // The number of keys is only known once listed; it is charged before anything else runs.
  const r = apply(orig, this, [o]); charge(CALL + r.length * KEY); return r;
} })[name]`;
const MAP_SET = `(orig, name) => ({ [name](key, value) {
  charge(CALL + (typeof key === 'string' ? key.length * SCAN : 0)); return apply(orig, this, name === 'set' ? [key, value] : [key]);
} })[name]`;
const PARSE_NUMBER = `(orig, name) => ({ [name](v, radix) {
  const s = toStr(v); charge(CALL + s.length * BUILD); return apply(orig, undefined, [s, radix]);
} })[name]`;
const AS_N = `(orig, name) => ({ [name](bits, bigint) {
  const b = toInt(bits); charge(CALL + min(max(b, 0), 2097152) * COPY); return apply(orig, this, [b, bigint]);
} })[name]`;

/**
 * What the prelude wraps: [target, [names, source][]], a source shared by the names given
 * together (and compiled once for all entries with the same text). The targets are the prelude's `T`: 0 String.prototype, 1 Array.prototype, 2 Object,
 * 3 Reflect, 4 JSON, 5 globalThis, 6 Map.prototype, 7 Set.prototype, 8 RegExp.prototype, 9
 * RegExp.prototype by well-known symbol (the name is the Symbol's property), 10 BigInt,
 * 11 BigInt.prototype, 12 Number, 13 Symbol, 14 Array, 15 String. A name that is not a function
 * there is skipped.
 */
const WRAPPERS: [number, [string, string][]][] = [
  [
    0,
    [
      [
        'repeat',
        `(orig) => ({ repeat(count) {
  const s = thisStr(this, 'repeat'); const n = toInt(count);
  if (n >= 0 && n !== Infinity) { const out = s.length * n; capString(out); charge(CALL + out * BUILD); }
  return apply(orig, s, [n]);
} }).repeat`,
      ],
      [
        'padStart padEnd',
        `(orig, name) => ({ [name](maxLength, fillString) {
  const s = thisStr(this, name); const L = toLen(maxLength);
  const fill = fillString === undefined ? undefined : toStr(fillString);
  const out = L > s.length && fill !== '' ? L : s.length;
  capString(out); charge(CALL + (out - s.length) * BUILD + s.length * COPY);
  return apply(orig, s, [L, fill]);
} })[name]`,
      ],
      [
        'concat',
        `(orig) => ({ concat(...args) {
  const s = thisStr(this, 'concat'); const strs = fresh(); let total = s.length;
  for (let i = 0; i < args.length; i++) { const t = toStr(args[i]); strs[i] = t; total += t.length; }
  capString(total); charge(CALL + args.length * ECOPY + total * COPY);
  return apply(orig, s, strs);
} }).concat`,
      ],
      [
        'slice',
        `(orig) => ({ slice(start, end) {
  const s = thisStr(this, 'slice'); const len = s.length; const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * COPY);
  return apply(orig, s, [from, to]);
} }).slice`,
      ],
      [
        'substring',
        `(orig) => ({ substring(start, end) {
  const s = thisStr(this, 'substring'); const len = s.length;
  const a = min(max(toInt(start), 0), len); const b = end === undefined ? len : min(max(toInt(end), 0), len);
  charge(CALL + (a > b ? a - b : b - a) * COPY);
  return apply(orig, s, [a, b]);
} }).substring`,
      ],
      [
        'substr',
        `(orig) => ({ substr(start, length) {
  const s = thisStr(this, 'substr'); const len = s.length; const from = rel(start, len, 0);
  const n = length === undefined ? len - from : min(max(toInt(length), 0), len - from);
  charge(CALL + n * COPY);
  return apply(orig, s, [from, n]);
} }).substr`,
      ],
      [
        'trim trimStart trimEnd trimLeft trimRight',
        `(orig, name) => ({ [name]() {
  const s = thisStr(this, name); charge(CALL + s.length * COPY); return apply(orig, s, []);
} })[name]`,
      ],
      [
        'toUpperCase toLowerCase toLocaleUpperCase toLocaleLowerCase toWellFormed isWellFormed',
        `(orig, name) => ({ [name]() {
  const s = thisStr(this, name); charge(CALL + s.length * BUILD); return apply(orig, s, []);
} })[name]`,
      ],
      [
        'normalize',
        `(orig) => ({ normalize(form) {
  // Decompositions can grow the string: 4 per character.
  const s = thisStr(this, 'normalize'); const f = form === undefined ? undefined : toStr(form);
  charge(CALL + s.length * 4 * BUILD);
  return apply(orig, s, [f]);
} }).normalize`,
      ],
      [
        'localeCompare',
        `(orig) => ({ localeCompare(that) {
  const s = thisStr(this, 'localeCompare'); const t = toStr(that);
  charge(CALL + (s.length + t.length) * BUILD);
  return apply(orig, s, [t]);
} }).localeCompare`,
      ],
      [
        'indexOf',
        `(orig) => ({ indexOf(search, position) {
  const s = thisStr(this, 'indexOf'); const t = toStr(search); const len = s.length; const from = min(max(toInt(position), 0), len);
  charge(CALL + searchCost(len - from, t.length) * SCAN);
  return apply(orig, s, [t, from]);
} }).indexOf`,
      ],
      [
        'lastIndexOf',
        `(orig) => ({ lastIndexOf(search, position) {
  const s = thisStr(this, 'lastIndexOf'); const t = toStr(search); const p = +position;
  charge(CALL + searchCost(s.length, t.length) * SCAN);
  return apply(orig, s, [t, p]);
} }).lastIndexOf`,
      ],
      [
        'includes startsWith endsWith',
        `(orig, name) => ({ [name](search, position) {
  const s = thisStr(this, name);
  if (isRegExp(search)) throw new $TypeError('First argument to String.prototype.' + name + ' must not be a regular expression');
  const t = toStr(search); const len = s.length;
  const p = position === undefined ? undefined : min(max(toInt(position), 0), len);
  const scanned = name === 'includes' ? searchCost(len - (p ?? 0), t.length) : t.length;
  charge(CALL + scanned * SCAN);
  return apply(orig, s, [t, p]);
} })[name]`,
      ],
      [
        'split',
        `(orig) => ({ split(separator, limit) {
  if (this === undefined || this === null) throw new $TypeError('String.prototype.split called on null or undefined');
  if (separator !== undefined && separator !== null) {
    const splitter = separator[symSplit];
    if (splitter !== undefined && splitter !== null) return apply(splitter, separator, [this, limit]);
  }
  const s = toStr(this); const lim = limit === undefined ? 4294967295 : (+limit) >>> 0; const sep = toStr(separator);
  const n = s.length, m = sep.length;
  const parts = min(lim, m === 0 ? n : floor(n / m) + 1);
  charge(CALL + searchCost(n, m) * SCAN + n * COPY + parts * ECOPY);
  return apply(orig, s, [sep, lim]);
} }).split`,
      ],
      [
        'replace',
        `(orig) => ({ replace(searchValue, replaceValue) {
  if (this === undefined || this === null) throw new $TypeError('String.prototype.replace called on null or undefined');
  if (searchValue !== undefined && searchValue !== null) {
    const r = searchValue[symReplace];
    if (r !== undefined && r !== null) return apply(r, searchValue, [this, replaceValue]);
  }
  const s = toStr(this); const t = toStr(searchValue); const fn = replaceFn(replaceValue);
  charge(CALL + searchCost(s.length, t.length) * SCAN + s.length * COPY);
  return apply(orig, s, [t, fn]);
} }).replace`,
      ],
      [
        'replaceAll',
        `(orig) => ({ replaceAll(searchValue, replaceValue) {
  if (this === undefined || this === null) throw new $TypeError('String.prototype.replaceAll called on null or undefined');
  if (searchValue !== undefined && searchValue !== null) {
    if (isRegExp(searchValue)) {
      const flags = searchValue.flags;
      if (flags === undefined || flags === null || apply(strIndexOf, toStr(flags), ['g']) < 0) throw new $TypeError('replaceAll must be called with a global RegExp');
    }
    const r = searchValue[symReplace];
    if (r !== undefined && r !== null) return apply(r, searchValue, [this, replaceValue]);
  }
  const s = toStr(this); const t = toStr(searchValue); const fn = replaceFn(replaceValue);
  const n = s.length, m = t.length;
  charge(CALL + (m === 0 ? n + 1 : searchCost(n, m)) * SCAN + n * COPY);
  return apply(orig, s, [t, fn]);
} }).replaceAll`,
      ],
      [
        'match matchAll search',
        `(orig, name) => ({ [name](regexp) {
  const sym = name === 'match' ? symMatch : name === 'matchAll' ? symMatchAll : symSearch; const all = name === 'matchAll';
  if (this === undefined || this === null) throw new $TypeError('String.prototype.' + name + ' called on null or undefined');
  if (regexp !== undefined && regexp !== null) {
    if (all && isRegExp(regexp)) {
      const flags = regexp.flags;
      if (flags === undefined || flags === null || apply(strIndexOf, toStr(flags), ['g']) < 0) throw new $TypeError('matchAll must be called with a global RegExp');
    }
    const m = regexp[sym];
    if (m !== undefined && m !== null) return apply(m, regexp, [this]);
  }
  // The original compiles the pattern with the intrinsic RegExp: charged here.
  const s = toStr(this); const p = regexp === undefined ? '' : toStr(regexp);
  charge(CALL + p.length * REGEXP_CHAR + s.length * COPY);
  return apply(orig, s, [p]);
} })[name]`,
      ],
    ],
  ],
  [
    15,
    [
      [
        'fromCharCode fromCodePoint',
        `(orig, name) => ({ [name](...codes) {
  capString(codes.length); charge(CALL + codes.length * ECOPY); return apply(orig, this, codes);
} })[name]`,
      ],
      [
        'raw',
        `(orig) => ({ raw(template, ...subs) {
  const literals = toObj(toObj(template, 'String.raw').raw, 'String.raw');
  const count = toLen(literals.length); capElements(count); charge(CALL + count * 4 * ECOPY);
  let out = ''; let total = 0;
  for (let k = 0; k < count; k++) {
    const lit = toStr(literals[k]); total += lit.length; capString(total); charge(lit.length * COPY); out += lit;
    if (k + 1 === count) break;
    if (k < subs.length) { const v = toStr(subs[k]); total += v.length; capString(total); charge(v.length * COPY); out += v; }
  }
  return out;
} }).raw`,
      ],
    ],
  ],
  [
    8,
    [
      [
        'exec',
        `(orig) => ({ exec(string) {
  const s = toStr(string);
  const r = apply(orig, this, [s]);
  // The copies of the match and its captures are only known afterwards; charged before anything else runs.
  if (r !== null && typeof r === 'object') {
    let chars = 0; const n = r.length;
    for (let i = 0; i < n; i++) { const v = r[i]; if (typeof v === 'string') chars += v.length; }
    charge(4 * CALL + n * ECOPY + chars * COPY);
  }
  return r;
} }).exec`,
      ],
      [
        'compile',
        `(orig) => ({ compile(pattern, flags) {
  const p = isRealRegExp(pattern) ? pattern : pattern === undefined ? '' : toStr(pattern);
  charge(CALL + (typeof p === 'string' ? p.length : apply(reSource, p, []).length) * REGEXP_CHAR);
  return apply(orig, this, [p, flags === undefined ? undefined : toStr(flags)]);
} }).compile`,
      ],
    ],
  ],
  [
    9,
    [
      [
        'replace',
        `(orig) => ({ [symReplace](string, replaceValue) {
  const s = toStr(string); charge(CALL + s.length * COPY);
  return apply(orig, this, [s, replaceFn(replaceValue)]);
} })[symReplace]`,
      ],
      [
        'match matchAll search',
        `(orig, sym) => ({ [sym](string) {
  const s = toStr(string); charge(CALL + s.length * COPY); return apply(orig, this, [s]);
} })[sym]`,
      ],
      [
        'split',
        `(orig) => ({ [symSplit](string, limit) {
  const s = toStr(string); charge(CALL + s.length * COPY + (s.length + 1) * ECOPY); return apply(orig, this, [s, limit]);
} })[symSplit]`,
      ],
    ],
  ],
  [
    1,
    [
      [
        'every some forEach map filter find findIndex findLast findLastIndex reduce reduceRight',
        `(orig, name) => ({ [name](...args) {
  const a = arrayThis(this, name, false); charge(CALL + a.length * ESCAN); return apply(orig, a, args);
} })[name]`,
      ],
      [
        'indexOf lastIndexOf includes',
        `(orig, name) => ({ [name](search, ...rest) {
  const a = arrayThis(this, name, false);
  const perElement = ESCAN + (typeof search === 'string' ? search.length * SCAN : 0);
  charge(CALL + a.length * perElement);
  return apply(orig, a, rest.length === 0 ? [search] : [search, toInt(rest[0])]);
} })[name]`,
      ],
      [
        'join',
        `(orig) => ({ join(separator) {
  const a = arrayThis(this, 'join', false); const len = a.length;
  const sep = separator === undefined ? ',' : toStr(separator);
  charge(CALL + len * 2 * ECOPY);
  const parts = fresh(); let total = len > 0 ? (len - 1) * sep.length : 0;
  for (let k = 0; k < len; k++) { const v = a[k]; const s = v === undefined || v === null ? '' : toStr(v); parts[k] = s; total += s.length; }
  capString(total); charge(total * COPY);
  return apply(arrJoin, parts, [sep]);
} }).join`,
      ],
      [
        'toLocaleString',
        `(orig) => ({ toLocaleString() {
  const a = arrayThis(this, 'toLocaleString', false); const len = a.length;
  charge(CALL + len * ECOPY);
  const parts = fresh(); let total = len > 0 ? len - 1 : 0;
  for (let k = 0; k < len; k++) { const v = a[k]; const s = v === undefined || v === null ? '' : toStr(v.toLocaleString()); parts[k] = s; total += s.length; }
  capString(total); charge(total * COPY);
  return apply(arrJoin, parts, [',']);
} }).toLocaleString`,
      ],
      [
        'slice',
        `(orig) => ({ slice(start, end) {
  const a = arrayThis(this, 'slice', false); const len = a.length;
  const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * ECOPY);
  return apply(orig, a, [from, to]);
} }).slice`,
      ],
      [
        'splice toSpliced',
        `(orig, name) => ({ [name](...args) {
  const a = arrayThis(this, name, name === 'splice'); const len = a.length;
  const argv = fresh(); let removed = 0; let added = 0;
  if (args.length > 0) {
    const start = rel(args[0], len, 0); argv[0] = start;
    removed = args.length === 1 ? len - start : min(max(toInt(args[1]), 0), len - start);
    if (args.length > 1) argv[1] = removed;
    for (let i = 2; i < args.length; i++) argv[i] = args[i];
    added = max(args.length - 2, 0);
  }
  capElements(len + added);
  charge(CALL + (len + added) * (name === 'splice' ? ESCAN : ECOPY) + (removed + added) * ECOPY);
  return apply(orig, a, argv);
} })[name]`,
      ],
      [
        'fill',
        `(orig) => ({ fill(value, start, end) {
  const a = arrayThis(this, 'fill', true); const len = a.length;
  const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * ECOPY);
  return apply(orig, a, [value, from, to]);
} }).fill`,
      ],
      [
        'copyWithin',
        `(orig) => ({ copyWithin(target, start, end) {
  const a = arrayThis(this, 'copyWithin', true); const len = a.length;
  const to = rel(target, len, 0); const from = rel(start, len, 0); const fin = rel(end, len, len);
  charge(CALL + max(min(fin - from, len - to), 0) * ECOPY);
  return apply(orig, a, [to, from, fin]);
} }).copyWithin`,
      ],
      [
        'reverse shift unshift',
        `(orig, name) => ({ [name](...items) {
  const a = arrayThis(this, name, true); capElements(a.length + items.length);
  charge(CALL + (a.length + items.length) * ESCAN);
  return apply(orig, a, items);
} })[name]`,
      ],
      [
        'toReversed with',
        `(orig, name) => ({ [name](...args) {
  const a = arrayThis(this, name, false); charge(CALL + a.length * ECOPY);
  return apply(orig, a, name === 'with' ? [toInt(args[0]), args[1]] : []);
} })[name]`,
      ],
      [
        'sort toSorted',
        `(orig, name) => ({ [name](comparefn) {
  if (comparefn !== undefined && typeof comparefn !== 'function') throw new $TypeError('The comparison function must be either a function or undefined');
  const a = arrayThis(this, name, name === 'sort'); const len = a.length;
  // Without a comparison function the elements are compared as strings: charge the longest.
  let longest = 0;
  if (comparefn === undefined) for (let k = 0; k < len; k++) { const v = a[k]; if (typeof v === 'string' && v.length > longest) longest = v.length; }
  charge(CALL + len * (name === 'toSorted' ? ECOPY : 0) + len * log2ceil(len) * (ESCAN + longest * SCAN));
  return apply(orig, a, [comparefn]);
} })[name]`,
      ],
      [
        'concat',
        `(orig) => ({ concat(...items) {
  const o = toObj(this, 'Array.prototype.concat'); const out = speciesEmpty(o); let n = 0;
  charge(CALL);
  for (let i = -1; i < items.length; i++) {
    const e = i < 0 ? o : items[i];
    let spreadable = false;
    if (isObject(e)) { const s = e[symSpread]; spreadable = s !== undefined ? !!s : isArray(e); }
    if (spreadable) {
      const len = toLen(e.length); capElements(n + len); charge(len * ECOPY);
      for (let k = 0; k < len; k++, n++) if (k in e) out[n] = e[k];
    } else { capElements(n + 1); out[n++] = e; }
  }
  out.length = n;
  return out;
} }).concat`,
      ],
      [
        'flat',
        `(orig) => ({ flat(depth) {
  const a = arrayThis(this, 'flat', false); const d = depth === undefined ? 1 : toInt(depth);
  charge(CALL); const out = speciesEmpty(a); out.length = flatten(out, 0, a, d); return out;
} }).flat`,
      ],
      [
        'flatMap',
        `(orig) => ({ flatMap(callback, thisArg) {
  const a = arrayThis(this, 'flatMap', false);
  if (typeof callback !== 'function') throw new $TypeError('flatMap needs a function');
  const len = a.length; charge(CALL + len * ECOPY); const out = speciesEmpty(a); let n = 0;
  for (let k = 0; k < len; k++) {
    if (!(k in a)) continue;
    const v = apply(callback, thisArg, [a[k], k, a]);
    if (isArray(v)) n = flatten(out, n, v, 0); else { capElements(n + 1); out[n++] = v; }
  }
  out.length = n;
  return out;
} }).flatMap`,
      ],
    ],
  ],
  [
    14,
    [
      [
        'from',
        `(orig) => ({ from(items, mapfn, thisArg) {
  if (mapfn !== undefined && typeof mapfn !== 'function') throw new $TypeError('Array.from: the map function is not a function');
  if (items === undefined || items === null) return apply(orig, this, [items]);
  const method = items[symIterator];
  charge(CALL);
  if (method !== undefined && method !== null) {
    // Iterated by the original, one next() call (one tick) per element; it must not look the method up again.
    const once = { [symIterator]() { return apply(method, items, []); } };
    return apply(orig, this, mapfn === undefined ? [once] : [once, mapfn, thisArg]);
  }
  const src = $Object(items); const len = toLen(src.length); capElements(len); charge(len * ECOPY);
  const out = typeof this === 'function' && this !== $Array ? construct(this, [len]) : new $Array(len);
  for (let k = 0; k < len; k++) out[k] = mapfn === undefined ? src[k] : apply(mapfn, thisArg, [src[k], k]);
  out.length = len;
  return out;
} }).from`,
      ],
    ],
  ],
  [
    2,
    [
      [
        'getOwnPropertyDescriptors',
        `(orig) => ({ getOwnPropertyDescriptors(o) {
  charge(CALL + (isObject(o) ? apply(ownKeys, undefined, [o]).length * KEY : 0)); return apply(orig, this, [o]);
} }).getOwnPropertyDescriptors`,
      ],
      [
        'freeze seal isFrozen isSealed',
        `(orig, name) => ({ [name](o) {
  charge(CALL + (isObject(o) ? apply(ownKeys, undefined, [o]).length * KEY : 0)); return apply(orig, this, [o]);
} })[name]`,
      ],
      [
        'assign',
        `(orig) => ({ assign(target, ...sources) {
  // One source at a time: the original lists a source's keys once before copying it, so what
  // is charged for a source is what it copies, whatever getters do to later sources meanwhile.
  const to = toObj(target, 'Object.assign'); charge(CALL);
  for (let i = 0; i < sources.length; i++) {
    const src = sources[i];
    if (src === undefined || src === null) continue;
    const from = $Object(src);
    charge(apply(ownKeys, undefined, [from]).length * KEY);
    apply(orig, undefined, [to, from]);
  }
  return to;
} }).assign`,
      ],
      ['keys values entries getOwnPropertyNames getOwnPropertySymbols', KEYS],
    ],
  ],
  [3, [['ownKeys', KEYS]]],
  // Map and Set: string keys are hashed in full on every call.
  [6, [['get set has delete', MAP_SET]]],
  [7, [['add has delete', MAP_SET]]],
  [
    4,
    [
      [
        'parse',
        `(orig) => ({ parse(text, reviver) {
  const s = toStr(text); charge(CALL + s.length * JSON_CHAR);
  return apply(orig, this, reviver === undefined ? [s] : [s, reviver]);
} }).parse`,
      ],
      [
        'stringify',
        `(orig) => ({ stringify(value, replacer, space) {
  charge(CALL);
  // The gap, as the original would compute it, passed on as a primitive.
  let sp = space;
  if (isObject(sp)) { try { sp = apply(numValueOf, sp, []); } catch { try { sp = apply(strValueOf, sp, []); } catch {} } }
  const gap = typeof sp === 'number' ? apply(strSlice, '          ', [0, min(max(toInt(sp), 0), 10)]) : typeof sp === 'string' ? apply(strSlice, sp, [0, 10]) : '';
  let fn; let list;
  if (typeof replacer === 'function') fn = replacer;
  else if (isArray(replacer)) {
    list = fresh(); const seen = new $Map(); const len = toLen(replacer.length); let n = 0;
    charge(len * ECOPY);
    for (let k = 0; k < len; k++) {
      let v = replacer[k]; let item;
      if (typeof v === 'string') item = v;
      else if (typeof v === 'number') item = toStr(v);
      else if (isObject(v)) { try { item = toStr(apply(strValueOf, v, [])); } catch { try { item = toStr(apply(numValueOf, v, [])); } catch {} } }
      if (item !== undefined && apply(mapGet, seen, [item]) === undefined) { apply(mapSet, seen, [item, true]); list[n++] = item; }
    }
  }
  return apply(orig, this, [value, jsonMeter(fn, list, gap), gap]);
} }).stringify`,
      ],
    ],
  ],
  // BigInt (the original constructor; the stub that replaces it gets the same two): parsing and printing are quadratic.
  [10, [['asIntN asUintN', AS_N]]],
  [
    11,
    [
      [
        'toString toLocaleString',
        `(orig, name) => ({ [name](radix) {
  const x = apply(bigValueOf, this, []);
  const r = radix === undefined || name === 'toLocaleString' ? 10 : toInt(radix);
  const bits = apply(bigToString, x, [16]).length * 4;
  const pow2 = r === 2 || r === 4 || r === 8 || r === 16 || r === 32;
  charge(CALL + bits * COPY + (pow2 ? 0 : bits * bits * BIT2));
  return apply(orig, x, radix === undefined || name === 'toLocaleString' ? [] : [r]);
} })[name]`,
      ],
    ],
  ],
  [
    5,
    [
      [
        'encodeURI encodeURIComponent decodeURI decodeURIComponent escape unescape',
        `(orig, name) => ({ [name](v) {
  const s = toStr(v); charge(CALL + s.length * URI); return apply(orig, undefined, [s]);
} })[name]`,
      ],
      [
        'eval',
        `(orig) => ({ eval(x) {
  if (typeof x !== 'string') return x;
  charge(CALL + x.length * COMPILE);
  return apply(orig, undefined, [x]);
} }).eval`,
      ],
      ['parseInt parseFloat', PARSE_NUMBER],
    ],
  ],
  [12, [['parseInt parseFloat', PARSE_NUMBER]]],
  [
    13,
    [
      [
        'for',
        `(orig) => ({ for(key) {
  const s = toStr(key); charge(CALL + s.length * SCAN); return apply(orig, this, [s]);
} }).for`,
      ],
    ],
  ],
];

// ---- assembling the sources and the prelude ----

/** Comments and indentation cost compile time on every use. */
const minify = (src: string): string =>
  src
    .replace(/^\s*\/\/.*\n/gm, '')
    .replace(/^\s+/gm, '')
    .trim();

/** The names a source refers to (identifiers outside strings and not after a dot). */
const refs = (src: string): string[] => [...new Set(src.replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''").match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? [])];

const sources: string[] = [];
const tableTokens: string[] = [];
/**
 * The prelude's table: target codes (under 3 characters) and names, separated by spaces. The
 * source of each name, in table order, is one character of sourceOfWrapped: its index + 48
 * (looked up by a stub on first use, so installing needs no index).
 */
let sourceOfWrapped = '';
const wrappedIndex = new Map<string, number>();
{
  let v = EAGER.length;
  for (const [target, entries] of WRAPPERS) {
    tableTokens.push(String(target));
    for (const [names, source] of entries) {
      const known = sources.indexOf(source);
      const i = known >= 0 ? known : sources.push(source) - 1;
      for (const name of names.split(' ')) {
        if (name.length < 3) throw new Error(`metered built-ins: the table needs names of 3 characters or more (${name})`);
        tableTokens.push(name);
        sourceOfWrapped += String.fromCharCode(48 + i);
        wrappedIndex.set(`${target} ${name}`, v++);
      }
    }
  }
}
const helperIndex = new Map<string, number>();
for (const [name, source] of Object.entries(HELPERS)) helperIndex.set(name, sources.push(source) - 1);
const constructorIndex = {
  BigInt: sources.push(CONSTRUCTORS.BigInt) - 1,
  RegExp: sources.push(CONSTRUCTORS.RegExp) - 1,
  Function: sources.push(CONSTRUCTORS.Function) - 1,
};

const eagerIndex = new Map<string, number>(EAGER.map(([name], i) => [name, i]));
for (const [name, [target, key]] of Object.entries(WRAPPED_ORIGINALS)) {
  const i = wrappedIndex.get(`${target} ${key}`);
  if (i === undefined) throw new Error(`metered built-ins: ${name} is not in the table`);
  eagerIndex.set(name, i);
}

/**
 * What the prelude compiles for source i: a function body run with `V` (the captured values)
 * and `N` (the builder: N(j) is source j's value, compiled once), declaring what the source uses.
 */
const compiledBody = (self: string | undefined, src: string): string => {
  const decls: string[] = [];
  const seen = new Set<string>();
  const add = (name: string): void => {
    if (seen.has(name) || name === self) return;
    seen.add(name);
    if (Object.hasOwn(K, name)) decls.push(`${name}=${String(K[name as keyof typeof K])}`);
    else if (eagerIndex.has(name)) decls.push(`${name}=V[${eagerIndex.get(name)}]`);
    else if (Object.hasOwn(DERIVED, name)) {
      const expr = DERIVED[name] as string;
      for (const dep of refs(expr)) add(dep);
      decls.push(`${name}=${expr}`);
    } else if (helperIndex.has(name)) decls.push(`${name}=N(${helperIndex.get(name)})`);
  };
  for (const name of refs(src)) add(name);
  return `'use strict';${decls.length > 0 ? `const ${decls.join(',')};` : ''}return (${minify(src)});`;
};

// The helpers must not depend on each other in a cycle (N would recurse without end).
{
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`metered built-ins: the helpers depend on each other in a cycle (${name})`);
    state.set(name, 'visiting');
    for (const dep of refs(HELPERS[name] as string)) if (dep !== name && helperIndex.has(dep)) visit(dep);
    state.set(name, 'done');
  };
  for (const name of helperIndex.keys()) visit(name);
}

const selfName = new Map<number, string>([...helperIndex].map(([name, i]) => [i, name]));

/** The sources, as the prelude compiles them (see `N` in the prelude), handed over by the host through `source(i)`. */
export const METERED_BUILTINS_SOURCES: readonly string[] = sources.map((src, i) => compiledBody(selfName.get(i), src));

/**
 * The prelude: a script whose value is a function the sandbox calls once, before any contract
 * code, with two natives: `gas(n)`, which charges n gas, and `source(i)`, which returns
 * METERED_BUILTINS_SOURCES[i]. It answers the host bridge: [encode, decode, exportNames].
 *
 * - encode(v): the JSON text of v (undefined as null) with BigInt tagged {"$bigint": "..."},
 *   charged as JSON.stringify(v, tag) is (the wrapped stringify and BigInt toString): a
 *   primitive without the metered replacer (its charges written out here, in the same order),
 *   an object through it (the helper bridgeMeter, jsonMeter written for this case, compiled
 *   on first use).
 * - decode(s): JSON.parse(s) untagging BigInt, charged as the wrapped JSON.parse, Object.keys
 *   and BigInt charge it, written out with the originals.
 * - exportNames(m): the sorted names of a module's callable exports, as a JSON array.
 *
 * The host holds these three for the call; no contract can reach or replace them.
 */
export const METERED_BUILTINS_PRELUDE: string = minify(`(g, s) => {
'use strict';
let P = 0, t, y, n = 0;
const O = Object, R = Reflect, A = R.apply, dp = O.defineProperty, gp = O.getPrototypeOf, F = Function, J = JSON, B = BigInt,
BP = B.prototype, X = RegExp, Y = Symbol, M = Math, fl = M.floor, G = globalThis, jp = J.parse, js = J.stringify, ks = O.keys,
bs = BP.toString, cc = String.prototype.charCodeAt, SI = ${JSON.stringify(sourceOfWrapped)}, C = { __proto__: null }, D = { value: 0, writable: false, configurable: false },
lk = (o, k, v) => { D.value = v; dp(o, k, D); },
ch = (x) => {
if (!(x < ${K.HUGE})) x = ${K.HUGE}; else if (!(x > 0)) return;
P += x;
if (P >= ${K.FLUSH}) { const w = fl(P); P -= w; g(w); }
},
V = [${EAGER.map(([, expr]) => expr).join(',')}],
N = (i) => C[i] ?? (C[i] = A(A(F, undefined, ['V', 'N', s(i)]), undefined, [V, N])),
T = [String.prototype, Array.prototype, O, R, J, G, Map.prototype, Set.prototype, X.prototype, X.prototype, B, BP, Number, Y, Array, String],
rc = (f, i, name) => {
let r;
const w = function (...a) { return A(r ?? (r = N(i)(f, w)), new.target, a); };
dp(w, 'name', { value: f.name, configurable: true });
dp(w, 'length', { value: f.length, configurable: true });
lk(w, 'prototype', f.prototype);
lk(f.prototype, 'constructor', w);
if (name) lk(G, name, w);
return w;
},
ut = (k, v) => {
if (v !== null && typeof v === 'object') {
const b = v.$bigint;
if (typeof b === 'string') {
const r = ks(v);
ch(${K.CALL} + r.length * ${K.KEY});
if (r.length === 1) { const n = b.length; ch(${K.CALL} + n * n * ${K.DIGIT2} + n * ${K.SCAN}); return B(b); }
}
}
return v;
};
for (const k of '${tableTokens.join(' ')}'.split(' ')) {
if (k.length < 3) { t = T[k]; y = k === '9'; }
else {
const key = y ? Y[k] : k, f = t[key], j = n++;
V[V.length] = f;
if (typeof f === 'function') { let r; lk(t, key, ({ [key](...a) { return A(r ?? (r = N(A(cc, SI, [j]) - 48)(f, key)), this, a); } })[key]); }
}
}
const bw = rc(B, ${constructorIndex.BigInt}, 'BigInt');
lk(bw, 'asIntN', B.asIntN);
lk(bw, 'asUintN', B.asUintN);
dp(rc(X, ${constructorIndex.RegExp}, 'RegExp'), Y.species, { get() { return this; }, configurable: true });
for (const f of [F, gp(function* () {}).constructor, gp(async function () {}).constructor, gp(async function* () {}).constructor]) rc(f, ${constructorIndex.Function}, f === F && 'Function');
delete M.random;
return [
(v) => {
if (v === undefined) v = null;
const t = typeof v;
ch(${K.CALL});
if (t === 'bigint' && !('toJSON' in BP)) {
const h = A(bs, v, [16]).length * 4;
ch(${K.CALL} + h * ${K.COPY} + h * h * ${K.BIT2});
const d = A(bs, v, []);
ch(${K.NODE});
ch(${K.NODE} + 7 * ${K.BUILD} + d.length * ${K.BUILD});
return '{"$bigint":"' + d + '"}';
}
let x;
if ((t === 'object' && v !== null) || t === 'function' || t === 'bigint') x = A(js, undefined, [v, N(${helperIndex.get('bridgeMeter')})(), '']);
else { ch(${K.NODE} + (t === 'string' ? v.length * ${K.BUILD} : 0)); x = js(v); }
return x === undefined ? 'null' : x;
},
(s) => { ch(${K.CALL} + s.length * ${K.JSON_CHAR}); return jp(s, ut); },
(m) => N(${helperIndex.get('exportNames')})(m),
];
}`);

/**
 * Metered built-ins (spec/contracts.md, "Metered built-ins"). QuickJS only counts interpreter
 * ticks (jumps, branches, calls) towards the interrupt handler, so a built-in written in C —
 * `'x'.repeat(n)`, `a.join()`, `JSON.stringify(v)`, `a.sort()` — does work proportional to its
 * input or output for no gas. This prelude runs before contract code and replaces such built-ins
 * with wrappers that charge gas for the size of what they read and write BEFORE calling the
 * original, and that refuse absurd sizes.
 *
 * How it holds against contract code:
 * - the originals are captured in the prelude's closure, never stored anywhere a contract
 *   reaches; the wrappers are installed non-writable and non-configurable (String.prototype.repeat
 *   = f throws in a module, delete returns false), and `__gas` and `__gasSource` are deleted
 *   from the global object;
 * - a wrapper converts its receiver and arguments to primitives itself (running the contract's
 *   valueOf/toString once) and passes the primitives on, so the original cannot be shown a
 *   different size than the one that was charged; where the original would read lengths of
 *   several objects after running contract code (concat, flat, flatMap, Array.from on an
 *   array-like, String.raw), the wrapper does the work itself in metered JavaScript, and
 *   Object.assign copies one source at a time;
 * - Proxy, typed arrays, ArrayBuffer, SharedArrayBuffer, DataView and Atomics are removed:
 *   a Proxy lies about lengths, and binary buffers are not part of the contract data model
 *   (JSON values and BigInt).
 *
 * Charges accumulate in the closure and are handed to the host's `__gas(n)` in whole gas once at
 * least `flushAt` gas is pending, so a cheap call does not cost a host call; at most `flushAt`
 * gas of work is ever done ahead of its charge, and an unflushed remainder below `flushAt` at the
 * end of a call is not charged (the interrupt-based gas has a granularity of 1,000 anyway).
 * The rates are powers of two, so every sum is exact in doubles and the same on every machine.
 * The wrappers' sources are compiled on first use (see `lazy` in the prelude).
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
  /** Pending gas handed to the host in one `__gas` call. */
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

/** What the lazily compiled wrappers see of the prelude (see lazy below). */
const HELPER_NAMES = ['FLUSH', 'CALL', 'COPY', 'SCAN', 'BUILD', 'URI', 'JSON_CHAR', 'REGEXP_CHAR', 'COMPILE', 'ESCAN', 'ECOPY', 'KEY', 'NODE', 'DIGIT2', 'BIT2', 'MAX_STRING', 'MAX_ELEMENTS', 'HUGE', '$Object', '$Array', '$String', '$Number', '$BigInt', '$RegExp', '$Function', '$Map', '$Set', '$Symbol', '$JSON', '$Math', '$Reflect', '$TypeError', '$RangeError', 'apply', 'construct', 'ownKeys', 'defineProperty', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'setPrototypeOf', 'isArray', 'floor', 'trunc', 'min', 'max', 'clz32', 'mapGet', 'mapSet', 'mapGetOf', 'mapSetOf', 'ObjectProto', 'strSlice', 'strIndexOf', 'strValueOf', 'arrSlice', 'arrJoin', 'numValueOf', 'bigValueOf', 'bigToString', 'reSource', 'symIterator', 'symMatch', 'symMatchAll', 'symReplace', 'symSearch', 'symSplit', 'symSpread', 'symSpecies', 'symToPrimitive', 'charge', 'capString', 'capElements', 'toStr', 'toInt', 'toLen', 'rel', 'toObj', 'thisStr', 'isObject', 'isRealRegExp', 'isRegExp', 'toPrimitiveNumber', 'searchCost', 'log2ceil', 'lock', 'define', 'fresh', 'replacer', 'arrayThis', 'speciesEmpty', 'flatten'];

/** The prelude, with each lazily compiled source between backticks (replaced by its index below). */
const RAW_PRELUDE = `(function () {
'use strict';
const native = globalThis.__gas, source = globalThis.__gasSource;
delete globalThis.__gas;
delete globalThis.__gasSource;
if (typeof native !== 'function' || typeof source !== 'function') throw new Error('the metered prelude needs __gas and __gasSource');

const FLUSH = ${G.flushAt}, CALL = ${G.call}, COPY = ${G.charCopy}, SCAN = ${G.charScan}, BUILD = ${G.charBuild},
  URI = ${G.charUri}, JSON_CHAR = ${G.charJsonParse}, REGEXP_CHAR = ${G.charRegExp}, COMPILE = ${G.charCompile},
  ESCAN = ${G.elemScan}, ECOPY = ${G.elemCopy}, KEY = ${G.propKey}, NODE = ${G.jsonNode},
  DIGIT2 = ${G.bigintParseDigitSquared}, BIT2 = ${G.bigintPrintBitSquared},
  MAX_STRING = ${G.maxStringLength}, MAX_ELEMENTS = ${G.maxElements}, HUGE = 1125899906842624;

const $Object = Object, $Array = Array, $String = String, $Number = Number, $BigInt = BigInt, $RegExp = RegExp,
  $Function = Function, $Map = Map, $Set = Set, $Symbol = Symbol, $JSON = JSON, $Math = Math, $Reflect = Reflect,
  $TypeError = TypeError, $RangeError = RangeError;
const apply = $Reflect.apply, construct = $Reflect.construct, ownKeys = $Reflect.ownKeys;
const defineProperty = $Object.defineProperty, getOwnPropertyDescriptor = $Object.getOwnPropertyDescriptor,
  getPrototypeOf = $Object.getPrototypeOf, setPrototypeOf = $Object.setPrototypeOf;
const isArray = $Array.isArray;
const floor = $Math.floor, trunc = $Math.trunc, min = $Math.min, max = $Math.max, clz32 = $Math.clz32;
const mapGet = $Map.prototype.get, mapSet = $Map.prototype.set;
/** f(thisArg, ...args) without allocating an argument list. */
const uncurry = (f) => apply($Function.prototype.bind, $Function.prototype.call, [f]);
const mapGetOf = uncurry(mapGet), mapSetOf = uncurry(mapSet);
const ObjectProto = $Object.prototype;
const strSlice = $String.prototype.slice, strIndexOf = $String.prototype.indexOf, strValueOf = $String.prototype.valueOf;
const arrSlice = $Array.prototype.slice, arrJoin = $Array.prototype.join;
const numValueOf = $Number.prototype.valueOf, bigValueOf = $BigInt.prototype.valueOf, bigToString = $BigInt.prototype.toString;
const reSource = getOwnPropertyDescriptor($RegExp.prototype, 'source').get;
const symIterator = $Symbol.iterator, symMatch = $Symbol.match, symMatchAll = $Symbol.matchAll, symReplace = $Symbol.replace,
  symSearch = $Symbol.search, symSplit = $Symbol.split, symSpread = $Symbol.isConcatSpreadable, symSpecies = $Symbol.species,
  symToPrimitive = $Symbol.toPrimitive;

// ---- gas ----
let pending = 0;
const charge = (gas) => {
  if (!(gas < HUGE)) gas = HUGE; // NaN and Infinity are unaffordable, never free
  else if (!(gas > 0)) return;
  pending += gas;
  if (pending >= FLUSH) {
    const whole = floor(pending);
    pending -= whole;
    native(whole);
  }
};
const capString = (n) => {
  if (!(n <= MAX_STRING)) throw new $RangeError('string of ' + n + ' characters refused (the sandbox allows ' + MAX_STRING + ')');
};
const capElements = (n) => {
  if (!(n <= MAX_ELEMENTS)) throw new $RangeError(n + ' array elements refused (the sandbox allows ' + MAX_ELEMENTS + ')');
};

// ---- conversions (each runs contract code at most once; the primitive result is what the original gets) ----
// (Not a template literal: QuickJS compiles those to String.prototype.concat, which is wrapped.)
const toStr = (v) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'symbol') throw new $TypeError('cannot convert a Symbol to a string');
  return $String(v);
};
const toInt = (v) => { const n = +v; return n === n ? trunc(n) + 0 : 0; };
const toLen = (v) => { const n = toInt(v); return n > 0 ? min(n, 9007199254740991) : 0; };
const rel = (v, len, dflt) => { if (v === undefined) return dflt; const n = toInt(v); return n < 0 ? max(len + n, 0) : min(n, len); };
const toObj = (v, what) => { if (v === undefined || v === null) throw new $TypeError(what + ' called on null or undefined'); return $Object(v); };
const thisStr = (v, name) => { if (v === undefined || v === null) throw new $TypeError('String.prototype.' + name + ' called on null or undefined'); return toStr(v); };
const isObject = (v) => (typeof v === 'object' && v !== null) || typeof v === 'function';
const isRealRegExp = (v) => { try { apply(reSource, v, []); return v !== $RegExp.prototype; } catch { return false; } };
const isRegExp = (v) => { if (!isObject(v)) return false; const m = v[symMatch]; return m !== undefined ? !!m : isRealRegExp(v); };
const toPrimitiveNumber = (v) => {
  if (!isObject(v)) return v;
  const exotic = v[symToPrimitive];
  if (exotic !== undefined && exotic !== null) { const r = apply(exotic, v, ['number']); if (!isObject(r)) return r; throw new $TypeError('cannot convert object to primitive value'); }
  const valueOf = v.valueOf; if (typeof valueOf === 'function') { const r = apply(valueOf, v, []); if (!isObject(r)) return r; }
  const toString = v.toString; if (typeof toString === 'function') { const r = apply(toString, v, []); if (!isObject(r)) return r; }
  throw new $TypeError('cannot convert object to primitive value');
};
/** Worst case of QuickJS's naive substring search: (n - m + 1) * m character comparisons. */
const searchCost = (n, m) => (m > n ? 1 : (n - m + 1) * max(m, 1));
const log2ceil = (n) => (n <= 1 ? 1 : 32 - clz32(n - 1));

// ---- installing ----
const lock = (obj, key, value) => defineProperty(obj, key, { value, writable: false, enumerable: false, configurable: false });
const define = (obj, key, value) => defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
/** An internal array: no prototype, so no inherited index getter or setter of the contract can see or change it. */
const fresh = () => setPrototypeOf([], null);
/**
 * Wrappers are compiled on first use. Their sources are not part of this prelude: the host
 * hands one over by index through __gasSource(i) (METERED_BUILTINS_SOURCES), so a call pays
 * only for compiling what its contract uses (QuickJS compiles about 10 MB/s: compiling every
 * wrapper on every call would cost about 3 ms). A source is \`(orig, key) => wrapper\` or, for a
 * helper, \`() => function\`, compiled with the original Function constructor and the helpers
 * of this prelude as parameters (HELPERS below). Compiling is not charged: it is bounded by the size
 * of the sources, once per call.
 */
const compiled = fresh();
const build = (i) => {
  let factory = compiled[i];
  if (factory === undefined) {
    factory = apply(apply($Function, undefined, [HELPERS, "'use strict'; return (" + source(i) + ');']), undefined, HELPER_VALUES);
    compiled[i] = factory;
  }
  return factory;
};
/** Replaces obj[key] with a locked stub that compiles its wrapper (source i) on first use. */
const lazy = (obj, key, i) => {
  const orig = obj[key];
  if (typeof orig !== 'function') return;
  let real;
  const stub = ({ [key](...args) {
    if (real === undefined) real = build(i)(orig, key);
    return apply(real, this, args);
  } })[key]; // named like the original (its length is 0)
  lock(obj, key, stub);
};
/** A helper function compiled (source i) on first use. */
const lazyHelper = (i) => {
  let real;
  return (...args) => {
    if (real === undefined) real = build(i)();
    return apply(real, undefined, args);
  };
};
/** A constructor or callable replaced by a wrapper function: every path to the original now leads to the wrapper. */
const replaceConstructor = (orig, w, global) => {
  defineProperty(w, 'name', { value: orig.name, configurable: true });
  defineProperty(w, 'length', { value: orig.length, configurable: true });
  lock(w, 'prototype', orig.prototype);
  lock(orig.prototype, 'constructor', w);
  if (global) lock(globalThis, global, w);
};

// ---- what contracts do not get ----
for (const name of ['Proxy', 'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Atomics', 'Int8Array', 'Uint8Array',
  'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float16Array', 'Float32Array',
  'Float64Array', 'BigInt64Array', 'BigUint64Array']) delete globalThis[name];

// ---- String.prototype ----
const SP = $String.prototype;
lazy(SP, 'repeat', \`(orig) => ({ repeat(count) {
  const s = thisStr(this, 'repeat'); const n = toInt(count);
  if (n >= 0 && n !== Infinity) { const out = s.length * n; capString(out); charge(CALL + out * BUILD); }
  return apply(orig, s, [n]);
} }).repeat\`);
for (const name of ['padStart', 'padEnd']) lazy(SP, name, \`(orig, name) => ({ [name](maxLength, fillString) {
  const s = thisStr(this, name); const L = toLen(maxLength);
  const fill = fillString === undefined ? undefined : toStr(fillString);
  const out = L > s.length && fill !== '' ? L : s.length;
  capString(out); charge(CALL + (out - s.length) * BUILD + s.length * COPY);
  return apply(orig, s, [L, fill]);
} })[name]\`);
lazy(SP, 'concat', \`(orig) => ({ concat(...args) {
  const s = thisStr(this, 'concat'); const strs = fresh(); let total = s.length;
  for (let i = 0; i < args.length; i++) { const t = toStr(args[i]); strs[i] = t; total += t.length; }
  capString(total); charge(CALL + args.length * ECOPY + total * COPY);
  return apply(orig, s, strs);
} }).concat\`);
lazy(SP, 'slice', \`(orig) => ({ slice(start, end) {
  const s = thisStr(this, 'slice'); const len = s.length; const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * COPY);
  return apply(orig, s, [from, to]);
} }).slice\`);
lazy(SP, 'substring', \`(orig) => ({ substring(start, end) {
  const s = thisStr(this, 'substring'); const len = s.length;
  const a = min(max(toInt(start), 0), len); const b = end === undefined ? len : min(max(toInt(end), 0), len);
  charge(CALL + (a > b ? a - b : b - a) * COPY);
  return apply(orig, s, [a, b]);
} }).substring\`);
lazy(SP, 'substr', \`(orig) => ({ substr(start, length) {
  const s = thisStr(this, 'substr'); const len = s.length; const from = rel(start, len, 0);
  const n = length === undefined ? len - from : min(max(toInt(length), 0), len - from);
  charge(CALL + n * COPY);
  return apply(orig, s, [from, n]);
} }).substr\`);
for (const name of ['trim', 'trimStart', 'trimEnd', 'trimLeft', 'trimRight']) lazy(SP, name, \`(orig, name) => ({ [name]() {
  const s = thisStr(this, name); charge(CALL + s.length * COPY); return apply(orig, s, []);
} })[name]\`);
for (const name of ['toUpperCase', 'toLowerCase', 'toLocaleUpperCase', 'toLocaleLowerCase', 'toWellFormed', 'isWellFormed']) lazy(SP, name, \`(orig, name) => ({ [name]() {
  const s = thisStr(this, name); charge(CALL + s.length * BUILD); return apply(orig, s, []);
} })[name]\`);
lazy(SP, 'normalize', \`(orig) => ({ normalize(form) {
  const s = thisStr(this, 'normalize'); const f = form === undefined ? undefined : toStr(form);
  charge(CALL + s.length * 4 * BUILD); // decompositions can grow the string
  return apply(orig, s, [f]);
} }).normalize\`);
lazy(SP, 'localeCompare', \`(orig) => ({ localeCompare(that) {
  const s = thisStr(this, 'localeCompare'); const t = toStr(that);
  charge(CALL + (s.length + t.length) * BUILD);
  return apply(orig, s, [t]);
} }).localeCompare\`);
lazy(SP, 'indexOf', \`(orig) => ({ indexOf(search, position) {
  const s = thisStr(this, 'indexOf'); const t = toStr(search); const len = s.length; const from = min(max(toInt(position), 0), len);
  charge(CALL + searchCost(len - from, t.length) * SCAN);
  return apply(orig, s, [t, from]);
} }).indexOf\`);
lazy(SP, 'lastIndexOf', \`(orig) => ({ lastIndexOf(search, position) {
  const s = thisStr(this, 'lastIndexOf'); const t = toStr(search); const p = +position;
  charge(CALL + searchCost(s.length, t.length) * SCAN);
  return apply(orig, s, [t, p]);
} }).lastIndexOf\`);
for (const name of ['includes', 'startsWith', 'endsWith']) lazy(SP, name, \`(orig, name) => ({ [name](search, position) {
  const s = thisStr(this, name);
  if (isRegExp(search)) throw new $TypeError('First argument to String.prototype.' + name + ' must not be a regular expression');
  const t = toStr(search); const len = s.length;
  const p = position === undefined ? undefined : min(max(toInt(position), 0), len);
  const scanned = name === 'includes' ? searchCost(len - (p ?? 0), t.length) : t.length;
  charge(CALL + scanned * SCAN);
  return apply(orig, s, [t, p]);
} })[name]\`);
lazy(SP, 'split', \`(orig) => ({ split(separator, limit) {
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
} }).split\`);

/** GetSubstitution for a replacement template, and the replacement handed to the original replace. */
const replacer = lazyHelper(\`() => {
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
/**
 * The replacement handed to the original replace: always a function, so each replacement is
 * charged for its length before the original copies it into the result.
 */
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
}\`);
lazy(SP, 'replace', \`(orig) => ({ replace(searchValue, replaceValue) {
  if (this === undefined || this === null) throw new $TypeError('String.prototype.replace called on null or undefined');
  if (searchValue !== undefined && searchValue !== null) {
    const r = searchValue[symReplace];
    if (r !== undefined && r !== null) return apply(r, searchValue, [this, replaceValue]);
  }
  const s = toStr(this); const t = toStr(searchValue); const fn = replacer(replaceValue);
  charge(CALL + searchCost(s.length, t.length) * SCAN + s.length * COPY);
  return apply(orig, s, [t, fn]);
} }).replace\`);
lazy(SP, 'replaceAll', \`(orig) => ({ replaceAll(searchValue, replaceValue) {
  if (this === undefined || this === null) throw new $TypeError('String.prototype.replaceAll called on null or undefined');
  if (searchValue !== undefined && searchValue !== null) {
    if (isRegExp(searchValue)) {
      const flags = searchValue.flags;
      if (flags === undefined || flags === null || apply(strIndexOf, toStr(flags), ['g']) < 0) throw new $TypeError('replaceAll must be called with a global RegExp');
    }
    const r = searchValue[symReplace];
    if (r !== undefined && r !== null) return apply(r, searchValue, [this, replaceValue]);
  }
  const s = toStr(this); const t = toStr(searchValue); const fn = replacer(replaceValue);
  const n = s.length, m = t.length;
  charge(CALL + (m === 0 ? n + 1 : searchCost(n, m)) * SCAN + n * COPY);
  return apply(orig, s, [t, fn]);
} }).replaceAll\`);
for (const name of ['match', 'matchAll', 'search']) {
  lazy(SP, name, \`(orig, name) => ({ [name](regexp) {
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
    // The original compiles the pattern with the intrinsic RegExp: charge for it here.
    const s = toStr(this); const p = regexp === undefined ? '' : toStr(regexp);
    charge(CALL + p.length * REGEXP_CHAR + s.length * COPY);
    return apply(orig, s, [p]);
  } })[name]\`);
}

// ---- String ----
for (const name of ['fromCharCode', 'fromCodePoint']) lazy($String, name, \`(orig, name) => ({ [name](...codes) {
  capString(codes.length); charge(CALL + codes.length * ECOPY); return apply(orig, this, codes);
} })[name]\`);
lazy($String, 'raw', \`(orig) => ({ raw(template, ...subs) {
  const literals = toObj(toObj(template, 'String.raw').raw, 'String.raw');
  const count = toLen(literals.length); capElements(count); charge(CALL + count * 4 * ECOPY);
  let out = ''; let total = 0;
  for (let k = 0; k < count; k++) {
    const lit = toStr(literals[k]); total += lit.length; capString(total); charge(lit.length * COPY); out += lit;
    if (k + 1 === count) break;
    if (k < subs.length) { const v = toStr(subs[k]); total += v.length; capString(total); charge(v.length * COPY); out += v; }
  }
  return out;
} }).raw\`);

// ---- RegExp ----
const RP = $RegExp.prototype;
lazy(RP, 'exec', \`(orig) => ({ exec(string) {
  const s = toStr(string);
  const r = apply(orig, this, [s]);
  // The copies of the match and its captures are only known afterwards; charged before anything else runs.
  if (r !== null && typeof r === 'object') {
    let chars = 0; const n = r.length;
    for (let i = 0; i < n; i++) { const v = r[i]; if (typeof v === 'string') chars += v.length; }
    charge(4 * CALL + n * ECOPY + chars * COPY);
  }
  return r;
} }).exec\`);
lazy(RP, symReplace, \`(orig) => ({ [symReplace](string, replaceValue) {
  const s = toStr(string); charge(CALL + s.length * COPY);
  return apply(orig, this, [s, replacer(replaceValue)]);
} })[symReplace]\`);
for (const sym of [symMatch, symMatchAll, symSearch]) lazy(RP, sym, \`(orig, sym) => ({ [sym](string) {
  const s = toStr(string); charge(CALL + s.length * COPY); return apply(orig, this, [s]);
} })[sym]\`);
lazy(RP, symSplit, \`(orig) => ({ [symSplit](string, limit) {
  const s = toStr(string); charge(CALL + s.length * COPY + (s.length + 1) * ECOPY); return apply(orig, this, [s, limit]);
} })[symSplit]\`);
if (typeof RP.compile === 'function') lazy(RP, 'compile', \`(orig) => ({ compile(pattern, flags) {
  const p = isRealRegExp(pattern) ? pattern : pattern === undefined ? '' : toStr(pattern);
  charge(CALL + (typeof p === 'string' ? p.length : apply(reSource, p, []).length) * REGEXP_CHAR);
  return apply(orig, this, [p, flags === undefined ? undefined : toStr(flags)]);
} }).compile\`);
{
  const Orig = $RegExp;
  const W = function RegExp(pattern, flags) {
    const p = isRealRegExp(pattern) ? pattern : pattern === undefined ? undefined : toStr(pattern);
    const f = flags === undefined ? undefined : toStr(flags);
    const size = p === undefined ? 0 : typeof p === 'string' ? p.length : apply(reSource, p, []).length;
    charge(CALL + size * REGEXP_CHAR);
    const args = f === undefined ? [p] : [p, f];
    return new.target === undefined ? apply(Orig, undefined, args) : construct(Orig, args, new.target === W ? Orig : new.target);
  };
  replaceConstructor(Orig, W, 'RegExp');
  defineProperty(W, symSpecies, { get() { return this; }, configurable: true });
}

// ---- Array.prototype ----
const AP = $Array.prototype;
/** A genuine array receiver as is (its length is an own data property: Proxy is gone); anything else is copied into one. */
const arrayThis = (v, name, mutating) => {
  if (isArray(v)) { capElements(v.length); return v; }
  const o = toObj(v, 'Array.prototype.' + name);
  if (mutating) throw new $TypeError('Array.prototype.' + name + ' needs an array in this sandbox');
  const len = toLen(o.length); capElements(len); charge(len * ECOPY);
  const copy = [];
  for (let k = 0; k < len; k++) if (k in o) copy[k] = o[k];
  copy.length = len;
  return copy;
};
for (const name of ['every', 'some', 'forEach', 'map', 'filter', 'find', 'findIndex', 'findLast', 'findLastIndex', 'reduce', 'reduceRight'])
  lazy(AP, name, \`(orig, name) => ({ [name](...args) {
    const a = arrayThis(this, name, false); charge(CALL + a.length * ESCAN); return apply(orig, a, args);
  } })[name]\`);
for (const name of ['indexOf', 'lastIndexOf', 'includes']) lazy(AP, name, \`(orig, name) => ({ [name](search, ...rest) {
  const a = arrayThis(this, name, false);
  const perElement = ESCAN + (typeof search === 'string' ? search.length * SCAN : 0);
  charge(CALL + a.length * perElement);
  return apply(orig, a, rest.length === 0 ? [search] : [search, toInt(rest[0])]);
} })[name]\`);
lazy(AP, 'join', \`(orig) => ({ join(separator) {
  const a = arrayThis(this, 'join', false); const len = a.length;
  const sep = separator === undefined ? ',' : toStr(separator);
  charge(CALL + len * 2 * ECOPY);
  const parts = fresh(); let total = len > 0 ? (len - 1) * sep.length : 0;
  for (let k = 0; k < len; k++) { const v = a[k]; const s = v === undefined || v === null ? '' : toStr(v); parts[k] = s; total += s.length; }
  capString(total); charge(total * COPY);
  return apply(arrJoin, parts, [sep]);
} }).join\`);
lazy(AP, 'toLocaleString', \`(orig) => ({ toLocaleString() {
  const a = arrayThis(this, 'toLocaleString', false); const len = a.length;
  charge(CALL + len * ECOPY);
  const parts = fresh(); let total = len > 0 ? len - 1 : 0;
  for (let k = 0; k < len; k++) { const v = a[k]; const s = v === undefined || v === null ? '' : toStr(v.toLocaleString()); parts[k] = s; total += s.length; }
  capString(total); charge(total * COPY);
  return apply(arrJoin, parts, [',']);
} }).toLocaleString\`);
lazy(AP, 'slice', \`(orig) => ({ slice(start, end) {
  const a = arrayThis(this, 'slice', false); const len = a.length;
  const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * ECOPY);
  return apply(orig, a, [from, to]);
} }).slice\`);
for (const name of ['splice', 'toSpliced']) lazy(AP, name, \`(orig, name) => ({ [name](...args) {
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
} })[name]\`);
lazy(AP, 'fill', \`(orig) => ({ fill(value, start, end) {
  const a = arrayThis(this, 'fill', true); const len = a.length;
  const from = rel(start, len, 0); const to = rel(end, len, len);
  charge(CALL + max(to - from, 0) * ECOPY);
  return apply(orig, a, [value, from, to]);
} }).fill\`);
lazy(AP, 'copyWithin', \`(orig) => ({ copyWithin(target, start, end) {
  const a = arrayThis(this, 'copyWithin', true); const len = a.length;
  const to = rel(target, len, 0); const from = rel(start, len, 0); const fin = rel(end, len, len);
  charge(CALL + max(min(fin - from, len - to), 0) * ECOPY);
  return apply(orig, a, [to, from, fin]);
} }).copyWithin\`);
for (const name of ['reverse', 'shift', 'unshift']) lazy(AP, name, \`(orig, name) => ({ [name](...items) {
  const a = arrayThis(this, name, true); capElements(a.length + items.length);
  charge(CALL + (a.length + items.length) * ESCAN);
  return apply(orig, a, items);
} })[name]\`);
for (const name of ['toReversed', 'with']) lazy(AP, name, \`(orig, name) => ({ [name](...args) {
  const a = arrayThis(this, name, false); charge(CALL + a.length * ECOPY);
  return apply(orig, a, name === 'with' ? [toInt(args[0]), args[1]] : []);
} })[name]\`);
for (const name of ['sort', 'toSorted']) lazy(AP, name, \`(orig, name) => ({ [name](comparefn) {
  if (comparefn !== undefined && typeof comparefn !== 'function') throw new $TypeError('The comparison function must be either a function or undefined');
  const a = arrayThis(this, name, name === 'sort'); const len = a.length;
  // Without a comparison function the elements are compared as strings: charge the longest.
  let longest = 0;
  if (comparefn === undefined) for (let k = 0; k < len; k++) { const v = a[k]; if (typeof v === 'string' && v.length > longest) longest = v.length; }
  charge(CALL + len * (name === 'toSorted' ? ECOPY : 0) + len * log2ceil(len) * (ESCAN + longest * SCAN));
  return apply(orig, a, [comparefn]);
} })[name]\`);
/** The array a species-aware method would create (the original slice does ArraySpeciesCreate). */
const speciesEmpty = (o) => (isArray(o) ? apply(arrSlice, o, [0, 0]) : []);
lazy(AP, 'concat', \`(orig) => ({ concat(...items) {
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
} }).concat\`);
const flatten = lazyHelper(\`() => (out, n, source, depth) => {
  const len = toLen(source.length); capElements(n + len); charge(CALL + len * 2 * ECOPY);
  for (let k = 0; k < len; k++) {
    if (!(k in source)) continue;
    const v = source[k];
    if (depth > 0 && isArray(v)) n = flatten(out, n, v, depth - 1);
    else { capElements(n + 1); out[n++] = v; }
  }
  return n;
}\`);
lazy(AP, 'flat', \`(orig) => ({ flat(depth) {
  const a = arrayThis(this, 'flat', false); const d = depth === undefined ? 1 : toInt(depth);
  charge(CALL); const out = speciesEmpty(a); out.length = flatten(out, 0, a, d); return out;
} }).flat\`);
lazy(AP, 'flatMap', \`(orig) => ({ flatMap(callback, thisArg) {
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
} }).flatMap\`);

// ---- Array ----
lazy($Array, 'from', \`(orig) => ({ from(items, mapfn, thisArg) {
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
} }).from\`);

// ---- Object and Reflect ----
for (const [obj, name] of [[$Object, 'keys'], [$Object, 'values'], [$Object, 'entries'], [$Object, 'getOwnPropertyNames'],
  [$Object, 'getOwnPropertySymbols'], [$Reflect, 'ownKeys']]) lazy(obj, name, \`(orig, name) => ({ [name](o) {
  // The number of keys is only known once listed; it is charged before anything else runs.
  const r = apply(orig, this, [o]); charge(CALL + r.length * KEY); return r;
} })[name]\`);
lazy($Object, 'getOwnPropertyDescriptors', \`(orig) => ({ getOwnPropertyDescriptors(o) {
  charge(CALL + (isObject(o) ? apply(ownKeys, undefined, [o]).length * KEY : 0)); return apply(orig, this, [o]);
} }).getOwnPropertyDescriptors\`);
for (const name of ['freeze', 'seal', 'isFrozen', 'isSealed']) lazy($Object, name, \`(orig, name) => ({ [name](o) {
  charge(CALL + (isObject(o) ? apply(ownKeys, undefined, [o]).length * KEY : 0)); return apply(orig, this, [o]);
} })[name]\`);
lazy($Object, 'assign', \`(orig) => ({ assign(target, ...sources) {
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
} }).assign\`);

// ---- Map and Set: string keys are hashed in full on every call ----
for (const [proto, names] of [[$Map.prototype, ['get', 'set', 'has', 'delete']], [$Set.prototype, ['add', 'has', 'delete']]])
  for (const name of names) lazy(proto, name, \`(orig, name) => ({ [name](key, value) {
    charge(CALL + (typeof key === 'string' ? key.length * SCAN : 0)); return apply(orig, this, name === 'set' ? [key, value] : [key]);
  } })[name]\`);

// ---- JSON ----
lazy($JSON, 'parse', \`(orig) => ({ parse(text, reviver) {
  const s = toStr(text); charge(CALL + s.length * JSON_CHAR);
  return apply(orig, this, reviver === undefined ? [s] : [s, reviver]);
} }).parse\`);
lazy($JSON, 'stringify', \`(orig) => ({ stringify(value, replacer, space) {
  charge(CALL);
  // The gap, as the original would compute it, passed on as a primitive.
  let sp = space;
  if (isObject(sp)) { try { sp = apply(numValueOf, sp, []); } catch { try { sp = apply(strValueOf, sp, []); } catch { /* not a wrapper */ } } }
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
      else if (isObject(v)) { try { item = toStr(apply(strValueOf, v, [])); } catch { try { item = toStr(apply(numValueOf, v, [])); } catch { /* ignored */ } } }
      if (item !== undefined && apply(mapGet, seen, [item]) === undefined) { apply(mapSet, seen, [item, true]); list[n++] = item; }
    }
  }
  // Called by the original for every value it serializes, before it serializes it: the charge
  // (node, key, string characters, indentation and the circularity check, both as deep as the
  // value) comes first. The contract's replacer or property list is applied here.
  const depths = new $Map();
  const meter = function (key, v) {
    if (fn !== undefined) v = apply(fn, this, [key, v]);
    // A String object is serialized as its string: unwrapped here so its length is charged. Plain
    // objects and arrays skip the check (a failed check throws, which costs a backtrace).
    if (typeof v === 'object' && v !== null && !isArray(v) && getPrototypeOf(v) !== ObjectProto) {
      try { v = apply(strValueOf, v, []); } catch { /* not a String object */ }
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
  return apply(orig, this, [value, meter, gap]);
} }).stringify\`);

// ---- BigInt: parsing and printing are quadratic ----
{
  const Orig = $BigInt;
  const W = function BigInt(value) {
    if (new.target !== undefined) throw new $TypeError('BigInt is not a constructor');
    const v = toPrimitiveNumber(value);
    if (typeof v === 'string') { const n = v.length; charge(CALL + n * n * DIGIT2 + n * SCAN); } else charge(CALL);
    return apply(Orig, undefined, [v]);
  };
  for (const name of ['asIntN', 'asUintN']) lazy(Orig, name, \`(orig, name) => ({ [name](bits, bigint) {
    const b = toInt(bits); charge(CALL + min(max(b, 0), 2097152) * COPY); return apply(orig, this, [b, bigint]);
  } })[name]\`);
  for (const name of ['asIntN', 'asUintN']) lock(W, name, Orig[name]);
  replaceConstructor(Orig, W, 'BigInt');
  for (const name of ['toString', 'toLocaleString']) lazy(Orig.prototype, name, \`(orig, name) => ({ [name](radix) {
    const x = apply(bigValueOf, this, []);
    const r = radix === undefined || name === 'toLocaleString' ? 10 : toInt(radix);
    const bits = apply(bigToString, x, [16]).length * 4;
    const pow2 = r === 2 || r === 4 || r === 8 || r === 16 || r === 32;
    charge(CALL + bits * COPY + (pow2 ? 0 : bits * bits * BIT2));
    return apply(orig, x, radix === undefined || name === 'toLocaleString' ? [] : [r]);
  } })[name]\`);
}

// ---- global functions ----
for (const name of ['encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent', 'escape', 'unescape']) {
  if (typeof globalThis[name] === 'function') lazy(globalThis, name, \`(orig, name) => ({ [name](v) {
    const s = toStr(v); charge(CALL + s.length * URI); return apply(orig, undefined, [s]);
  } })[name]\`);
}
for (const [obj, name] of [[globalThis, 'parseInt'], [globalThis, 'parseFloat'], [$Number, 'parseInt'], [$Number, 'parseFloat']]) {
  lazy(obj, name, \`(orig, name) => ({ [name](v, radix) {
    const s = toStr(v); charge(CALL + s.length * BUILD); return apply(orig, undefined, [s, radix]);
  } })[name]\`);
}
lazy($Symbol, 'for', \`(orig) => ({ for(key) {
  const s = toStr(key); charge(CALL + s.length * SCAN); return apply(orig, this, [s]);
} }).for\`);

// ---- compiling source: eval and the Function constructors ----
lazy(globalThis, 'eval', \`(orig) => ({ eval(x) {
  if (typeof x !== 'string') return x;
  charge(CALL + x.length * COMPILE);
  return apply(orig, undefined, [x]);
} }).eval\`);
for (const Orig of [$Function, getPrototypeOf(function* () {}).constructor, getPrototypeOf(async function () {}).constructor,
  getPrototypeOf(async function* () {}).constructor]) {
  const W = function (...args) {
    let n = 0;
    for (let i = 0; i < args.length; i++) { const s = toStr(args[i]); args[i] = s; n += s.length; }
    charge(CALL + n * COMPILE);
    return new.target === undefined || new.target === W ? apply(Orig, undefined, args) : construct(Orig, args, new.target);
  };
  replaceConstructor(Orig, W, Orig === $Function ? 'Function' : undefined);
}

// ---- what the lazily compiled wrappers see ----
const HELPERS = '${HELPER_NAMES.join(',')}';
const HELPER_VALUES = [${HELPER_NAMES.join(',')}];
})();
`;

const sources: string[] = [];
/**
 * The prelude's source. It expects two natives on the global object, installed by the sandbox
 * just before and deleted by the prelude: `__gas(n)`, which charges n gas, and `__gasSource(i)`,
 * which returns METERED_BUILTINS_SOURCES[i].
 */
export const METERED_BUILTINS_PRELUDE: string = RAW_PRELUDE.replace(/`([^`]*)`/g, (_match, src: string) => {
  const known = sources.indexOf(src);
  return String(known >= 0 ? known : sources.push(src) - 1);
})
  // Comments and indentation cost compile time on every call.
  .replace(/^\s*\/\*\*[\s\S]*?\*\/\n/gm, '')
  .replace(/^\s*\/\/.*\n/gm, '')
  .replace(/^\s+/gm, '');
/** The wrappers' sources, compiled inside the VM on first use (see `lazy` in the prelude). */
export const METERED_BUILTINS_SOURCES: readonly string[] = sources;

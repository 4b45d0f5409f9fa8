/**
 * The prelude: a script run in every contract context before the contract's module. Its value is
 * the host bridge, [encode, decode, exportNames], built from originals captured before any
 * contract code runs, and held by the host for the call (no contract can reach or replace them):
 *
 * - encode(v): the JSON text of v (undefined as null), BigInt tagged as {"$bigint": "..."};
 * - decode(s): JSON.parse(s), untagging {"$bigint": "..."} (an object with that one key);
 * - exportNames(m): the sorted names of a module's callable exports, as a JSON array (names
 *   starting with "__" are the host's).
 *
 * It also deletes Math.random. Everything it does is paid for like contract code: in fuel.
 */
export const PRELUDE = `(() => {
'use strict';
const O = Object, A = Reflect.apply, J = JSON, jp = J.parse, js = J.stringify, ks = O.keys, B = BigInt, bs = B.prototype.toString,
  AP = Array.prototype, filter = AP.filter, sort = AP.sort, starts = String.prototype.startsWith;
delete Math.random;
const tag = (k, v) => (typeof v === 'bigint' ? { $bigint: A(bs, v, []) } : v);
const untag = (k, v) => {
  if (v !== null && typeof v === 'object') {
    const b = v.$bigint;
    if (typeof b === 'string' && ks(v).length === 1) return B(b);
  }
  return v;
};
return [
  (v) => {
    const x = js(v === undefined ? null : v, tag);
    return x === undefined ? 'null' : x;
  },
  (s) => jp(s, untag),
  (m) => js(A(sort, A(filter, ks(m), [(k) => typeof m[k] === 'function' && !A(starts, k, ['__'])]), [])),
];
})()`;

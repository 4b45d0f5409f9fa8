/** The contract the exec and sandbox-threads benchmarks call: about 1,000 loop iterations and 3 storage writes. */
export const BENCH_CONTRACT = `
export function work(hot, a, b) {
  let s = 0;
  for (let i = 0; i < 1000; i++) s = (s * 31 + i) % 1000003;
  const v = db.get('t', hot) ?? 0n;
  db.put('t', hot, v + 1n);
  db.put('t', a, s);
  db.put('t', b, s + 1);
  return s;
}`;

/**
 * A contract that fills a table, deletes rows and lists them: `db.range` stepping over keys
 * deleted earlier in the block or the transaction (the host-gas benchmark and its test).
 */
export const RANGE_CONTRACT = `
const key = (i) => 'k' + String(i).padStart(6, '0');
export function fill(from, n) { for (let i = from; i < from + n; i++) db.put('t', key(i), 1); }
export function drop(from, n) { for (let i = from; i < from + n; i++) db.del('t', key(i)); }
export function scan(ranges, limit) { let seen = 0; for (let r = 0; r < ranges; r++) seen += db.range('t', 'k', limit).length; return seen; }
export function dropAndScan(from, n, ranges, limit) { drop(from, n); return scan(ranges, limit); }
export function spin() { for (;;) {} }
`;

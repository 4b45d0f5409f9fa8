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

/**
 * Warming the engine up. V8 first runs WebAssembly through its baseline compiler and optimizes a
 * function once it has run enough; until then QuickJS runs several times slower. A node runs a
 * few representative calls on every execution thread when it starts (the threads share the
 * compiled module, so the optimized code too), so its first blocks do not pay for that.
 */
import type { CallOutcome, ContractSandbox, HostCalls } from './sandbox.js';

export const WARM_UP_CALLS = 300;

const CONTRACT = `
export function work(n, key) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003;
  const row = db.get('t', key) ?? { count: 0n, names: [] };
  row.count += BigInt(s % 7);
  row.names = [...row.names.slice(-4), 'n' + s].map((x) => x.toUpperCase());
  const m = new Map(row.names.map((x, i) => [x, i]));
  db.put('t', key, { ...row, size: m.size, text: JSON.stringify(row.names).slice(0, 20) });
  emit('worked', { key, s });
  return row.count;
}`;

const CTX = { sender: '0x' + '11'.repeat(20), value: 0n, height: 1, time: 0, contract: '0x' + '22'.repeat(20) };

/** Runs `calls` calls of a small contract touching the common paths (loops, strings, JSON, BigInt, Map, storage, events). */
export function warmUpSandbox(sandbox: ContractSandbox, calls = WARM_UP_CALLS): void {
  const rows = new Map<string, string>();
  const host: HostCalls = {
    dbGet: (table, key) => rows.get(`${table}/${key}`),
    dbPut: (table, key, value) => void rows.set(`${table}/${key}`, value),
    dbDel: (table, key) => void rows.delete(`${table}/${key}`),
    emit: () => undefined,
    dbRange: () => [],
    transfer: () => undefined,
    call: (): CallOutcome => ({ ok: false, error: 'no calls while warming up', gasUsed: 0 }),
  };
  for (let i = 0; i < calls; i++) {
    const outcome = sandbox.call({ code: CONTRACT, method: 'work', argsJson: JSON.stringify([500, `k${i % 10}`]), ctx: CTX, gasLimit: 50_000_000 }, host, () => 0);
    if (!outcome.ok) throw new Error(`the contract engine fails its warm-up call: ${outcome.error}`);
  }
}

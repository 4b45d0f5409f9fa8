/** A contract host in memory for sandbox tests: tables, events, and the rule files given; no balances, no other contracts. */
import type { HostCalls } from '../../src/contracts/sandbox.js';

export function memoryHost(ruleFiles: Readonly<Record<string, string>> = {}): HostCalls & { tables: Map<string, string>; events: [string, string][] } {
  const tables = new Map<string, string>();
  const events: [string, string][] = [];
  return {
    tables,
    events,
    dbGet: (t, k) => tables.get(`${t}/${k}`),
    dbPut: (t, k, v) => void tables.set(`${t}/${k}`, v),
    dbDel: (t, k) => void tables.delete(`${t}/${k}`),
    emit: (name, data) => {
      if (data.length > 4096) throw new Error('event data above 4096 bytes');
      events.push([name, data]);
    },
    dbRange: (t, prefix, limit) =>
      [...tables.entries()]
        .filter(([k]) => k.startsWith(`${t}/${prefix}`))
        .map(([k, v]): [string, string] => [k.slice(t.length + 1), v])
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .slice(0, limit),
    transfer: () => {
      throw new Error('no balances in this host');
    },
    call: () => ({ ok: false, error: 'no other contracts in this host', gasUsed: 0 }),
    ruleFile: (name) => ruleFiles[name],
  };
}

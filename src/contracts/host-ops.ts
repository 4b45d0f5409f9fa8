/**
 * The host's side of the contract API (spec/contracts.md, "The sandbox"): what each operation
 * the prelude's `host(op, ...)` native asks for does and charges. Everything arrives and leaves
 * as strings; a refusal is a ContractAbort, which fails the call whatever the contract catches.
 */
import { ContractAbort, MAX_RANGE_LIMIT, type CallOutcome, type HostCalls } from './sandbox-types.js';

/** How host operations charge gas and report an abort. */
export interface HostMeter {
  /** Charges what the schedule says for `bytes` of host work of kind `what`. */
  charge(what: string, bytes: number): void;
  /** Charges an exact amount (a nested call's gas). */
  chargeGas(amount: number): void;
  gasLeft(): number;
  onAbort(err: Error): void;
}

/** One call's host and meter: what a VM's native serves. */
export interface HostState {
  host: HostCalls;
  meter: HostMeter;
}

const BIGINT_TEXT = /^-?[0-9]+$/;

/** Runs operation `op` with its string arguments; the string handed back to the VM, if any. */
export function hostOperation({ host, meter }: HostState, op: string, a = '', b = '', c = ''): string | undefined {
  switch (op) {
    case 'abort':
      throw new ContractAbort(a);
    case 'get': {
      const found = host.dbGet(a, b);
      meter.charge('db.get', a.length + b.length + (found?.length ?? 0));
      return found;
    }
    case 'put':
      meter.charge('db.put', a.length + b.length + c.length);
      host.dbPut(a, b, c);
      return undefined;
    case 'del':
      meter.charge('db.del', a.length + b.length);
      host.dbDel(a, b);
      return undefined;
    case 'range': {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1 || n > MAX_RANGE_LIMIT) throw new ContractAbort(`range limit must be an integer from 1 to ${MAX_RANGE_LIMIT}`);
      meter.charge('db.range', a.length + b.length);
      const entries = host.dbRange(a, b, n);
      let bytes = 0;
      for (const [k, v] of entries) bytes += k.length + v.length;
      meter.charge('db.rangeEntries', bytes + entries.length * 64);
      return `[${entries.map(([k, v]) => `[${JSON.stringify(k)},${v}]`).join(',')}]`;
    }
    case 'emit':
      meter.charge('emit', a.length + b.length);
      host.emit(a, b);
      return undefined;
    case 'revert':
      throw new ContractAbort(`reverted: ${a === 'y' ? b : 'no reason given'}`);
    case 'transfer': {
      if (!BIGINT_TEXT.test(b)) throw new ContractAbort('transfer amount must be a BigInt (for example 10n)');
      meter.charge('transfer', a.length);
      host.transfer(a, BigInt(b));
      return undefined;
    }
    case 'call': {
      meter.charge('call', a.length + b.length + c.length);
      const outcome: CallOutcome = host.call(a, b, c, meter.gasLeft());
      meter.chargeGas(outcome.gasUsed);
      if (!outcome.ok) throw new ContractAbort(`call to ${a}.${b} failed: ${outcome.error}`);
      return outcome.resultJson;
    }
    default:
      throw new ContractAbort(`unknown host operation "${op.slice(0, 32)}"`);
  }
}

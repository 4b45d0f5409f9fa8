/**
 * The host's side of the contract API (spec/contracts.md, "The sandbox"): what each operation
 * the prelude's `host(op, ...)` native asks for does and charges. Everything arrives and leaves
 * as strings; a refusal is a ContractAbort, which fails the call whatever the contract catches.
 */
import { fitUtf8, utf8Length } from '../codec/utf8-fit.js';
import { CallRules } from './rules-ops.js';
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
  /** The call's rules sessions, made on the first `rules.` operation. */
  rules?: CallRules;
}

const BIGINT_TEXT = /^-?[0-9]+$/;

/** What a contract-chosen name may add to an error text. */
const QUOTED_NAME_BYTES = 80;

/**
 * Gas is charged for UTF-8 bytes (what is stored and hashed), never UTF-16 units, and before the
 * work it pays for: arguments when the operation starts, each stored value when it is read,
 * before it is decoded.
 */
const bytes = utf8Length;

/** Runs operation `op` with its string arguments; the string handed back to the VM, if any. */
export function hostOperation(state: HostState, op: string, a = '', b = '', c = ''): string | undefined {
  const { host, meter } = state;
  if (op.startsWith('rules.')) return (state.rules ??= new CallRules(host, meter)).operation(op, a, b, c);
  if (op.startsWith('process.')) {
    if (!host.process) throw new ContractAbort('process: this host runs no processes');
    return host.process(op, a, b, c, (what, units) => meter.charge(what, units));
  }
  switch (op) {
    case 'abort':
      throw new ContractAbort(a);
    case 'get':
      meter.charge('db.get', bytes(a) + bytes(b));
      return host.dbGet(a, b, (valueBytes) => meter.charge('db.getValue', valueBytes));
    case 'put':
      meter.charge('db.put', bytes(a) + bytes(b) + bytes(c));
      host.dbPut(a, b, c);
      return undefined;
    case 'del':
      meter.charge('db.del', bytes(a) + bytes(b));
      host.dbDel(a, b);
      return undefined;
    case 'range': {
      const n = Number(c);
      if (!Number.isInteger(n) || n < 1 || n > MAX_RANGE_LIMIT) throw new ContractAbort(`range limit must be an integer from 1 to ${MAX_RANGE_LIMIT}`);
      meter.charge('db.range', bytes(a) + bytes(b));
      const entries = host.dbRange(
        a,
        b,
        n,
        (keyBytes, valueBytes) => meter.charge('db.rangeRow', keyBytes + valueBytes),
        () => meter.charge('db.rangeSkip', 0),
      );
      return `[${entries.map(([k, v]) => `[${JSON.stringify(k)},${v}]`).join(',')}]`;
    }
    case 'emit':
      meter.charge('emit', bytes(a) + bytes(b));
      host.emit(a, b);
      return undefined;
    case 'files.size':
      // Paid before the read; a host without files answers that none is registered.
      meter.charge('files.size', bytes(a));
      return host.fileSize?.(a);
    case 'revert':
      throw new ContractAbort(`reverted: ${a === 'y' ? b : 'no reason given'}`);
    case 'transfer': {
      if (!BIGINT_TEXT.test(b)) throw new ContractAbort('transfer amount must be a BigInt (for example 10n)');
      meter.charge('transfer', bytes(a));
      host.transfer(a, BigInt(b));
      return undefined;
    }
    case 'call': {
      meter.charge('call', bytes(a) + bytes(b) + bytes(c));
      const outcome: CallOutcome = host.call(a, b, c, meter.gasLeft());
      meter.chargeGas(outcome.gasUsed);
      if (!outcome.ok) throw new ContractAbort(`call to ${fitUtf8(a, QUOTED_NAME_BYTES)}.${fitUtf8(b, QUOTED_NAME_BYTES)} failed: ${outcome.error}`);
      return outcome.resultJson;
    }
    default:
      throw new ContractAbort(`unknown host operation "${fitUtf8(op, 32)}"`);
  }
}

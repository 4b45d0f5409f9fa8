/**
 * The host side of a contract call: the contract's tables, events, CMT transfers and calls to
 * other contracts, all on the transaction's overlay so a failed transaction leaves nothing.
 */
import { bytesFromKey, bytesKey, concatBytes, utf8 } from '../../codec/bytes.js';
import { RESULT_LIMITS, type AppEvent } from '../../codec/results.js';
import { fitUtf8, utf8Length, wellFormed } from '../../codec/utf8-fit.js';
import { formatAddress, parseAddress } from '../../crypto/address.js';
import { ContractAbort, type CallOutcome, type HostCalls } from '../../contracts/sandbox.js';
import type { HookContext } from '../../contracts/sandbox-types.js';
import type { Overlay } from '../../state/overlay.js';
import { credit, debit } from '../bank/accounts.js';
import { TxError } from '../errors.js';
import { hostCallGas } from './gas-schedule.js';
import { MAX_KEY_BYTES, tableNameError, tablePrefix } from './layout.js';
import { ContractProcesses } from '../process/operations.js';
import { contractCode, contractRuleFile } from './records.js';
import { contractRuntime } from './runtime.js';
import { parseCid } from '../files/cid.js';
import { readFile } from '../files/layout.js';

export const MAX_VALUE_BYTES = 64 * 1024;
export const MAX_EVENT_NAME_BYTES = 64;
/** An event's data is one receipt attribute value. */
export const MAX_EVENT_BYTES = RESULT_LIMITS.attributeValueBytes;
export const MAX_EVENTS_PER_TX = 256;
export const MAX_CALL_DEPTH = 8;

/** What every call of one transaction shares. */
export interface CallEnv {
  state: Overlay;
  height: number;
  time: number;
  /** The transaction's hash (upper-case hex), or '' for a query. */
  tx: string;
  events: AppEvent[];
  /** Contracts on the call stack (formatted addresses), outermost first. */
  stack: string[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export class ContractHost implements HostCalls {
  private readonly self: string;

  constructor(
    private readonly env: CallEnv,
    private readonly contract: Uint8Array,
  ) {
    this.self = formatAddress(contract);
  }

  dbGet(table: string, key: string, pay: (valueBytes: number) => void): string | undefined {
    const raw = this.env.state.get(this.rowKey(table, key));
    if (raw === undefined) return undefined;
    pay(raw.length);
    return decoder.decode(raw);
  }

  dbPut(table: string, key: string, valueJson: string): void {
    const value = utf8(valueJson);
    if (value.length > MAX_VALUE_BYTES) throw new ContractAbort(`db.put: the value is ${value.length} bytes, the limit is ${MAX_VALUE_BYTES}`);
    this.env.state.set(this.rowKey(table, key), value);
  }

  dbDel(table: string, key: string): void {
    this.env.state.delete(this.rowKey(table, key));
  }

  /**
   * Reads row by row, each paid for before it is decoded: the gas limit stops a range over big
   * rows at the row it runs out on. Deleted keys the listing steps over are paid one by one too:
   * else deleting rows once and listing past them many times is work nobody pays for.
   */
  dbRange(table: string, prefix: string, limit: number, pay: (keyBytes: number, valueBytes: number) => void, paySkip: () => void): [string, string][] {
    const tableKey = this.tableKey(table);
    const start = bytesKey(concatBytes(tableKey, this.keyBytes(prefix)));
    const skip = tableKey.length;
    const rows: [string, string][] = [];
    if (limit < 1) return rows;
    for (const k of this.env.state.orderedKeys(start, paySkip)) {
      const raw = bytesFromKey(k);
      const value = this.env.state.get(raw) as Uint8Array;
      pay(raw.length - skip, value.length);
      rows.push([decoder.decode(raw.subarray(skip)), decoder.decode(value)]);
      if (rows.length >= limit) break;
    }
    return rows;
  }

  /** Limits count UTF-8 bytes, as the results codec does; lone surrogates are stored as U+FFFD. */
  emit(name: string, dataJson: string): void {
    const nameBytes = utf8Length(name);
    if (nameBytes === 0 || nameBytes > MAX_EVENT_NAME_BYTES) throw new ContractAbort(`emit: the event name must be 1-${MAX_EVENT_NAME_BYTES} bytes`);
    if (utf8Length(dataJson) > MAX_EVENT_BYTES) throw new ContractAbort(`emit: event data above ${MAX_EVENT_BYTES} bytes`);
    if (this.env.events.length >= MAX_EVENTS_PER_TX) throw new ContractAbort(`emit: more than ${MAX_EVENTS_PER_TX} events in one transaction`);
    this.env.events.push({
      type: 'contract',
      attributes: [
        { key: 'contract', value: this.self },
        { key: 'event', value: wellFormed(name) },
        { key: 'data', value: wellFormed(dataJson) },
      ],
    });
  }

  transfer(to: string, amount: bigint): void {
    let recipient: Uint8Array;
    try {
      recipient = parseAddress(to);
    } catch {
      throw new ContractAbort(`transfer: "${to.slice(0, 60)}" is not an address (0x and 40 hex digits)`);
    }
    if (amount <= 0n) throw new ContractAbort('transfer: the amount must be positive');
    try {
      debit(this.env.state, this.contract, amount, 0n);
    } catch (err) {
      if (err instanceof TxError) throw new ContractAbort(`transfer: the contract's balance cannot cover ${amount}`);
      throw err;
    }
    credit(this.env.state, recipient, amount);
  }

  call(address: string, method: string, argsJson: string, gasLimit: number): CallOutcome {
    let target: Uint8Array;
    try {
      target = parseAddress(address);
    } catch {
      return { ok: false, error: `"${address.slice(0, 60)}" is not an address`, gasUsed: 0 };
    }
    const name = formatAddress(target);
    if (this.env.stack.includes(name)) return { ok: false, error: `reentrant call: ${name} is already running`, gasUsed: 0 };
    if (this.env.stack.length >= MAX_CALL_DEPTH) return { ok: false, error: `calls nest deeper than ${MAX_CALL_DEPTH}`, gasUsed: 0 };
    const code = contractCode(this.env.state, target);
    if (code === undefined) return { ok: false, error: `no contract at ${name}`, gasUsed: 0 };
    return runContract(this.env, target, { sender: this.self, value: 0n, method, argsJson, gasLimit, code });
  }

  ruleFile(name: string): string | undefined {
    return contractRuleFile(this.env.state, this.contract, name);
  }

  /** One per call: the bundle's definitions are loaded and paid for once a call. */
  private processes?: ContractProcesses;

  process(op: string, a: string, b: string, c: string, charge: (what: string, units: number) => void): string | undefined {
    const { state, height, time, tx } = this.env;
    this.processes ??= new ContractProcesses({ state, contract: this.contract, height, time, tx, charge });
    return this.processes.operation(op, a, b, c);
  }

  fileSize(cid: string): string | undefined {
    const parsed = parseCid(cid);
    if (!parsed) return undefined;
    const record = readFile(this.env.state, parsed);
    return record === undefined ? undefined : String(record.size);
  }

  private tableKey(table: string): Uint8Array {
    const bad = tableNameError(table);
    if (bad) throw new ContractAbort(bad);
    return tablePrefix(this.contract, table);
  }

  private keyBytes(key: string): Uint8Array {
    const bytes = utf8(key);
    if (bytes.length > MAX_KEY_BYTES) throw new ContractAbort(`a key is ${bytes.length} bytes, the limit is ${MAX_KEY_BYTES}`);
    return bytes;
  }

  private rowKey(table: string, key: string): Uint8Array {
    return concatBytes(this.tableKey(table), this.keyBytes(key));
  }
}

export interface ContractInvocation {
  sender: string;
  value: bigint;
  method: string;
  argsJson: string;
  gasLimit: number;
  code: string;
  /** The webhook event that calls the method, if one does. */
  hook?: HookContext;
}

/** Runs one method of `contract` with the contract on the call stack for its duration. */
export function runContract(env: CallEnv, contract: Uint8Array, call: ContractInvocation): CallOutcome {
  const self = formatAddress(contract);
  env.stack.push(self);
  try {
    const outcome = contractRuntime().call(
      {
        code: call.code,
        method: call.method,
        argsJson: call.argsJson,
        ctx: { sender: call.sender, value: call.value, height: env.height, time: env.time, contract: self, ...(call.hook ? { hook: call.hook } : {}) },
        gasLimit: call.gasLimit,
      },
      new ContractHost(env, contract),
      hostCallGas,
    );
    // A contract's error text (what it threw or reverted with) can be as long as its memory
    // allows; it ends up in a log, and callers up the stack quote it.
    return outcome.ok ? outcome : { ...outcome, error: fitUtf8(outcome.error, RESULT_LIMITS.logBytes) };
  } finally {
    env.stack.pop();
  }
}

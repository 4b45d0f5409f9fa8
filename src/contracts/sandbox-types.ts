/** The sandbox's interface types and limits, shared by the sandbox and the host's side of it. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 16 * 1024 * 1024;
export const DEFAULT_STACK_LIMIT_BYTES = 256 * 1024;

/** What a contract reaches of the chain, all through JSON text (see spec/contracts.md). */
export interface HostCalls {
  /** Returns the value's JSON text, or undefined. */
  dbGet(table: string, key: string): string | undefined;
  dbPut(table: string, key: string, valueJson: string): void;
  dbDel(table: string, key: string): void;
  emit(name: string, dataJson: string): void;
  /** Up to `limit` entries of `table` whose key starts with `prefix`, in key order: [key, valueJson]. */
  dbRange(table: string, prefix: string, limit: number): [string, string][];
  /** Moves CMT from the contract's balance; throws ContractAbort when it cannot. */
  transfer(to: string, amount: bigint): void;
  /** Runs another contract's method with at most `gasLimit` gas; its outcome, failures included. */
  call(address: string, method: string, argsJson: string, gasLimit: number): CallOutcome;
}

/** As a method name: evaluate the module and answer its callable exports, sorted (a JSON array). */
export const LIST_EXPORTS = '__exports__';

/** The most entries one db.range call returns. */
export const MAX_RANGE_LIMIT = 1_000;

export interface CallContext {
  sender: string;
  value: bigint;
  height: number;
  time: number;
  contract: string;
}

export interface CallRequest {
  code: string;
  method: string;
  /** JSON text of the positional arguments (an array). */
  argsJson: string;
  ctx: CallContext;
  gasLimit: number;
  memoryLimitBytes?: number;
  stackLimitBytes?: number;
}

export type CallOutcome = { ok: true; resultJson: string; gasUsed: number } | { ok: false; error: string; gasUsed: number };

/** Thrown by a host call to end the contract with a clean failure (bad input, a limit, a revert). */
export class ContractAbort extends Error {}

export class OutOfGas extends ContractAbort {
  constructor() {
    super('out of gas');
  }
}


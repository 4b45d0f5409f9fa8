/** The sandbox's interface types and limits, shared by the sandbox and the host's side of it. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 16 * 1024 * 1024;
/**
 * QuickJS's own stack limit, in bytes of the engine's (emscripten) stack: a plain recursion
 * ends in a catchable `InternalError: stack overflow` (about 250-370 levels for a small
 * function, fewer as its frame grows) before it reaches the frame budget (quickjs-engine.ts),
 * whose trap cannot be caught and takes all the gas.
 */
export const DEFAULT_STACK_LIMIT_BYTES = 64 * 1024;

/** What a contract reaches of the chain, all through JSON text (see spec/contracts.md). */
export interface HostCalls {
  /**
   * Returns the value's JSON text, or undefined. `pay` is told the stored value's size in bytes
   * before the value is decoded, and throws to stop the read (out of gas).
   */
  dbGet(table: string, key: string, pay: (valueBytes: number) => void): string | undefined;
  dbPut(table: string, key: string, valueJson: string): void;
  dbDel(table: string, key: string): void;
  emit(name: string, dataJson: string): void;
  /**
   * Up to `limit` entries of `table` whose key starts with `prefix`, in key order: [key,
   * valueJson]. `pay` is told each row's key and value bytes before the row is decoded, and
   * throws to stop the range there (out of gas).
   */
  /** `pay` for each row read, before it is decoded; `paySkip` for each deleted key stepped over. */
  dbRange(table: string, prefix: string, limit: number, pay: (keyBytes: number, valueBytes: number) => void, paySkip: () => void): [string, string][];
  /** Moves CMT from the contract's balance; throws ContractAbort when it cannot. */
  transfer(to: string, amount: bigint): void;
  /** Runs another contract's method with at most `gasLimit` gas; its outcome, failures included. */
  call(address: string, method: string, argsJson: string, gasLimit: number): CallOutcome;
  /** The text of rule file `name` (a `.drl` of the contract's bundle), or undefined; a host without rule files leaves it out. */
  ruleFile?(name: string): string | undefined;
  /**
   * A process operation (`process.start`, `signal`, `state`, `history`, `deposit`) for the calling
   * contract, its work paid through `charge` before it is done; the answer for the VM, if any.
   * A host without processes leaves it out.
   */
  process?(op: string, a: string, b: string, c: string, charge: (what: string, units: number) => void): string | undefined;
  /**
   * The registered size (decimal text) of the file with CID `cid` (base32 text), from the
   * chain's records (spec/files.md), or undefined when it is not registered or not a CID the
   * chain accepts. A host without files leaves it out.
   */
  fileSize?(cid: string): string | undefined;
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
  /** Set when a webhook's event calls the method (spec/webhooks.md): `ctx.hook` in the contract. */
  hook?: HookContext;
}

/** The event a webhook delivers: its hook, its id, the payload's hash and who attested to it. */
export interface HookContext {
  name: string;
  id: string;
  payloadHash: string;
  attesters: string[];
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


/**
 * The contract sandbox (issue 6, spec/contracts.md): a contract is an ES module run by QuickJS
 * compiled to WebAssembly (quickjs-emscripten, pinned), in a fresh runtime per call, with a
 * memory limit, a stack limit, no clock and no randomness, and deterministic gas: every
 * WebAssembly instruction the engine executes is counted (quickjs-engine.ts, wasm-fuel.ts), plus
 * what each host call costs. Values cross the boundary as JSON text with BigInt tagged, so the
 * host never holds a handle into the VM after a call.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { PRELUDE } from './prelude.js';
import { quickJsEngine, type QuickJsEngine } from './quickjs-engine.js';
import { UNLIMITED_FUEL } from './wasm-fuel.js';

/**
 * WebAssembly instructions per unit of gas. Calibrated on the reference machine so that contract
 * CPU costs about what transfers cost per gas (a transfer's ~21,500 gas buys ~150 us of
 * signature check and execution: ~7 ns per gas). A consensus constant.
 */
export const FUEL_PER_GAS = 16n;
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

/**
 * The language features a contract's context is created with (QuickJS intrinsics). Left out:
 * Date (no clock), Proxy (it can lie about lengths to the metered built-ins), the typed arrays,
 * ArrayBuffer, SharedArrayBuffer, DataView and Atomics (binary buffers are not part of the
 * contract data model), and WeakRef and FinalizationRegistry (garbage collection is not
 * deterministic): absent from the context, not deleted from it. Promise must stay: module
 * evaluation needs it (without it, freeing the runtime fails an assertion that aborts the
 * process). Math.random is deleted by the metered prelude.
 */
export const CONTRACT_INTRINSICS = {
  BaseObjects: true,
  Eval: true,
  JSON: true,
  BigInt: true,
  MapSet: true,
  RegExp: true,
  RegExpCompiler: true,
  Promise: true,
  StringNormalize: true,
} as const;

/** The prelude's host bridge (see METERED_BUILTINS_PRELUDE), held for one call. */
interface Bridge {
  encode: QuickJSHandle;
  decode: QuickJSHandle;
  exportNames: QuickJSHandle;
}

/** Calls a VM function that returns a string; undefined (the exception disposed) if it threw. */
function callForString(vm: QuickJSContext, fn: QuickJSHandle, arg: QuickJSHandle): string | undefined {
  const r = vm.callFunction(fn, vm.undefined, arg);
  if (r.error) {
    r.error.dispose();
    return undefined;
  }
  const s = vm.getString(r.value);
  r.value.dispose();
  return s;
}

function errorText(vm: QuickJSContext, handle: QuickJSHandle): string {
  const dumped: unknown = vm.dump(handle);
  if (dumped && typeof dumped === 'object' && 'message' in dumped) {
    const e = dumped as { name?: unknown; message?: unknown };
    return `${typeof e.name === 'string' ? e.name : 'Error'}: ${String(e.message)}`;
  }
  // A contract may throw anything: a string, a number, an object.
  try {
    return `thrown: ${JSON.stringify(dumped)}`;
  } catch {
    return `thrown: ${String(dumped)}`;
  }
}

/** A VM ready for calls: runtime, context, the prelude's bridge and the host API. */
interface PreparedVm {
  runtime: QuickJSRuntime;
  vm: QuickJSContext;
  bridge: Bridge;
  dispose(): void;
}

/** What a VM's host functions serve: one call's host and meter. */
interface HostState {
  host: HostCalls;
  meter: HostMeter;
}

/** JSON text (BigInt tagged) as a value in the VM, through the prelude's decoder. */
function decodeInto(vm: QuickJSContext, bridge: Bridge, json: string): QuickJSHandle {
  const arg = vm.newString(json);
  const r = vm.callFunction(bridge.decode, vm.undefined, arg);
  arg.dispose();
  return vm.unwrapResult(r);
}

/** How host functions charge gas and report an abort (see installHost). */
interface HostMeter {
  /** Charges what the schedule says for `bytes` of host work of kind `what`. */
  charge(what: string, bytes: number): void;
  /** Charges an exact amount (a nested call's gas). */
  chargeGas(amount: number): void;
  gasLeft(): number;
  onAbort(err: Error): void;
}

/** An error that unwound the engine's own code: a WebAssembly trap, or the native stack overflowing under it. */
function isEngineTrap(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError || (err instanceof RangeError && err.message.includes('call stack'));
}

export class ContractSandbox {
  /** Calls running now (nested calls run inside their caller's host call). */
  private depth = 0;
  /**
   * Why the engine stopped in the middle of its own code (a trap: out of fuel, or a WebAssembly
   * error), if it did during this top-level call: the VM's memory is then inconsistent, so no VM
   * object is touched again, every enclosing call fails with this reason, and the next top-level
   * call starts from reset memory.
   */
  private trapped: string | undefined;

  /** The VM every top-level call runs in, made once and restored with the engine's memory. */
  private prepared: PreparedVm | undefined;
  /** What the prepared VM's host functions serve: the top-level call running now. */
  private current: HostState | undefined;

  private constructor(private readonly engine: QuickJsEngine) {}

  static async load(): Promise<ContractSandbox> {
    return new ContractSandbox(await quickJsEngine());
  }

  private get qjs(): QuickJSWASMModule {
    return this.engine.qjs;
  }

  call(request: CallRequest, host: HostCalls, hostGas: (what: string, bytes: number) => number): CallOutcome {
    const engine = this.engine;
    const topLevel = this.depth === 0;
    const prepared = topLevel ? (this.prepared ??= this.prepare()) : undefined;
    if (topLevel) {
      engine.resetMemory();
      this.trapped = undefined;
    }
    if (this.trapped) return { ok: false, error: this.trapped, gasUsed: request.gasLimit };
    const callerFuel = engine.fuel;
    const limit = BigInt(request.gasLimit) * FUEL_PER_GAS;
    engine.fuel = limit;
    const gasUsed = (): number => {
      const used = (limit - engine.fuel + FUEL_PER_GAS - 1n) / FUEL_PER_GAS;
      return used > BigInt(request.gasLimit) ? request.gasLimit : Number(used);
    };
    let abort: Error | undefined;
    const charge = (amount: number): void => {
      engine.fuel -= BigInt(amount) * FUEL_PER_GAS;
      if (engine.fuel < 0n) throw new OutOfGas();
    };
    const fail = (error: string): CallOutcome => ({ ok: false, error, gasUsed: gasUsed() });
    const state: HostState = {
      host,
      meter: {
        charge: (what, bytes) => charge(hostGas(what, bytes)),
        chargeGas: charge,
        gasLeft: () => (engine.fuel > 0n ? Number(engine.fuel / FUEL_PER_GAS) : 0),
        onAbort: (err) => (abort = err),
      },
    };
    this.depth++;
    let fresh: PreparedVm | undefined;
    try {
      let ready: PreparedVm;
      if (prepared) {
        ready = prepared;
        this.current = state;
        ready.runtime.setMemoryLimit(request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES);
        ready.runtime.setMaxStackSize(request.stackLimitBytes ?? DEFAULT_STACK_LIMIT_BYTES);
      } else {
        // A nested call gets a runtime of its own, made and freed here, on its own gas.
        fresh = this.newVm(request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES, request.stackLimitBytes ?? DEFAULT_STACK_LIMIT_BYTES, () => state);
        if (!fresh) return fail(engine.fuel < 0n ? 'out of gas' : 'the sandbox failed to start');
        ready = fresh;
      }
      const ctxHandle = decodeInto(ready.vm, ready.bridge, JSON.stringify({ sender: request.ctx.sender, value: { $bigint: request.ctx.value.toString() }, block: { height: request.ctx.height, time: request.ctx.time }, contract: request.ctx.contract }));
      ready.vm.setProp(ready.vm.global, 'ctx', ctxHandle);
      ctxHandle.dispose();
      return this.run(ready.vm, request, ready.bridge, () => abort, fail, gasUsed);
    } catch (err) {
      if (err instanceof ContractAbort) return fail(err.message);
      // Anything else came out of the engine's own code, which was left in the middle of its
      // work: a trap (out of fuel, or a WebAssembly error such as a native stack overflow).
      return { ok: false, error: this.trap(err), gasUsed: request.gasLimit };
    } finally {
      this.depth--;
      if (topLevel) this.current = undefined;
      // The prepared VM is never freed: the next top-level call restores the memory it lives in.
      if (fresh && !this.trapped) fresh.dispose();
      // The caller's fuel back; after a trap, none: the caller must not run another instruction.
      engine.fuel = this.trapped ? -1n : topLevel ? 0n : callerFuel;
    }
  }

  /**
   * Makes the top-level VM — runtime, context, prelude, host functions — on unlimited fuel from
   * the engine's start-up memory, then makes that memory the one every top-level call starts
   * from: a call pays for none of it, and no call sees what another left.
   */
  private prepare(): PreparedVm {
    const engine = this.engine;
    engine.resetMemory();
    engine.fuel = BigInt(UNLIMITED_FUEL);
    const ready = this.newVm(DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_STACK_LIMIT_BYTES, () => {
      if (!this.current) throw new ContractAbort('no call is running');
      return this.current;
    });
    if (!ready) throw new Error('the contract sandbox fails to start');
    // quickjs-emscripten makes these handles on first use and keeps them: made now, they live in
    // the memory every call starts from.
    void [ready.vm.undefined, ready.vm.null, ready.vm.true, ready.vm.false, ready.vm.global];
    engine.fuel = 0n;
    engine.keepMemory();
    return ready;
  }

  /** A runtime and context with the prelude and the host API; undefined if the prelude failed. */
  private newVm(memoryLimit: number, stackLimit: number, state: () => HostState): PreparedVm | undefined {
    const runtime = this.qjs.newRuntime();
    runtime.setMemoryLimit(memoryLimit);
    runtime.setMaxStackSize(stackLimit);
    const vm = runtime.newContext({ intrinsics: CONTRACT_INTRINSICS });
    const dispose = (): void => {
      vm.dispose();
      runtime.dispose();
    };
    const started = vm.evalCode(PRELUDE, 'prelude.js', { type: 'global' });
    if (started.error) {
      started.error.dispose();
      dispose();
      return undefined;
    }
    const list = started.value;
    const bridge: Bridge = { encode: vm.getProp(list, 0), decode: vm.getProp(list, 1), exportNames: vm.getProp(list, 2) };
    list.dispose();
    this.installHost(vm, bridge, state);
    return {
      runtime,
      vm,
      bridge,
      // Handles into the VM are freed before the runtime (a live handle would keep objects alive
      // that freeing the runtime asserts are gone).
      dispose: () => {
        bridge.encode.dispose();
        bridge.decode.dispose();
        bridge.exportNames.dispose();
        dispose();
      },
    };
  }

  /**
   * Marks the engine as stopped in the middle of its own code (the first reason stands) and
   * leaves it no fuel, so whatever of it still runs traps at its next check.
   */
  private trap(err: unknown): string {
    this.trapped ??= this.engine.fuel < 0n ? 'out of gas' : `the contract ran out of resources: ${err instanceof Error ? err.message : String(err)}`;
    this.engine.fuel = -1n;
    return this.trapped;
  }

  /** Loads the module and runs the method (or lists the exports). */
  private run(vm: QuickJSContext, request: CallRequest, bridge: Bridge, aborted: () => Error | undefined, fail: (error: string) => CallOutcome, gasUsed: () => number): CallOutcome {
    const outOfGas = (): boolean => this.engine.fuel < 0n;
    const loaded = vm.evalCode(request.code, 'contract.js', { type: 'module' });
    if (loaded.error) {
      const text = errorText(vm, loaded.error);
      loaded.error.dispose();
      return fail(aborted()?.message ?? (outOfGas() ? 'out of gas' : `the contract does not load: ${text}`));
    }
    const exports = loaded.value;
    try {
      if (request.method === LIST_EXPORTS) {
        const resultJson = callForString(vm, bridge.exportNames, exports);
        return resultJson === undefined ? fail(aborted()?.message ?? 'the exports cannot be listed') : { ok: true, resultJson, gasUsed: gasUsed() };
      }
      const fn = vm.getProp(exports, request.method);
      try {
        if (vm.typeof(fn) !== 'function' || request.method.startsWith('__')) return fail(`the contract has no method "${request.method}"`);
        const argsText = vm.newString(request.argsJson);
        const argsResult = vm.callFunction(bridge.decode, vm.undefined, argsText);
        argsText.dispose();
        if (argsResult.error) {
          argsResult.error.dispose();
          return fail('the arguments are not valid JSON');
        }
        const args = argsResult.value;
        const lengthHandle = vm.getProp(args, 'length');
        const lengthValue: unknown = vm.dump(lengthHandle);
        lengthHandle.dispose();
        if (lengthValue === undefined || vm.typeof(args) !== 'object') {
          args.dispose();
          return fail('the arguments must be a JSON array');
        }
        const length = Number(lengthValue);
        const handles = Array.from({ length }, (_, i) => vm.getProp(args, i));
        args.dispose();
        const result = vm.callFunction(fn, vm.undefined, ...handles);
        for (const h of handles) h.dispose();
        const abort = aborted();
        if (abort && !result.error) {
          result.value.dispose();
          return fail(abort.message);
        }
        if (result.error) {
          const text = errorText(vm, result.error);
          result.error.dispose();
          if (abort) return fail(abort.message);
          if (outOfGas()) return fail('out of gas');
          return fail(text);
        }
        const resultJson = callForString(vm, bridge.encode, result.value);
        result.value.dispose();
        if (resultJson === undefined) return fail(aborted()?.message ?? 'the return value cannot be encoded as JSON');
        return { ok: true, resultJson, gasUsed: gasUsed() };
      } finally {
        fn.dispose();
      }
    } finally {
      exports.dispose();
    }
  }

  /** `db`, `emit`, `revert`, `transfer` and `call` inside the VM, serving `state()`'s call; a host failure aborts the call. */
  private installHost(vm: QuickJSContext, bridge: Bridge, state: () => HostState): void {
    const charge = (what: string, bytes: number): void => state().meter.charge(what, bytes);
    const guard =
      (fn: (...args: QuickJSHandle[]) => QuickJSHandle | undefined) =>
      (...args: QuickJSHandle[]): QuickJSHandle | undefined => {
        try {
          return fn(...args);
        } catch (err) {
          // The engine trapped under this host call (in a nested call, or in the host's own use
          // of the VM): nothing may enter it again, not even to throw; its next check traps.
          if (this.trapped || isEngineTrap(err)) {
            this.trap(err);
            return undefined;
          }
          // Remembered so the call fails with this reason, whatever the contract does with the
          // exception (catching it does not help: the host's verdict stands).
          const e = err instanceof Error ? err : new Error(String(err));
          state().meter.onAbort(e);
          throw e;
        }
      };
    const text = (h: QuickJSHandle | undefined, what: string): string => {
      if (!h || vm.typeof(h) !== 'string') throw new ContractAbort(`${what} must be a string`);
      return vm.getString(h);
    };
    const encode = (h: QuickJSHandle | undefined): string => {
      const s = callForString(vm, bridge.encode, h ?? vm.undefined);
      if (s === undefined) throw new ContractAbort('the value cannot be stored as JSON');
      return s;
    };
    const decode = (json: string): QuickJSHandle => decodeInto(vm, bridge, json);
    const db = vm.newObject();
    const fns: [string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined][] = [
      [
        'get',
        (table, key) => {
          const t = text(table, 'table');
          const k = text(key, 'key');
          const found = state().host.dbGet(t, k);
          charge('db.get', t.length + k.length + (found?.length ?? 0));
          return found === undefined ? vm.undefined : decode(found);
        },
      ],
      [
        'put',
        (table, key, value) => {
          const t = text(table, 'table');
          const k = text(key, 'key');
          const v = encode(value);
          charge('db.put', t.length + k.length + v.length);
          state().host.dbPut(t, k, v);
          return vm.undefined;
        },
      ],
      [
        'del',
        (table, key) => {
          const t = text(table, 'table');
          const k = text(key, 'key');
          charge('db.del', t.length + k.length);
          state().host.dbDel(t, k);
          return vm.undefined;
        },
      ],
      [
        'range',
        (table, prefix, limit) => {
          const t = text(table, 'table');
          const p = prefix === undefined || vm.typeof(prefix) === 'undefined' ? '' : text(prefix, 'prefix');
          const n = limit === undefined || vm.typeof(limit) === 'undefined' ? 100 : vm.typeof(limit) === 'number' ? vm.getNumber(limit) : NaN;
          if (!Number.isInteger(n) || n < 1 || n > MAX_RANGE_LIMIT) throw new ContractAbort(`range limit must be an integer from 1 to ${MAX_RANGE_LIMIT}`);
          charge('db.range', t.length + p.length);
          const entries = state().host.dbRange(t, p, n);
          let bytes = 0;
          for (const [k, v] of entries) bytes += k.length + v.length;
          charge('db.rangeEntries', bytes + entries.length * 64);
          return decode(`[${entries.map(([k, v]) => `[${JSON.stringify(k)},${v}]`).join(',')}]`);
        },
      ],
    ];
    for (const [name, impl] of fns) {
      const f = vm.newFunction(name, guard(impl));
      vm.setProp(db, name, f);
      f.dispose();
    }
    vm.setProp(vm.global, 'db', db);
    db.dispose();
    const emit = vm.newFunction(
      'emit',
      guard((name, data) => {
        const n = text(name, 'event name');
        const d = encode(data);
        charge('emit', n.length + d.length);
        state().host.emit(n, d);
        return vm.undefined;
      }),
    );
    vm.setProp(vm.global, 'emit', emit);
    emit.dispose();
    const revert = vm.newFunction(
      'revert',
      guard((message) => {
        throw new ContractAbort(`reverted: ${message && vm.typeof(message) === 'string' ? vm.getString(message) : 'no reason given'}`);
      }),
    );
    vm.setProp(vm.global, 'revert', revert);
    revert.dispose();
    const globals: [string, (...args: QuickJSHandle[]) => QuickJSHandle | undefined][] = [
      [
        'transfer',
        (to, amount) => {
          const recipient = text(to, 'transfer recipient');
          if (!amount || vm.typeof(amount) !== 'bigint') throw new ContractAbort('transfer amount must be a BigInt (for example 10n)');
          const value = BigInt(vm.getBigInt(amount));
          charge('transfer', recipient.length);
          state().host.transfer(recipient, value);
          return vm.undefined;
        },
      ],
      [
        'call',
        (address, method, args) => {
          const target = text(address, 'call address');
          const name = text(method, 'method name');
          const argsJson = args === undefined || vm.typeof(args) === 'undefined' ? '[]' : encode(args);
          charge('call', target.length + name.length + argsJson.length);
          const outcome = state().host.call(target, name, argsJson, state().meter.gasLeft());
          state().meter.chargeGas(outcome.gasUsed);
          if (!outcome.ok) throw new ContractAbort(`call to ${target}.${name} failed: ${outcome.error}`);
          return decode(outcome.resultJson);
        },
      ],
    ];
    for (const [name, impl] of globals) {
      const f = vm.newFunction(name, guard(impl));
      vm.setProp(vm.global, name, f);
      f.dispose();
    }
  }
}

/**
 * The contract sandbox (issue 6, spec/contracts.md): a contract is an ES module run by QuickJS
 * compiled to WebAssembly (quickjs-emscripten, pinned), with a memory limit, a stack limit, no
 * clock and no randomness, and deterministic gas: every WebAssembly instruction the engine
 * executes is counted (quickjs-engine.ts, wasm-fuel.ts), plus what each host operation costs
 * (host-ops.ts). A top-level call runs in a VM made once and restored with the engine's memory
 * before every call; a nested call in a fresh runtime of its own. Values cross the boundary as
 * JSON text with BigInt tagged, through the prelude (prelude.ts), so the host never holds a
 * handle into the VM after a call.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime } from 'quickjs-emscripten-core';
import { hostOperation, type HostState } from './host-ops.js';
import { PRELUDE } from './prelude.js';
import { ContractAbort, DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_STACK_LIMIT_BYTES, LIST_EXPORTS, OutOfGas, type CallOutcome, type CallRequest, type HostCalls } from './sandbox-types.js';
import { quickJsEngine, type QuickJsEngine } from './quickjs-engine.js';
import { UNLIMITED_FUEL } from './wasm-fuel.js';

export * from './sandbox-types.js';

/**
 * WebAssembly instructions per unit of gas. Calibrated on the reference machine so that contract
 * CPU costs about what transfers cost per gas (a transfer's ~21,500 gas buys ~150 us of
 * signature check and execution: ~7 ns per gas). A consensus constant.
 */
export const FUEL_PER_GAS = 16n;

/**
 * The language features a contract's context is created with (QuickJS intrinsics). Left out:
 * Date (no clock), Proxy (surface a contract does not need), the typed arrays,
 * ArrayBuffer, SharedArrayBuffer, DataView and Atomics (binary buffers are not part of the
 * contract data model), and WeakRef and FinalizationRegistry (garbage collection is not
 * deterministic): absent from the context, not deleted from it. Promise must stay: module
 * evaluation needs it (without it, freeing the runtime fails an assertion that aborts the
 * process). Math.random is deleted by the prelude.
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

/** The prelude's bridge (see prelude.ts), held by the host for the VM's life. */
interface Bridge {
  begin: QuickJSHandle;
  invoke: QuickJSHandle;
  exportNames: QuickJSHandle;
  describe: QuickJSHandle;
}

/** A VM ready for calls: runtime, context, the prelude's bridge and host API. */
interface PreparedVm {
  runtime: QuickJSRuntime;
  vm: QuickJSContext;
  bridge: Bridge;
  dispose(): void;
}

/** What a failed invoke answers instead of 'R' + result. */
const INVOKE_FAILURES: Record<string, string> = {
  J: 'the arguments are not valid JSON',
  A: 'the arguments must be a JSON array',
  X: 'the return value cannot be encoded as JSON',
};

/** What a contract threw (anything: an error, a string, a deep object), as text made in the VM. */
function errorText(vm: QuickJSContext, bridge: Bridge, handle: QuickJSHandle): string {
  const described = callBridge(vm, bridge.describe, handle);
  if ('value' in described) return described.value;
  described.error.dispose();
  return 'thrown: a value that cannot be shown';
}

/** Calls a bridge function with string arguments: its string answer, or the VM's exception (to dispose). */
function callBridge(vm: QuickJSContext, fn: QuickJSHandle, first: QuickJSHandle | undefined, ...texts: string[]): { value: string } | { error: QuickJSHandle } {
  const args = texts.map((t) => vm.newString(t));
  const r = first ? vm.callFunction(fn, vm.undefined, first, ...args) : vm.callFunction(fn, vm.undefined, ...args);
  for (const a of args) a.dispose();
  if (r.error) return { error: r.error };
  const value = vm.typeof(r.value) === 'string' ? vm.getString(r.value) : '';
  r.value.dispose();
  return { value };
}

/** An error that unwound the engine's own code: a WebAssembly trap (out of fuel, out of frame budget). */
function isEngineTrap(err: unknown): boolean {
  return err instanceof WebAssembly.RuntimeError;
}

/** The host thread's own stack overflowing under the engine: the node's fault, never a call's outcome. */
function isHostStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && err.message.includes('call stack');
}

/**
 * Thrown out of a top-level call when the host thread's stack overflowed under the engine. Where
 * that happens depends on the thread and the machine, so it must not become a receipt: the block
 * (or query) fails on this node instead. The frame budget (quickjs-engine.ts) is sized so it
 * cannot happen.
 */
export class HostStackOverflow extends Error {
  constructor(cause: unknown) {
    super(`the host's native stack overflowed under the contract engine (a node fault, not a contract outcome): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * Why a call that went deeper than the frame budget allows failed (it nests too deep: the
 * parser, JSON, a regular expression or a recursion). It pays its whole gas limit, like a call
 * out of gas: the engine stopped in the middle of its own code.
 */
export const STACK_OVERFLOW = 'stack overflow: the call nests deeper than the engine allows';

/** The frame budget a host call needs left: what passing its answer back into the VM may take, with room to spare. */
const HOST_CALL_RESERVE_UNITS = 5_000;

let sandboxPromise: Promise<ContractSandbox> | undefined;

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
  /** Set when the host's stack overflowed during this top-level call: the call throws it. */
  private fault: HostStackOverflow | undefined;
  /** The VM every top-level call runs in, made once and restored with the engine's memory. */
  private prepared: PreparedVm | undefined;
  /** What the prepared VM's host native serves: the top-level call running now. */
  private current: HostState | undefined;

  private constructor(private readonly engine: QuickJsEngine) {}

  /**
   * This thread's sandbox: one per engine, since a top-level call resets the engine's memory
   * and must never run inside another sandbox's call.
   */
  static load(): Promise<ContractSandbox> {
    sandboxPromise ??= quickJsEngine().then((engine) => new ContractSandbox(engine));
    return sandboxPromise;
  }

  /**
   * Runs one call. Its outcome depends on the request and what the host answers alone; throws
   * HostStackOverflow (at the top level) if the host's stack overflowed, which the frame budget
   * rules out.
   */
  call(request: CallRequest, host: HostCalls, hostGas: (what: string, bytes: number) => number): CallOutcome {
    const outcome = this.callOnce(request, host, hostGas);
    if (this.depth === 0 && this.fault) {
      const fault = this.fault;
      this.fault = undefined;
      throw fault;
    }
    return outcome;
  }

  private callOnce(request: CallRequest, host: HostCalls, hostGas: (what: string, bytes: number) => number): CallOutcome {
    const engine = this.engine;
    const topLevel = this.depth === 0;
    const prepared = topLevel ? (this.prepared ??= this.prepare()) : undefined;
    if (topLevel) {
      engine.resetMemory();
      this.trapped = undefined;
      this.fault = undefined;
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
    const state: HostState = {
      host,
      meter: {
        charge: (what, bytes) => charge(hostGas(what, bytes)),
        chargeGas: charge,
        gasLeft: () => (engine.fuel > 0n ? Number(engine.fuel / FUEL_PER_GAS) : 0),
        onAbort: (err) => (abort = err),
      },
    };
    // The host's verdict stands whatever the contract did with the exception; then out of gas.
    const fail = (error: string): CallOutcome => ({ ok: false, error: abort?.message ?? (engine.fuel < 0n ? 'out of gas' : error), gasUsed: gasUsed() });
    this.depth++;
    const memoryLimit = request.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES;
    const stackLimit = request.stackLimitBytes ?? DEFAULT_STACK_LIMIT_BYTES;
    let fresh: PreparedVm | undefined;
    try {
      let ready: PreparedVm;
      if (prepared) {
        ready = prepared;
        this.current = state;
        ready.runtime.setMemoryLimit(memoryLimit);
        ready.runtime.setMaxStackSize(stackLimit);
      } else {
        // A nested call gets a runtime of its own, made and freed here, on its own gas.
        fresh = this.newVm(memoryLimit, stackLimit, () => state);
        if (!fresh) return fail('the sandbox failed to start');
        ready = fresh;
      }
      return this.run(ready, request, fail, gasUsed, () => abort);
    } catch (err) {
      if (err instanceof ContractAbort) return fail(err.message);
      // Anything else came out of the engine's own code, which was left in the middle of its
      // work: a trap (out of fuel, out of frame budget), or the host's stack overflowing.
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
   * Makes the top-level VM — runtime, context, prelude, host API — on unlimited fuel from the
   * engine's start-up memory, then makes that memory the one every top-level call starts from:
   * a call pays for none of it, and no call sees what another left.
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
    // the memory every call starts from. It caches others the same way (the BigInt and Symbol
    // constructors, on first newBigInt or well-known symbol): the host must not use those during
    // a call, or the cached handle would point into memory the next reset wipes.
    void [ready.vm.undefined, ready.vm.null, ready.vm.true, ready.vm.false, ready.vm.global];
    engine.fuel = 0n;
    engine.keepMemory();
    return ready;
  }

  /** A runtime and context with the prelude run and its host native; undefined if the prelude failed. */
  private newVm(memoryLimit: number, stackLimit: number, state: () => HostState): PreparedVm | undefined {
    const runtime = this.engine.qjs.newRuntime();
    runtime.setMemoryLimit(memoryLimit);
    runtime.setMaxStackSize(stackLimit);
    const vm = runtime.newContext({ intrinsics: CONTRACT_INTRINSICS });
    const dispose = (): void => {
      vm.dispose();
      runtime.dispose();
    };
    const native = vm.newFunction('host', (...args) => this.hostNative(vm, state, args));
    const prelude = vm.evalCode(PRELUDE, 'prelude.js', { type: 'global' });
    const started = prelude.error ? prelude : vm.callFunction(prelude.value, vm.undefined, native);
    if (!prelude.error) prelude.value.dispose();
    native.dispose();
    if (started.error) {
      started.error.dispose();
      dispose();
      return undefined;
    }
    const list = started.value;
    const bridge: Bridge = { begin: vm.getProp(list, 0), invoke: vm.getProp(list, 1), exportNames: vm.getProp(list, 2), describe: vm.getProp(list, 3) };
    list.dispose();
    return {
      runtime,
      vm,
      bridge,
      // Handles into the VM are freed before the runtime (a live handle would keep objects alive
      // that freeing the runtime asserts are gone).
      dispose: () => {
        bridge.begin.dispose();
        bridge.invoke.dispose();
        bridge.exportNames.dispose();
        bridge.describe.dispose();
        dispose();
      },
    };
  }

  /** The prelude's `host(op, ...strings)`: runs the operation; a refusal aborts the call. */
  private hostNative(vm: QuickJSContext, state: () => HostState, args: QuickJSHandle[]): QuickJSHandle | undefined {
    // quickjs-emscripten turns what this returns or throws into VM values with calls into the
    // engine that this code cannot watch (a trap there is logged and swallowed), so a host call
    // made with too little frame budget left for them is a stack overflow here, up front.
    if (this.engine.stackBudgetLeft < HOST_CALL_RESERVE_UNITS) {
      this.engine.exhaustStack();
      this.trap(new WebAssembly.RuntimeError('the frame budget is exhausted'));
      return undefined;
    }
    try {
      const [op, a, b, c] = args.map((h) => vm.getString(h));
      const answer = hostOperation(state(), op ?? '', a, b, c);
      return answer === undefined ? vm.undefined : vm.newString(answer);
    } catch (err) {
      // The engine trapped under this host call (in a nested call, or in the host's own use of
      // the VM), or the call is out of fuel (a host charge): nothing may enter it again, not
      // even to throw; its next check traps.
      if (this.trapped || isEngineTrap(err) || isHostStackOverflow(err) || this.engine.fuel < 0n) {
        this.trap(err);
        return undefined;
      }
      // Remembered so the call fails with this reason, whatever the contract does with the
      // exception (catching it does not help: the host's verdict stands).
      const e = err instanceof Error ? err : new Error(String(err));
      state().meter.onAbort(e);
      throw e;
    }
  }

  /**
   * Marks the engine as stopped in the middle of its own code (the first reason stands) and
   * leaves it no fuel, so whatever of it still runs traps at its next check.
   */
  private trap(err: unknown): string {
    if (isHostStackOverflow(err)) this.fault ??= new HostStackOverflow(err);
    this.trapped ??= this.engine.fuel < 0n ? 'out of gas' : this.engine.stackExhausted ? STACK_OVERFLOW : `the contract ran out of resources: ${err instanceof Error ? err.message : String(err)}`;
    this.engine.fuel = -1n;
    return this.trapped;
  }

  /** Sets the call's context, loads the module and runs the method (or lists the exports). */
  private run({ vm, bridge }: PreparedVm, request: CallRequest, fail: (error: string) => CallOutcome, gasUsed: () => number, aborted: () => Error | undefined): CallOutcome {
    const { ctx } = request;
    const begun = callBridge(vm, bridge.begin, undefined, JSON.stringify({ sender: ctx.sender, value: { $bigint: ctx.value.toString() }, block: { height: ctx.height, time: ctx.time }, contract: ctx.contract, ...(ctx.hook ? { hook: ctx.hook } : {}) }));
    if ('error' in begun) {
      begun.error.dispose();
      return fail('the call context cannot be set');
    }
    const loaded = vm.evalCode(request.code, 'contract.js', { type: 'module' });
    if (loaded.error) {
      const text = errorText(vm, bridge, loaded.error);
      loaded.error.dispose();
      return fail(`the contract does not load: ${text}`);
    }
    const exports = loaded.value;
    try {
      if (request.method === LIST_EXPORTS) {
        const listed = callBridge(vm, bridge.exportNames, exports);
        if ('error' in listed) {
          listed.error.dispose();
          return fail('the exports cannot be listed');
        }
        return aborted() ? fail('') : { ok: true, resultJson: listed.value, gasUsed: gasUsed() };
      }
      const invoked = callBridge(vm, bridge.invoke, exports, request.method, request.argsJson);
      if ('error' in invoked) {
        const text = errorText(vm, bridge, invoked.error);
        invoked.error.dispose();
        return fail(text);
      }
      const answer = invoked.value;
      if (answer.startsWith('R')) return aborted() ? fail('') : { ok: true, resultJson: answer.slice(1), gasUsed: gasUsed() };
      return fail(answer === 'N' ? `the contract has no method "${request.method}"` : (INVOKE_FAILURES[answer] ?? 'the call failed'));
    } finally {
      exports.dispose();
    }
  }
}

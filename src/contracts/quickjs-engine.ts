/**
 * The QuickJS engine contracts run on (spec/contracts.md, "Sandbox" and "Gas"): the pinned
 * quickjs-emscripten release build, its WebAssembly rewritten at load to count fuel
 * (wasm-fuel.ts), one instance per thread.
 *
 * Every top-level call starts from the same memory: resetMemory() puts the instance's linear
 * memory back to the bytes it had when kept (right after start-up, then once the sandbox has
 * built the VM its calls run in: keepMemory) — static data, the allocator's state and the heap;
 * the heap grown since is zeroed — and the stack pointer to where it was. This
 * is what makes fuel a consensus value: how many instructions malloc takes, and where objects
 * land (QuickJS hashes some by address), would otherwise depend on what the instance ran before
 * — other transactions, queries, another thread's history. It is also how a call that trapped
 * in the middle of C code (out of fuel) is cleaned up: nothing it left behind is read again.
 *
 * Every top-level call also starts with the full frame budget (wasm-fuel.ts): the native stack
 * its WebAssembly frames may take, nested calls included, is bounded by the module and
 * STACK_BUDGET_UNITS alone, far below the smallest stack a thread that runs contracts has, so
 * the host's stack never overflows first (spec/contracts.md, "Limits").
 *
 * The layout facts come from the module: the stack pointer's start is the top of the stack and
 * the start of the heap (emscripten places data, then the stack, then the heap); the word of
 * static data that starts at that value is the allocator's break (sbrk). The pinned build has a
 * 5 MiB stack. The loader checks each fact and refuses a build that does not match.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import RELEASE_SYNC from '@jitl/quickjs-wasmfile-release-sync';
import { newQuickJSWASMModuleFromVariant, newVariant, type QuickJSWASMModule } from 'quickjs-emscripten-core';
import type { QuickJSSyncVariant } from '@jitl/quickjs-ffi-types';
import { EXHAUSTED_STACK_BUDGET, FUEL_EXPORT, meterWasm, readMemoryFacts, STACK_BUDGET_EXPORT, type ModuleMemoryFacts } from './wasm-fuel.js';

const STACK_POINTER_EXPORT = 'cmt_stack_pointer';
/** The pinned build's STACK_SIZE. */
const STACK_BYTES = 5 * 1024 * 1024;
const PAGE = 65_536;

/**
 * The frame budget of a top-level call, in wasm-fuel.ts's frame units: a consensus constant.
 * bench/native-stack.ts measures the native stack it takes at most (every JIT tier) against the
 * smallest thread stack (the main thread's ~984 KiB).
 */
export const STACK_BUDGET_UNITS = 60_000;
/** Memory the emscripten glue would create: 16 MiB to start, 2 GiB at most. */
const INITIAL_PAGES = 256;
const MAXIMUM_PAGES = 32_768;

/** The pinned build's (minified) names of WASI environ_sizes_get and environ_get. */
const ENVIRON_IMPORTS = { module: 'a', sizes: 'f', get: 'e' } as const;

/**
 * The imports with an empty process environment. Emscripten's C library copies the environment
 * (the program's path, the locale) into the heap at start-up; strings of different lengths on
 * different machines would move everything allocated after them, and with it the fuel.
 */
function withEmptyEnvironment(imports: WebAssembly.Imports, memory: WebAssembly.Memory, calls: { sizes: number; get: number }): WebAssembly.Imports {
  const env = { ...imports[ENVIRON_IMPORTS.module] };
  env[ENVIRON_IMPORTS.sizes] = (countAddress: number, bytesAddress: number): number => {
    calls.sizes++;
    const view = new DataView(memory.buffer);
    view.setUint32(countAddress, 0, true);
    view.setUint32(bytesAddress, 0, true);
    return 0;
  };
  env[ENVIRON_IMPORTS.get] = (): number => {
    calls.get++;
    return 0;
  };
  return { ...imports, [ENVIRON_IMPORTS.module]: env };
}

export class QuickJsEngine {
  private constructor(
    readonly qjs: QuickJSWASMModule,
    private readonly memory: WebAssembly.Memory,
    private readonly fuelGlobal: WebAssembly.Global,
    private readonly stackBudget: WebAssembly.Global,
    private readonly stackPointer: WebAssembly.Global,
    private readonly layout: { heapStart: number; breakAddress: number },
    private pristine: { staticBytes: Uint8Array; heapBytes: Uint8Array; stackPointer: number },
  ) {}

  /** Fuel left (negative once the instance has trapped for lack of it). */
  get fuel(): bigint {
    return this.fuelGlobal.value as bigint;
  }

  set fuel(value: bigint) {
    this.fuelGlobal.value = value;
  }

  /** Whether the engine trapped for want of frame budget (until the next resetMemory). */
  get stackExhausted(): boolean {
    return (this.stackBudget.value as number) < 0;
  }

  /** The frame budget left (negative once exhausted). */
  get stackBudgetLeft(): number {
    return this.stackBudget.value as number;
  }

  /** Leaves no frame budget: the engine's next call of a calling function traps. */
  exhaustStack(): void {
    this.stackBudget.value = EXHAUSTED_STACK_BUDGET;
  }

  /**
   * Makes the memory as it is now the memory resetMemory() restores: what has been built in it
   * (a VM ready for calls) is then there, unchanged, at the start of every call.
   */
  keepMemory(): void {
    const bytes = new Uint8Array(this.memory.buffer);
    const heapBreak = new DataView(this.memory.buffer).getUint32(this.layout.breakAddress, true);
    this.pristine = { staticBytes: bytes.slice(0, this.pristine.staticBytes.length), heapBytes: bytes.slice(this.layout.heapStart, heapBreak), stackPointer: this.stackPointer.value as number };
  }

  /**
   * Puts the memory and the stack pointer back as they were after start-up (or keepMemory), and
   * the frame budget to `stackBudgetUnits`; no VM object made since may be used after.
   */
  resetMemory(stackBudgetUnits = STACK_BUDGET_UNITS): void {
    this.stackBudget.value = stackBudgetUnits;
    const bytes = new Uint8Array(this.memory.buffer);
    const { heapStart, breakAddress } = this.layout;
    const heapBreak = new DataView(this.memory.buffer).getUint32(breakAddress, true);
    bytes.set(this.pristine.staticBytes, 0);
    bytes.set(this.pristine.heapBytes, heapStart);
    const pristineBreak = heapStart + this.pristine.heapBytes.length;
    if (heapBreak > pristineBreak) bytes.fill(0, pristineBreak, Math.min(heapBreak, bytes.length));
    this.stackPointer.value = this.pristine.stackPointer;
  }

  static async load(): Promise<QuickJsEngine> {
    const { facts } = pinnedBuild();
    const heapStart = facts.globalInits[0];
    if (heapStart === undefined) throw new Error('QuickJS build: no stack pointer global');
    const staticEnd = heapStart - STACK_BYTES;
    const dataEnd = Math.max(...facts.data.map((d) => d.offset + d.bytes.length));
    if (staticEnd < dataEnd) throw new Error('QuickJS build: the static data overlaps the stack');
    // The static image as the data segments lay it out (emscripten leaves zero bytes out of them).
    const image = new Uint8Array(dataEnd + 4);
    for (const d of facts.data) image.set(d.bytes, d.offset);
    const imageWords = new DataView(image.buffer);
    const breakWords: number[] = [];
    for (let at = 0; at + 4 <= image.length; at += 4) if (imageWords.getUint32(at, true) === heapStart) breakWords.push(at);
    if (breakWords.length !== 1) throw new Error(`QuickJS build: cannot find the heap break (${breakWords.length} candidates)`);
    const module = meteredQuickJsModule();
    const memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAXIMUM_PAGES });
    let instance: WebAssembly.Instance | undefined;
    const environCalls = { sizes: 0, get: 0 };
    const variant = newVariant(RELEASE_SYNC as unknown as QuickJSSyncVariant, {
      wasmMemory: memory,
      emscriptenModule: {
        instantiateWasm(imports: WebAssembly.Imports, onSuccess: (instance: WebAssembly.Instance) => void): WebAssembly.Exports {
          instance = new WebAssembly.Instance(module, withEmptyEnvironment(imports, memory, environCalls));
          onSuccess(instance);
          return instance.exports;
        },
      } as never,
    });
    const qjs = await newQuickJSWASMModuleFromVariant(variant);
    if (!instance) throw new Error('QuickJS did not instantiate the metered module');
    if (environCalls.sizes !== 1 || environCalls.get !== 1) throw new Error('QuickJS build: the environment imports are not where expected');
    const fuel = instance.exports[FUEL_EXPORT] as WebAssembly.Global;
    const stackPointer = instance.exports[STACK_POINTER_EXPORT] as WebAssembly.Global;
    const stackBudget = instance.exports[STACK_BUDGET_EXPORT] as WebAssembly.Global;
    stackBudget.value = STACK_BUDGET_UNITS;
    // Start-up ran on the module's unlimited fuel; from now on the sandbox sets it for each call.
    fuel.value = 0n;
    const bytes = new Uint8Array(memory.buffer);
    const heapBreak = new DataView(memory.buffer).getUint32(breakWords[0]!, true);
    if (heapBreak < heapStart || heapBreak > memory.buffer.byteLength) throw new Error('QuickJS build: the heap break is not where expected');
    if (memory.buffer.byteLength % PAGE !== 0) throw new Error('QuickJS build: unexpected memory size');
    return new QuickJsEngine(
      qjs,
      memory,
      fuel,
      stackBudget,
      stackPointer,
      { heapStart, breakAddress: breakWords[0]! },
      { staticBytes: bytes.slice(0, staticEnd), heapBytes: bytes.slice(heapStart, heapBreak), stackPointer: stackPointer.value as number },
    );
  }
}

let build: { original: Uint8Array; facts: ModuleMemoryFacts } | undefined;

function pinnedBuild(): { original: Uint8Array; facts: ModuleMemoryFacts } {
  if (!build) {
    const require = createRequire(import.meta.url);
    const original = new Uint8Array(readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm')));
    build = { original, facts: readMemoryFacts(original) };
  }
  return build;
}

let compiled: WebAssembly.Module | undefined;

/**
 * The metered QuickJS module, compiled once per process and shared: a thread given it
 * (useMeteredQuickJsModule) neither rewrites nor compiles it again, and V8 shares the machine
 * code of one module between threads, optimized code included, so what one thread warms up the
 * others run at full speed.
 */
export function meteredQuickJsModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(meterWasm(pinnedBuild().original, { [STACK_POINTER_EXPORT]: 0 }));
  return compiled;
}

/** Makes this thread use a module compiled elsewhere (before its engine loads). */
export function useMeteredQuickJsModule(module: WebAssembly.Module): void {
  compiled ??= module;
}

let enginePromise: Promise<QuickJsEngine> | undefined;

/** This thread's engine, loaded once. */
export function quickJsEngine(): Promise<QuickJsEngine> {
  enginePromise ??= QuickJsEngine.load();
  return enginePromise;
}

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EXHAUSTED_STACK_BUDGET, FUEL_EXPORT, STACK_BUDGET_EXPORT, UNLIMITED_FUEL, UNLIMITED_STACK_BUDGET, WasmFuelError, frameUnits, meterWasm, readMemoryFacts } from '../../src/contracts/wasm-fuel.js';

const I32 = 0x7f;
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s)];

/** A module with one memory (exported as "mem"), one i32 global, and functions of type (i32) -> i32 exported as f0, f1, ... */
function module(bodies: { locals: number; code: number[] }[]): Uint8Array {
  const funcs = bodies.map((b) => {
    const body = [...(b.locals ? [1, ...uleb(b.locals), I32] : [0]), ...b.code, 0x0b];
    return [...uleb(body.length), ...body];
  });
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, [1, 0x60, 1, I32, 1, I32]),
    ...section(3, [...uleb(bodies.length), ...bodies.map(() => 0)]),
    ...section(5, [1, 0x00, 1]),
    ...section(6, [1, I32, 1, 0x41, ...uleb(1024), 0x0b]),
    ...section(7, [...uleb(bodies.length + 1), ...name('mem'), 0x02, 0, ...bodies.flatMap((_, i) => [...name(`f${i}`), 0x00, i])]),
    ...section(10, [...uleb(bodies.length), ...funcs.flat()]),
    ...section(11, [1, 0, 0x41, 32, 0x0b, 3, 0x60, 0x60, 0x51]),
  ]);
}

// (n) => { let acc = 0; while (n != 0) { acc++; n--; } return acc; }
const COUNT_DOWN = {
  locals: 1,
  code: [0x02, 0x40, 0x03, 0x40, 0x20, 0, 0x45, 0x0d, 1, 0x20, 1, 0x41, 1, 0x6a, 0x21, 1, 0x20, 0, 0x41, 1, 0x6b, 0x21, 0, 0x0c, 0, 0x0b, 0x0b, 0x20, 1],
};
// (len) => { memory.fill(0, 7, len); return 0; }
const FILL = { locals: 0, code: [0x41, 0, 0x41, 7, 0x20, 0, 0xfc, 11, 0, 0x41, 0] };

// (n) => { if (n == 0) return 0; return f0(n - 1) + 1; }: recursion, leaving by `return` and by its end.
const RECURSE = { locals: 0, code: [0x20, 0, 0x45, 0x04, 0x40, 0x41, 0, 0x0f, 0x0b, 0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x41, 1, 0x6a] };
// (n) => { if (n != 0) return 7 (a br_if to the function's own label); return f0(n) + 0 (two locals, unused); }
const BRANCH_OUT = { locals: 2, code: [0x41, 7, 0x20, 0, 0x0d, 0, 0x1a, 0x20, 0, 0x10, 0, 0x41, 0, 0x6a] };

function instantiate(bytes: Uint8Array): { fuel: WebAssembly.Global; budget: WebAssembly.Global; mem: WebAssembly.Memory; fns: ((n: number) => number)[] } {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(meterWasm(bytes)));
  const e = instance.exports as Record<string, unknown>;
  return { fuel: e[FUEL_EXPORT] as WebAssembly.Global, budget: e[STACK_BUDGET_EXPORT] as WebAssembly.Global, mem: e.mem as WebAssembly.Memory, fns: [e.f0, e.f1].filter(Boolean) as ((n: number) => number)[] };
}

describe('fuel metering of WebAssembly', () => {
  it('charges each instruction executed, block structure free, a segment on entry', () => {
    const { fuel, fns } = instantiate(module([COUNT_DOWN]));
    expect(fuel.value).toBe(BigInt(UNLIMITED_FUEL));
    for (const n of [0, 1, 10, 1000]) {
      fuel.value = 1_000_000n;
      expect(fns[0]!(n)).toBe(n);
      // The loop body (12 instructions) runs n + 1 times, then `local.get 1` after the block.
      expect(1_000_000n - (fuel.value as bigint)).toBe(BigInt(12 * (n + 1) + 1));
    }
  });

  it('traps at a loop head once the fuel is gone, never running far past it', () => {
    const { fuel, fns } = instantiate(module([COUNT_DOWN]));
    fuel.value = 1000n;
    expect(() => fns[0]!(1_000_000)).toThrow(WebAssembly.RuntimeError);
    expect(fuel.value as bigint).toBeLessThan(0n);
    expect(fuel.value as bigint).toBeGreaterThanOrEqual(-12n);
  });

  it('charges memory.fill by its length, and traps before filling what it cannot pay for', () => {
    const { fuel, mem, fns } = instantiate(module([COUNT_DOWN, FILL]));
    fuel.value = 1_000_000n;
    fns[1]!(800);
    expect(1_000_000n - (fuel.value as bigint)).toBe(5n + 100n);
    expect(new Uint8Array(mem.buffer)[799]).toBe(7);
    fuel.value = 50n;
    new Uint8Array(mem.buffer).fill(0);
    expect(() => fns[1]!(60_000)).toThrow(WebAssembly.RuntimeError);
    expect(new Uint8Array(mem.buffer).some((b) => b !== 0)).toBe(false);
  });

  it('bounds the frames of calling functions by the budget alone, and gives every frame back on every way out', () => {
    const { fuel, budget, fns } = instantiate(module([RECURSE, BRANCH_OUT]));
    expect(budget.value).toBe(UNLIMITED_STACK_BUDGET);
    const frame = frameUnits(1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 500 }), (frames, n) => {
        fuel.value = 1_000_000n;
        budget.value = frame * frames;
        // f0(n) runs n + 1 frames deep: it fits exactly when the budget holds them all.
        if (n + 1 <= frames) {
          expect(fns[0]!(n)).toBe(n);
          expect(budget.value).toBe(frame * frames);
          // Fuel as without the budget (its code costs nothing): 5 instructions at the bottom, 9 per level.
          expect(1_000_000n - (fuel.value as bigint)).toBe(BigInt(9 * n + 5));
        } else {
          expect(() => fns[0]!(n)).toThrow(WebAssembly.RuntimeError);
          // Sticky: whatever frames above a swallowed trap give back, the next entry traps again.
          expect(budget.value).toBe(EXHAUSTED_STACK_BUDGET);
        }
      }),
    );
    fuel.value = 1_000_000n;
    budget.value = 1000;
    expect(fns[1]!(5)).toBe(7);
    expect(fns[1]!(0)).toBe(0);
    expect(budget.value).toBe(1000);
    // f1 is one segment of 8 instructions, charged whole however it leaves; f0(0) costs 5.
    expect(1_000_000n - (fuel.value as bigint)).toBe(8n + 8n + 5n);
  });

  it('refuses instructions it cannot meter, and what is not WebAssembly', () => {
    expect(() => meterWasm(module([{ locals: 0, code: [0xfd, 0x0c, ...new Array(16).fill(0), 0x1a, 0x41, 0] }]))).toThrow(/unsupported opcode 0xfd/);
    expect(() => meterWasm(module([{ locals: 0, code: [0x41, 0, 0xfc, 17, 0] }]))).toThrow(WasmFuelError);
    expect(() => meterWasm(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]))).toThrow(/not a WebAssembly module/);
    expect(() => meterWasm(module([COUNT_DOWN]).subarray(0, 40))).toThrow(WasmFuelError);
  });

  it('reads the memory facts a host resets from', () => {
    const facts = readMemoryFacts(module([COUNT_DOWN]));
    expect(facts.globalInits).toEqual([1024]);
    expect(facts.data).toHaveLength(1);
    expect(facts.data[0]!.offset).toBe(32);
    expect(Array.from(facts.data[0]!.bytes)).toEqual([0x60, 0x60, 0x51]);
  });

  it('meters the same module to the same bytes every time', () => {
    const bytes = module([COUNT_DOWN, FILL]);
    expect(Buffer.from(meterWasm(bytes)).equals(Buffer.from(meterWasm(bytes)))).toBe(true);
  });
});

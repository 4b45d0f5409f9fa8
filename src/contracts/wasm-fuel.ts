/**
 * Fuel metering of a WebAssembly module (spec/contracts.md, "Gas"): a rewrite of the module's
 * code that counts every WebAssembly instruction it executes, so that all the work of the QuickJS
 * interpreter — interpreted JavaScript and the C built-ins and operators alike (BigInt
 * arithmetic, string comparison, spreads, JSON, sort) — is paid for by one deterministic count.
 *
 * The rewrite adds one mutable i64 global, exported as FUEL_EXPORT, that holds the fuel left.
 * Every function body is cut into segments that are only ever entered at their start: the
 * function's entry, the body of a `loop` (where a branch back lands), the two arms of an `if`,
 * and the code after an `end` (where branches out of a block land). Each segment starts by
 * subtracting its instruction count from the fuel; the entries of loop bodies, and of functions
 * that call others, then trap with `unreachable` when the fuel is below zero. Between two checks
 * the code is straight or only branches forward, so it runs at most the length of one function
 * body past zero.
 *
 * A segment is charged whole when it is entered, so a branch out of its middle pays for
 * instructions that do not run: an upper bound, the same on every machine. `block`, `loop`,
 * `else`, `end` and `nop` are free: they are structure, not work.
 *
 * `memory.copy` and `memory.fill` do work their operands decide: each is preceded by a charge of
 * its length / BYTES_PER_FUEL and a check, so a copy that cannot be paid for never starts.
 *
 * The rewrite also bounds the native stack (spec/contracts.md, "Limits"): WebAssembly frames
 * live on the host thread's machine stack, whose size, and the size of each frame (which JIT tier
 * compiled the function), differ between threads, machines and moments, so a recursion deep
 * enough to exhaust it would fail at a depth no consensus could agree on. A second new global,
 * exported as STACK_BUDGET_EXPORT, holds a budget of frame units: every function that calls
 * others takes frameUnits(its params and locals) from it on entry, traps with `unreachable` when
 * it goes below zero (leaving it at EXHAUSTED_STACK_BUDGET), and gives them back on every way out (its body is wrapped in a block that
 * `return` now branches to). The depth where that trap fires depends on the module and the
 * budget alone. Functions that call nothing are left out: only one of them is ever on top.
 *
 * Only the instruction set this QuickJS build uses is accepted (MVP, sign extension, saturating
 * conversions, bulk memory but `table.fill`); anything else (SIMD, tail calls, exceptions) is
 * refused rather than metered wrongly.
 */

export const FUEL_EXPORT = 'cmt_fuel';
export const STACK_BUDGET_EXPORT = 'cmt_stack_budget';
/** The frame budget a metered module starts with, so that its start function and set-up run. */
export const UNLIMITED_STACK_BUDGET = 0x7fffffff;

/**
 * A calling function's frame, in units (the budget's currency): one per parameter or local
 * (a spill slot in the baseline compiler's frame) plus FRAME_OVERHEAD_UNITS for the return
 * address, saved registers, the spilled operand stack and outgoing arguments.
 */
export const FRAME_OVERHEAD_UNITS = 16;
export function frameUnits(paramsAndLocals: number): number {
  return FRAME_OVERHEAD_UNITS + paramsAndLocals;
}
/** The fuel a metered module starts with, so that its start function and set-up run: 2^62. */
export const UNLIMITED_FUEL = 2 ** 62;

/** A module the rewrite cannot meter faithfully. */
export class WasmFuelError extends Error {}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }
  byte(): number {
    if (this.pos >= this.bytes.length) throw new WasmFuelError('truncated module');
    return this.bytes[this.pos++]!;
  }
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new WasmFuelError('LEB128 too long');
    }
  }
  /** A signed LEB128 of at most 32 bits. */
  i32(): number {
    let value = 0;
    let shift = 0;
    let b;
    do {
      b = this.byte();
      value |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? value | (-1 << shift) : value;
  }
  /** Skips a signed LEB128 of at most `bits` bits. */
  skipSigned(bits: number): void {
    const max = Math.ceil(bits / 7);
    for (let i = 0; i < max; i++) if ((this.byte() & 0x80) === 0) return;
    throw new WasmFuelError('LEB128 too long');
  }
  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.bytes.length) throw new WasmFuelError('truncated module');
  }
}

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function sleb(n: number | bigint): number[] {
  const out: number[] = [];
  let v = BigInt(n);
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

const GLOBAL_GET = 0x23;
const GLOBAL_SET = 0x24;
const I64_CONST = 0x42;
const I64_SUB = 0x7d;
const I64_LT_S = 0x53;
const IF = 0x04;
const EMPTY_BLOCK = 0x40;
const UNREACHABLE = 0x00;
const END = 0x0b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I64_EXTEND_I32_U = 0xad;
const I64_SHR_U = 0x88;
const CALL = 0x10;
const RETURN = 0x0f;
const BR = 0x0c;
const BLOCK = 0x02;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_LT_S = 0x48;
const CALL_INDIRECT = 0x11;
const MEMORY_COPY = 10;
const MEMORY_FILL = 11;
/** memory.copy and memory.fill pay one unit of fuel per this many bytes (about an instruction's time). */
export const BYTES_PER_FUEL = 8;

/** fuel -= cost */
function chargeCode(fuelGlobal: number, cost: number): number[] {
  const g = uleb(fuelGlobal);
  return [GLOBAL_GET, ...g, I64_CONST, ...sleb(cost), I64_SUB, GLOBAL_SET, ...g];
}

/** if (fuel < 0) unreachable */
function checkCode(fuelGlobal: number): number[] {
  return [GLOBAL_GET, ...uleb(fuelGlobal), I64_CONST, 0, I64_LT_S, IF, EMPTY_BLOCK, UNREACHABLE, END];
}

/** fuel -= length / BYTES_PER_FUEL, for the length on top of the stack (kept there), then the check. */
function chargeLengthCode(fuelGlobal: number, scratchLocal: number): number[] {
  const g = uleb(fuelGlobal);
  const l = uleb(scratchLocal);
  return [LOCAL_SET, ...l, GLOBAL_GET, ...g, LOCAL_GET, ...l, I64_EXTEND_I32_U, I64_CONST, ...sleb(Math.log2(BYTES_PER_FUEL)), I64_SHR_U, I64_SUB, GLOBAL_SET, ...g, ...checkCode(fuelGlobal), LOCAL_GET, ...l];
}

/**
 * The budget a trap leaves: so far below zero that the frames still running above a trap the host
 * swallowed (quickjs-emscripten logs a failed host callback and returns null to C) can never give
 * back enough to go on; the next function entry traps again.
 */
export const EXHAUSTED_STACK_BUDGET = -(2 ** 30);

/** budget -= units; if (budget < 0) { budget = EXHAUSTED_STACK_BUDGET; unreachable } */
function takeFrameCode(budgetGlobal: number, units: number): number[] {
  const g = uleb(budgetGlobal);
  return [
    GLOBAL_GET, ...g, I32_CONST, ...sleb(units), I32_SUB, GLOBAL_SET, ...g,
    GLOBAL_GET, ...g, I32_CONST, 0, I32_LT_S, IF, EMPTY_BLOCK, I32_CONST, ...sleb(EXHAUSTED_STACK_BUDGET), GLOBAL_SET, ...g, UNREACHABLE, END,
  ];
}

/** budget += units */
function giveFrameCode(budgetGlobal: number, units: number): number[] {
  const g = uleb(budgetGlobal);
  return [GLOBAL_GET, ...g, I32_CONST, ...sleb(units), I32_ADD, GLOBAL_SET, ...g];
}

function skipBlockType(r: Reader): void {
  const b = r.bytes[r.pos]!;
  if (b === EMPTY_BLOCK || (b >= 0x6f && b <= 0x7f)) r.pos++;
  else r.skipSigned(33);
}

/** Skips one instruction's immediates (its opcode already read); refuses what cannot be metered. */
function skipImmediates(op: number, r: Reader): void {
  if (op === 0x02 || op === 0x03 || op === 0x04) return skipBlockType(r);
  if (op === 0x0c || op === 0x0d || op === 0x10 || (op >= 0x20 && op <= 0x26) || op === 0xd2) return void r.u32();
  if (op === 0x0e) {
    const n = r.u32();
    for (let i = 0; i <= n; i++) r.u32();
    return;
  }
  if (op === 0x11) {
    r.u32();
    r.u32();
    return;
  }
  if (op === 0x1c) {
    r.skip(r.u32());
    return;
  }
  if (op >= 0x28 && op <= 0x3e) {
    r.u32();
    r.u32();
    return;
  }
  if (op === 0x3f || op === 0x40 || op === 0xd0) return r.skip(1);
  if (op === 0x41) return r.skipSigned(32);
  if (op === 0x42) return r.skipSigned(64);
  if (op === 0x43) return r.skip(4);
  if (op === 0x44) return r.skip(8);
  if (op <= 0x01 || op === 0x05 || op === 0x0b || op === 0x0f || op === 0x1a || op === 0x1b || (op >= 0x45 && op <= 0xc4) || op === 0xd1) return;
  if (op === 0xfc) {
    const sub = r.u32();
    if (sub <= 7) return;
    if (sub === 8) {
      r.u32();
      r.skip(1);
      return;
    }
    if (sub === 9 || sub === 13 || sub === 15 || sub === 16) return void r.u32();
    if (sub === 12 || sub === 14) {
      r.u32();
      r.u32();
      return;
    }
    if (sub === MEMORY_COPY) return r.skip(2);
    if (sub === MEMORY_FILL) return r.skip(1);
    throw new WasmFuelError(`0xfc ${sub} (table.fill) does work that a static count cannot meter`);
  }
  throw new WasmFuelError(`unsupported opcode 0x${op.toString(16)}`);
}

/** Bytes appended in chunks (a module is too large to spread into one array). */
class Writer {
  private readonly chunks: Uint8Array[] = [];
  length = 0;
  push(bytes: ArrayLike<number>): void {
    const chunk = Uint8Array.from(bytes as ArrayLike<number>);
    this.chunks.push(chunk);
    this.length += chunk.length;
  }
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** What the rewrite adds to a function: the two globals, and the function's signature. */
interface BodyContext {
  fuelGlobal: number;
  budgetGlobal: number;
  paramCount: number;
  /** The block type of the function's results (EMPTY_BLOCK or a value type). */
  resultBlockType: number;
}

/** One function body, metered. */
function meterBody(body: Uint8Array, { fuelGlobal, budgetGlobal, paramCount, resultBlockType }: BodyContext): Uint8Array {
  const r = new Reader(body);
  const localGroups = r.u32();
  const groupsStart = r.pos;
  let locals = paramCount;
  for (let i = 0; i < localGroups; i++) {
    locals += r.u32();
    r.byte();
  }
  const codeStart = r.pos;
  // Where each segment starts (its charge goes there), whether a check follows, and its instruction count.
  const segments: { at: number; check: boolean; cost: number }[] = [{ at: codeStart, check: true, cost: 0 }];
  // Where a memory.copy or memory.fill starts: its length is charged there.
  const bulk: number[] = [];
  // Where each `return` is, and how many blocks enclose it inside the function's own.
  const returns: { at: number; depth: number }[] = [];
  let calls = false;
  let depth = 1;
  while (depth > 0) {
    const at = r.pos;
    const op = r.byte();
    if (op === 0xfc && (body[r.pos] === MEMORY_COPY || body[r.pos] === MEMORY_FILL)) bulk.push(at);
    if (op === CALL || op === CALL_INDIRECT) calls = true;
    if (op === RETURN) returns.push({ at, depth: depth - 1 });
    skipImmediates(op, r);
    // Block structure costs nothing at run time; a switch compiles to hundreds of nested blocks.
    if (op !== 0x01 && op !== 0x02 && op !== 0x03 && op !== 0x05 && op !== END) segments[segments.length - 1]!.cost++;
    if (op === 0x02 || op === 0x03 || op === 0x04) depth++;
    else if (op === END) depth--;
    if (depth > 0 && (op === 0x03 || op === 0x04 || op === 0x05 || op === END)) segments.push({ at: r.pos, check: op === 0x03, cost: 0 });
  }
  if (r.pos !== body.length) throw new WasmFuelError('function body continues after its end');
  // A function that calls nothing runs at most its own length between the checks of its loops.
  if (!calls) segments[0]!.check = false;
  const out = new Writer();
  // A body with bulk memory instructions gets one more i32 local to hold their length.
  if (bulk.length > 0) {
    out.push(uleb(localGroups + 1));
    out.push(body.subarray(groupsStart, codeStart));
    out.push([0x01, 0x7f]);
  } else out.push(body.subarray(0, codeStart));
  // `replaces`: bytes of the original that the inserted code stands for (a `return`).
  const inserts: { at: number; code: number[]; replaces?: number }[] = [
    ...segments.map((s) => ({ at: s.at, code: [...(s.cost > 0 ? chargeCode(fuelGlobal, s.cost) : []), ...(s.check ? checkCode(fuelGlobal) : [])] })),
    ...bulk.map((at) => ({ at, code: chargeLengthCode(fuelGlobal, locals) })),
  ];
  if (calls) {
    // The frame is taken before anything else runs and given back after the wrapping block,
    // where the body's end, its branches to the function's label and its returns all arrive.
    const units = frameUnits(locals);
    inserts.push({ at: codeStart, code: [...takeFrameCode(budgetGlobal, units), BLOCK, resultBlockType] });
    for (const ret of returns) inserts.push({ at: ret.at, code: [BR, ...uleb(ret.depth)], replaces: 1 });
    inserts.push({ at: body.length - 1, code: [END, ...giveFrameCode(budgetGlobal, units)] });
  }
  // Stable: at one position, a segment's charge comes before the frame's entry.
  inserts.sort((a, b) => a.at - b.at);
  let from = codeStart;
  for (const ins of inserts) {
    out.push(body.subarray(from, ins.at));
    from = ins.at + (ins.replaces ?? 0);
    out.push(ins.code);
  }
  out.push(body.subarray(from));
  return out.bytes();
}

function writeSection(out: Writer, id: number, content: Uint8Array | number[]): void {
  out.push([id, ...uleb(content.length)]);
  out.push(content);
}

/** A vector section's item count and the raw bytes of its items. */
function countOf(content: Uint8Array): { count: number; rest: Uint8Array } {
  const r = new Reader(content);
  const count = r.u32();
  return { count, rest: content.subarray(r.pos) };
}

function concat(parts: (Uint8Array | number[])[]): Uint8Array {
  const w = new Writer();
  for (const p of parts) w.push(p);
  return w.bytes();
}

function importedGlobalCount(imports: Uint8Array | undefined): number {
  if (!imports) return 0;
  const r = new Reader(imports);
  const n = r.u32();
  let globals = 0;
  for (let i = 0; i < n; i++) {
    r.skip(r.u32());
    r.skip(r.u32());
    const kind = r.byte();
    if (kind === 0) r.u32();
    else if (kind === 1 || kind === 2) {
      if (kind === 1) r.byte();
      const flags = r.byte();
      r.u32();
      if (flags & 1) r.u32();
    } else if (kind === 3) {
      globals++;
      r.skip(2);
    } else throw new WasmFuelError(`unknown import kind ${kind}`);
  }
  return globals;
}

interface FunctionSignature {
  params: number;
  /** The block type of its results: EMPTY_BLOCK, or the one result's value type. */
  resultBlockType: number;
}

/** The signature of each defined function, in code-section order. */
function functionSignatures(sections: { id: number; content: Uint8Array }[]): FunctionSignature[] {
  const typeSignatures: FunctionSignature[] = [];
  const types = sections.find((s) => s.id === 1);
  if (types) {
    const r = new Reader(types.content);
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      if (r.byte() !== 0x60) throw new WasmFuelError('only function types are supported');
      const params = r.u32();
      r.skip(params);
      const results = r.u32();
      if (results > 1) throw new WasmFuelError('functions with several results are not supported');
      typeSignatures.push({ params, resultBlockType: results === 0 ? EMPTY_BLOCK : r.byte() });
    }
  }
  const funcs = sections.find((s) => s.id === 3);
  if (!funcs) return [];
  const r = new Reader(funcs.content);
  return Array.from({ length: r.u32() }, () => typeSignatures[r.u32()] ?? { params: 0, resultBlockType: EMPTY_BLOCK });
}

/** The module's sections in order, each with its content (after the 8-byte header). */
function sectionsOf(module: Uint8Array): { id: number; content: Uint8Array }[] {
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) throw new WasmFuelError('not a WebAssembly module');
  const r = new Reader(module, 8);
  const sections: { id: number; content: Uint8Array }[] = [];
  while (r.pos < module.length) {
    const id = r.byte();
    const size = r.u32();
    sections.push({ id, content: module.subarray(r.pos, r.pos + size) });
    r.skip(size);
  }
  return sections;
}

/**
 * Returns the module with fuel metering: a new exported mutable i64 global FUEL_EXPORT (set it
 * to the fuel allowed before a call; it starts at UNLIMITED_FUEL) and a charge in every segment
 * of every function; and the frame budget: a new exported mutable i32 global
 * STACK_BUDGET_EXPORT (set it before a call; it starts at UNLIMITED_STACK_BUDGET) that calling
 * functions take their frame from. Existing globals named in `exportGlobals` are exported too (a
 * host that must reset them).
 */
export function meterWasm(module: Uint8Array, exportGlobals: Record<string, number> = {}): Uint8Array {
  const sections = sectionsOf(module);
  const globals = sections.find((s) => s.id === 6);
  if (!globals || !sections.some((s) => s.id === 7)) throw new WasmFuelError('the module needs a global and an export section');
  const fuelGlobal = importedGlobalCount(sections.find((s) => s.id === 2)?.content) + countOf(globals.content).count;
  const budgetGlobal = fuelGlobal + 1;
  const signatures = functionSignatures(sections);
  const out = new Writer();
  out.push(module.subarray(0, 8));
  for (const s of sections) {
    if (s.id === 6) {
      const { count, rest } = countOf(s.content);
      writeSection(out, 6, concat([uleb(count + 2), rest, [0x7e, 0x01, I64_CONST, ...sleb(UNLIMITED_FUEL), END], [0x7f, 0x01, I32_CONST, ...sleb(UNLIMITED_STACK_BUDGET), END]]));
    } else if (s.id === 7) {
      const { count, rest } = countOf(s.content);
      const added = Object.entries({ ...exportGlobals, [FUEL_EXPORT]: fuelGlobal, [STACK_BUDGET_EXPORT]: budgetGlobal }).map(([name, index]) => {
        const bytes = new TextEncoder().encode(name);
        return concat([uleb(bytes.length), bytes, [0x03], uleb(index)]);
      });
      writeSection(out, 7, concat([uleb(count + added.length), rest, ...added]));
    } else if (s.id === 10) {
      const cr = new Reader(s.content);
      const n = cr.u32();
      const bodies = new Writer();
      bodies.push(uleb(n));
      for (let i = 0; i < n; i++) {
        const size = cr.u32();
        const signature = signatures[i] ?? { params: 0, resultBlockType: EMPTY_BLOCK };
        const metered = meterBody(s.content.subarray(cr.pos, cr.pos + size), { fuelGlobal, budgetGlobal, paramCount: signature.params, resultBlockType: signature.resultBlockType });
        cr.skip(size);
        bodies.push(uleb(metered.length));
        bodies.push(metered);
      }
      writeSection(out, 10, bodies.bytes());
    } else writeSection(out, s.id, s.content);
  }
  return out.bytes();
}

/** What a host needs to know of a module's memory: its globals' constant i32 starts and its active data segments. */
export interface ModuleMemoryFacts {
  /** The initial value of each defined global that starts as an i32 constant (others: undefined). */
  globalInits: (number | undefined)[];
  /** Active data segments of memory 0 with a constant offset. */
  data: { offset: number; bytes: Uint8Array }[];
}

export function readMemoryFacts(module: Uint8Array): ModuleMemoryFacts {
  const facts: ModuleMemoryFacts = { globalInits: [], data: [] };
  for (const { id, content } of sectionsOf(module)) {
    const r = new Reader(content);
    if (id === 6) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        r.skip(2);
        if (r.byte() !== 0x41) {
          facts.globalInits.push(undefined);
          while (r.byte() !== END);
          continue;
        }
        facts.globalInits.push(r.i32());
        if (r.byte() !== END) throw new WasmFuelError('unexpected global initializer');
      }
    } else if (id === 11) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const flags = r.u32();
        if (flags !== 0 || r.byte() !== 0x41) throw new WasmFuelError('only active data segments at constant offsets are supported');
        const offset = r.u32();
        if (r.byte() !== END) throw new WasmFuelError('unexpected data offset');
        const len = r.u32();
        facts.data.push({ offset, bytes: content.subarray(r.pos, r.pos + len) });
        r.skip(len);
      }
    }
  }
  return facts;
}

import { beforeAll, describe, expect, it } from 'vitest';
import { ContractSandbox, type CallOutcome } from '../../src/contracts/sandbox.js';
import { memoryHost } from '../support/memory-host.js';

const CTX = { sender: '0x' + '11'.repeat(20), value: 5n, height: 7, time: 1_700_000_000_000, contract: '0x' + '22'.repeat(20) };
const HOST_GAS = (_what: string, bytes: number): number => 100 + bytes;

describe('the contract sandbox', () => {
  let sandbox: ContractSandbox;
  beforeAll(async () => {
    sandbox = await ContractSandbox.load();
  });
  const call = (code: string, method: string, args: unknown[] = [], gasLimit = 1_000_000, host = memoryHost()): CallOutcome =>
    sandbox.call({ code, method, argsJson: JSON.stringify(args, (_, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v)), ctx: CTX, gasLimit }, host, HOST_GAS);

  it('calls an exported function with BigInt money, the call context, storage and events', () => {
    const host = memoryHost();
    const code = `
      export function deposit(amount) {
        const before = db.get('balances', ctx.sender) ?? 0n;
        db.put('balances', ctx.sender, before + amount + ctx.value);
        emit('deposited', { who: ctx.sender, amount, height: ctx.block.height });
        return before + amount + ctx.value;
      }`;
    const first = call(code, 'deposit', [10n], 1_000_000, host);
    expect(first).toMatchObject({ ok: true, resultJson: '{"$bigint":"15"}' });
    const second = call(code, 'deposit', [1n], 1_000_000, host);
    expect(second).toMatchObject({ ok: true, resultJson: '{"$bigint":"21"}' });
    expect(host.tables.get(`balances/${CTX.sender}`)).toBe('{"$bigint":"21"}');
    expect(host.events.map(([n]) => n)).toEqual(['deposited', 'deposited']);
    expect(first.gasUsed).toBeGreaterThan(0);
  });

  it('charges the same gas for the same call every time', () => {
    const code = `export function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; return s; }`;
    const runs = [0, 1, 2].map(() => call(code, 'work', [200_000]));
    expect(new Set(runs.map((r) => r.gasUsed)).size).toBe(1);
    expect(runs[0]?.gasUsed).toBeGreaterThan(10_000);
  });

  it('has no clock, no randomness, no weak references, and no way out to the host', () => {
    const probes = {
      date: `export function f() { return typeof Date; }`,
      random: `export function f() { return typeof Math.random; }`,
      weak: `export function f() { return [typeof WeakRef, typeof FinalizationRegistry]; }`,
      // `process` is the contracts' process API (spec/processes.md), not Node's: no env, no exit, nothing else.
      process: `export function f() { return [typeof process.env, typeof require, typeof globalThis.process.exit, Object.keys(process).join()]; }`,
    };
    expect(call(probes.date, 'f')).toMatchObject({ ok: true, resultJson: '"undefined"' });
    expect(call(probes.random, 'f')).toMatchObject({ ok: true, resultJson: '"undefined"' });
    expect(call(probes.weak, 'f')).toMatchObject({ ok: true, resultJson: '["undefined","undefined"]' });
    expect(call(probes.process, 'f')).toMatchObject({ ok: true, resultJson: '["undefined","undefined","undefined","start,signal,state,history,deposit"]' });
    // The constructor chain reaches QuickJS's own Function, which still sees no host.
    const chain = call(`export function f() { return (function(){}).constructor('return typeof process.exit')(); }`, 'f');
    expect(chain).toMatchObject({ ok: true, resultJson: '"undefined"' });
    // Polluting a prototype inside one call does not reach the next call.
    call(`export function f() { Object.prototype.polluted = 1; return 1; }`, 'f');
    expect(call(`export function f() { return ({}).polluted ?? null; }`, 'f')).toMatchObject({ ok: true, resultJson: 'null' });
  });

  it('ends resource exhaustion as a clean failure that charges gas', () => {
    const loop = call(`export function f() { for (;;) {} }`, 'f', [], 50_000);
    expect(loop).toEqual({ ok: false, error: 'out of gas', gasUsed: 50_000 });
    const recursion = call(`export function f() { const g = (n) => g(n + 1) + 1; return g(0); }`, 'f', [], 10_000_000);
    expect(recursion.ok).toBe(false);
    expect(recursion.ok === false && recursion.error).toMatch(/stack|InternalError|RangeError/i);
    const bomb = sandbox.call({ code: `export function f() { const a = []; for (;;) a.push(new Array(1000).fill(1)); }`, method: 'f', argsJson: '[]', ctx: CTX, gasLimit: 100_000_000, memoryLimitBytes: 2 * 1024 * 1024 }, memoryHost(), HOST_GAS);
    expect(bomb.ok).toBe(false);
    expect(bomb.ok === false && bomb.error).toMatch(/memory|out of gas/i);
    const huge = call(`export function f() { emit('big', 'x'.repeat(10000)); }`, 'f');
    expect(huge).toMatchObject({ ok: false, error: 'event data above 4096 bytes' });
  });

  it('frees every call cleanly, however it ends', () => {
    // A runtime QuickJS cannot free fails an assertion that aborts the whole process (it did
    // with contexts made without Promise): every way a call can end, a few times over.
    const endings: [string, Partial<Parameters<ContractSandbox['call']>[0]>][] = [
      [`export function f() { new Promise(() => {}); Promise.resolve(1).then(() => 2); return 1; }`, {}],
      [`export async function f() { await null; return 1; }`, {}],
      [`await Promise.resolve(1); export function f() { return 1; }`, {}],
      [`await Promise.reject(new Error('r')); export function f() { return 1; }`, {}],
      [`export function f() { function* g() { yield 1; } return [...g(), ...new Map([[1, 2]]).keys()]; }`, {}],
      [`for (;;) {} export function f() {}`, { gasLimit: 20_000 }],
      [`export function f() { for (;;) 'x'.repeat(1 << 20); }`, { gasLimit: 200_000 }],
      [`export function f() { const g = (n) => g(n + 1) + 1; return g(0); }`, {}],
      [`export function f() { const a = []; for (;;) a.push(new Array(1000).fill(1)); }`, { gasLimit: 100_000_000, memoryLimitBytes: 2 * 1024 * 1024 }],
      [`export function f( {`, {}],
      [`throw new Error('at load');`, {}],
      [`export function f() { try { transfer('0x1', 1n); } catch {} return 1; }`, {}],
      [`export function f() { return { toJSON() { throw new Error('j'); } }; }`, {}],
      [`export function f() { globalThis.keep = () => keep; Object.prototype.x = () => 1; return new WeakMap([[{}, 1]]); }`, {}],
      [`export function f() {}`, { argsJson: '{bad' }],
      [`export function f() {} export const x = 1;`, { method: '__exports__' }],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [code, options] of endings) {
        const outcome = sandbox.call({ code, method: 'f', argsJson: '[]', ctx: CTX, gasLimit: 1_000_000, ...options }, memoryHost(), HOST_GAS);
        expect(outcome.gasUsed, code).toBeGreaterThan(0);
      }
    }
    expect(call(`export function f() { return 1; }`, 'f')).toMatchObject({ ok: true, resultJson: '1' });
  });

  it('fails clearly on bad contracts and bad calls', () => {
    expect(call(`export function f( {`, 'f')).toMatchObject({ ok: false, error: expect.stringMatching(/does not load: SyntaxError/) });
    expect(call(`export function f() { return 1; }`, 'g')).toMatchObject({ ok: false, error: 'the contract has no method "g"' });
    expect(call(`export function f() { throw 42; }`, 'f')).toMatchObject({ ok: false, error: 'thrown: 42' });
    expect(call(`export function f() { revert('not allowed'); }`, 'f')).toMatchObject({ ok: false, error: 'reverted: not allowed' });
    expect(call(`export function f(x) { return db.put(1, 'k', x); }`, 'f', [1])).toMatchObject({ ok: false, error: 'table must be a string' });
    expect(sandbox.call({ code: `export function f(){}`, method: 'f', argsJson: '{"a":1}', ctx: CTX, gasLimit: 1_000_000 }, memoryHost(), HOST_GAS)).toMatchObject({ ok: false, error: 'the arguments must be a JSON array' });
    expect(call(`export function f() { const o = {}; o.self = o; return o; }`, 'f')).toMatchObject({ ok: false, error: 'the return value cannot be encoded as JSON' });
  });
});

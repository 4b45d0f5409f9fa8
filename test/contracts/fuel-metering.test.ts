import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ContractSandbox, FUEL_PER_GAS, type CallOutcome, type CallRequest, type HostCalls } from '../../src/contracts/sandbox.js';
import { BYTES_PER_FUEL } from '../../src/contracts/wasm-fuel.js';
import { runWarmUpBlock } from '../../src/app/executor/warm-up-block.js';
import { loadContractRuntime } from '../../src/app/contracts/runtime.js';

const CTX = { sender: '0x' + '11'.repeat(20), value: 5n, height: 7, time: 1_700_000_000_000, contract: '0x' + '22'.repeat(20) };
const HOST_GAS = (_what: string, bytes: number): number => 100 + bytes;
const GAS = 10_000_000;
const OUT_OF_GAS = { ok: false, error: 'out of gas', gasUsed: GAS };

// None of these contracts reaches the host: any host call fails the test.
const NO_HOST = new Proxy({}, { get: () => () => { throw new Error('no host in these tests'); } }) as HostCalls;

describe('gas counted in WebAssembly instructions', () => {
  let sandbox: ContractSandbox;
  beforeAll(async () => {
    sandbox = await ContractSandbox.load();
  });
  const run = (body: string, gasLimit = GAS, args: unknown[] = [], host: HostCalls = NO_HOST): CallOutcome =>
    sandbox.call({ code: `export function f(n) { ${body} }`, method: 'f', argsJson: JSON.stringify(args), ctx: CTX, gasLimit }, host, HOST_GAS);
  const gasOf = (body: string, args: unknown[] = []): number => {
    const r = run(body, 2_000_000_000, args);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    return r.gasUsed;
  };

  describe('work done inside one built-in or operator is paid for', () => {
    const attacks: [string, string][] = [
      ['a repeat loop', `const a = []; for (;;) a.push('x'.repeat(1 << 16));`],
      ['a discarded repeat loop', `for (;;) 'x'.repeat(1 << 20);`],
      ['Array(n).fill', `for (;;) new Array(1 << 20).fill(0);`],
      ['join', `const a = new Array(1 << 18).fill('abc'); for (;;) a.join(',');`],
      ['JSON.stringify of a DAG that expands exponentially', `let x = [1]; for (let i = 0; i < 24; i++) x = [x, x]; for (;;) try { JSON.stringify(x); } catch {}`],
      ['JSON.parse', `const s = JSON.stringify(new Array(1 << 16).fill({ a: 1, b: 'xx' })); for (;;) JSON.parse(s);`],
      ['sort of a big array', `const a = []; for (let i = 0; i < 200000; i++) a.push((i * 7919) % 100003); for (;;) a.slice().sort();`],
      ['a naive substring search', `const s = 'a'.repeat(1 << 20); const t = 'a'.repeat(1 << 10) + 'b'; for (;;) s.indexOf(t);`],
      ['compiling big sources', `const src = 'x=x+1;'.repeat(1 << 16); for (;;) Function('x', src);`],
      ['BigInt printing', `const x = (1n << 1048000n) - 1n; for (;;) x.toString();`],
      ['BigInt multiplication of huge values', `const x = (1n << 500000n) - 1n; for (;;) x * x;`],
      ['comparing long strings', `const a = 'x'.repeat(1 << 22), b = 'x'.repeat(1 << 22); for (;;) a === b + '';`],
      ['spreading a big array', `const a = new Array(1 << 18).fill(1); for (;;) [...a];`],
      ['regexp backtracking', `return /^(a+)+$/.test('a'.repeat(40) + 'b');`],
    ];
    for (const [name, body] of attacks) {
      it(name, () => {
        expect(run(body)).toEqual(OUT_OF_GAS);
      });
    }

    it('one BigInt multiplication costs more the bigger its operands', () => {
      const mul = (bits: number): number => gasOf(`const x = (1n << BigInt(n)) - 1n; const y = x * x; return y > 0n;`, [bits]) - gasOf(`const x = (1n << BigInt(n)) - 1n; const y = x; return y > 0n;`, [bits]);
      const small = mul(1 << 12);
      const big = mul(1 << 16);
      // 16 times the bits: at least 16 times the work (schoolbook or Karatsuba, never linear).
      expect(big).toBeGreaterThan(16 * small);
      expect(big).toBeGreaterThan(10_000);
    });

    it('one string comparison costs in proportion to the length compared', () => {
      const cmp = (len: number): number => gasOf(`const a = 'x'.repeat(n), b = 'x'.repeat(n) + ''; let c = 0; for (let i = 0; i < 10; i++) if (a === b) c++; return c;`, [len]);
      const extra = cmp(1 << 22) - cmp(1 << 12);
      // Ten comparisons of 4 M more characters: at least a unit of fuel per BYTES_PER_FUEL bytes.
      expect(extra).toBeGreaterThan(Number((10n * BigInt(1 << 22)) / BigInt(BYTES_PER_FUEL) / FUEL_PER_GAS));
    });

    it('a huge BigInt power fails on the BigInt size limit', () => {
      expect(run(`return (2n ** 10000000n) > 0n;`)).toMatchObject({ ok: false, error: expect.stringMatching(/RangeError: BigInt is too large/) });
    });

    it('doubling a string fails on QuickJS own limits', () => {
      const r = run(`let s = 'x'; for (;;) s = s + s;`);
      expect(r.ok).toBe(false);
      expect(r.ok === false && r.error).toMatch(/string too long|out of memory|out of gas/);
    });
  });

  describe('the count is a consensus value', () => {
    const work = `const words = [];
      for (let i = 0; i < 300; i++) {
        const w = ('item-' + i).toUpperCase().padStart(12, '.').slice(2).replace('ITEM', 'it');
        if (w.includes('-9') || w.endsWith('00')) words.push(w.split('-')[1]);
      }
      const m = new Map(); for (let i = 0; i < 200; i++) m.set({ i }, i);
      const back = JSON.parse(JSON.stringify({ words, big: 12345678901234567890n.toString() }));
      return [back.words.length, m.size, [3, 1, 2].sort(), BigInt('123') * 2n];`;

    it('is the same on every run, whatever the engine ran before', () => {
      const first = run(work);
      expect(first).toMatchObject({ ok: true, resultJson: '[13,200,[1,2,3],{"$bigint":"246"}]' });
      // Other calls leave the allocator and the heap in other states; a trap leaves them in the
      // middle of a C function.
      run(`const a = []; for (let i = 0; i < 5000; i++) a.push({ i, s: 'x'.repeat(i % 50) }); return a.length;`);
      run(`const x = (1n << 500000n) - 1n; return x * x > 0n;`, 200_000);
      run(`const m = new Map(); for (let i = 0; i < 3000; i++) m.set('k' + i, [i]); return m.size;`);
      expect(run(work)).toEqual(first);
    });

    it('is the same before and after V8 has optimized the engine (a synthetic block through the execution path)', async () => {
      const cold = run(work);
      await loadContractRuntime();
      runWarmUpBlock(100);
      expect(run(work)).toEqual(cold);
    });

    it('is the same in another process, whatever its program path and environment', async () => {
      const { execFileSync } = await import('node:child_process');
      const url = new URL('../../dist/src/contracts/sandbox.js', import.meta.url).href;
      const script = `const { ContractSandbox } = await import(${JSON.stringify(url)});
        const sb = await ContractSandbox.load();
        const ctx = { ...${JSON.stringify({ ...CTX, value: undefined })}, value: 5n };
        const out = sb.call({ code: 'export function f(n) { ' + ${JSON.stringify(work)} + ' }', method: 'f', argsJson: '[]', ctx, gasLimit: ${GAS} }, {}, () => 0);
        process.stdout.write(JSON.stringify(out));`;
      const child = execFileSync(process.execPath, ['--input-type=module', '-e', script, 'an-argument-that-changes-argv'], { env: { ...process.env, LANG: 'de_DE.UTF-8', HOME: '/nonexistent/elsewhere' } });
      expect(JSON.parse(child.toString())).toEqual(run(work));
    });
  });

  describe('a call that runs out inside the engine', () => {
    it('leaves the engine as good as new', () => {
      const probe = `let s = 0; for (let i = 0; i < 1000; i++) s += i; return s;`;
      const before = run(probe);
      expect(run(`const x = (1n << 500000n) - 1n; return x * x > 0n;`, 300_000)).toEqual({ ok: false, error: 'out of gas', gasUsed: 300_000 });
      expect(run(probe)).toEqual(before);
    });

    it('stops cleanly when it runs out while the host hands it a value', () => {
      const errors = vi.spyOn(console, 'error');
      const big = `[${'"abcdefgh",'.repeat(100_000)}1]`;
      const host = { ...NO_HOST, dbGet: () => big } as HostCalls;
      const outcome = sandbox.call({ code: `export function f() { return db.get('t', 'k').length; }`, method: 'f', argsJson: '[]', ctx: CTX, gasLimit: 400_000 }, host, () => 0);
      expect(outcome).toEqual({ ok: false, error: 'out of gas', gasUsed: 400_000 });
      expect(errors).not.toHaveBeenCalled();
      errors.mockRestore();
      expect(sandbox.call({ code: `export function f() { return db.get('t', 'k').length; }`, method: 'f', argsJson: '[]', ctx: CTX, gasLimit: 100_000_000 }, host, () => 0)).toMatchObject({ ok: true, resultJson: '100001' });
    });

    it('fails every caller of a nested call that ran out, with all their gas', () => {
      const inner: CallRequest = { code: `export function g() { for (;;) {} }`, method: 'g', argsJson: '[]', ctx: CTX, gasLimit: 0 };
      let innerOutcome: CallOutcome | undefined;
      const host = {
        ...NO_HOST,
        call: (_address: string, _method: string, _args: string, gasLimit: number): CallOutcome => {
          innerOutcome = sandbox.call({ ...inner, gasLimit: Math.min(gasLimit, 500_000) }, NO_HOST, HOST_GAS);
          return innerOutcome;
        },
      } as HostCalls;
      const outer = sandbox.call(
        { code: `export function f() { try { call('0x' + '33'.repeat(20), 'g', []); } catch (e) { return 'caught'; } return 'after'; }`, method: 'f', argsJson: '[]', ctx: CTX, gasLimit: 2_000_000 },
        host,
        HOST_GAS,
      );
      expect(innerOutcome).toEqual({ ok: false, error: 'out of gas', gasUsed: 500_000 });
      expect(outer).toEqual({ ok: false, error: 'out of gas', gasUsed: 2_000_000 });
      expect(run(`return 1;`)).toMatchObject({ ok: true, resultJson: '1' });
    });
  });
});

describe('the host bridge', () => {
  let sandbox: ContractSandbox;
  beforeAll(async () => {
    sandbox = await ContractSandbox.load();
  });

  it('carries BigInt both ways and JSON values unchanged', () => {
    const args = [{ $bigint: '-12345678901234567890' }, { a: [1, 'x', null], b: { $bigint: '5', other: 1 } }, 'a"b\u2028', 1.5];
    const r = sandbox.call(
      {
        code: `export function f(big, obj, s, x) { return [typeof big, big * 2n, obj, s, x, undefined, () => 1, 7n]; }`,
        method: 'f',
        argsJson: JSON.stringify(args),
        ctx: CTX,
        gasLimit: GAS,
      },
      NO_HOST,
      HOST_GAS,
    );
    expect(r).toMatchObject({ ok: true, resultJson: '["bigint",{"$bigint":"-24691357802469135780"},{"a":[1,"x",null],"b":{"$bigint":"5","other":1}},"a\\"b\u2028",1.5,null,null,{"$bigint":"7"}]' });
  });

  it('lists callable exports, sorted, without the host names, whatever the contract did to the built-ins', () => {
    const r = sandbox.call(
      { code: `Array.prototype.sort = () => ['hacked']; Object.keys = () => ['x']; export function b() {} export function a() {} export const c = 1; export function __hidden() {}`, method: '__exports__', argsJson: '[]', ctx: CTX, gasLimit: GAS },
      NO_HOST,
      HOST_GAS,
    );
    expect(r).toMatchObject({ ok: true, resultJson: '["a","b"]' });
  });
});

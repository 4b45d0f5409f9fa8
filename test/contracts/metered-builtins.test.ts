import { beforeAll, describe, expect, it } from 'vitest';
import type { QuickJSContext, QuickJSHandle, QuickJSWASMModule } from 'quickjs-emscripten-core';
import { CONTRACT_INTRINSICS, ContractSandbox, quickJs, type CallOutcome, type HostCalls } from '../../src/contracts/sandbox.js';
import { BUILTIN_GAS, GAS_SCALE, METERED_BUILTINS_PRELUDE, METERED_BUILTINS_SOURCES } from '../../src/contracts/metered-builtins.js';

const CTX = { sender: '0x' + '11'.repeat(20), value: 5n, height: 7, time: 1_700_000_000_000, contract: '0x' + '22'.repeat(20) };
const HOST_GAS = (_what: string, bytes: number): number => 100 + bytes;
const GAS = 10_000_000;
const OUT_OF_GAS = { ok: false, error: 'out of gas', gasUsed: GAS };

// None of these contracts reaches the host: any host call fails the test.
const NO_HOST = new Proxy({}, { get: () => () => { throw new Error('no host in these tests'); } }) as HostCalls;

describe('metered built-ins', () => {
  let sandbox: ContractSandbox;
  beforeAll(async () => {
    sandbox = await ContractSandbox.load();
  });
  const run = (body: string, gasLimit = GAS, args: unknown[] = []): CallOutcome =>
    sandbox.call({ code: `export function f(n) { ${body} }`, method: 'f', argsJson: JSON.stringify(args), ctx: CTX, gasLimit }, NO_HOST, HOST_GAS);

  describe('attacks that used to burn seconds of CPU for little gas run out of gas', () => {
    const attacks: [string, string][] = [
      ['a repeat loop', `const a = []; for (;;) a.push('x'.repeat(1 << 16));`],
      ['a discarded repeat loop', `for (;;) 'x'.repeat(1 << 20);`],
      ['padStart', `for (;;) ''.padStart(1 << 20, 'ab');`],
      ['Array(n).fill', `for (;;) new Array(1 << 20).fill(0);`],
      ['join', `const a = new Array(1 << 18).fill('abc'); for (;;) a.join(',');`],
      ['JSON.stringify of a big structure', `const a = new Array(1 << 16).fill({ a: 1, b: 'xx' }); for (;;) JSON.stringify(a);`],
      ['JSON.stringify of a DAG that expands exponentially', `let x = [1]; for (let i = 0; i < 24; i++) x = [x, x]; for (;;) try { JSON.stringify(x); } catch {}`],
      ['JSON.parse', `const s = JSON.stringify(new Array(1 << 16).fill({ a: 1, b: 'xx' })); for (;;) JSON.parse(s);`],
      ['split', `const s = 'a,'.repeat(1 << 18); for (;;) s.split(',');`],
      ['sort of a big array', `const a = []; for (let i = 0; i < 200000; i++) a.push((i * 7919) % 100003); for (;;) a.slice().sort();`],
      ['replace with a template that copies the tail', `const s = 'a'.repeat(4000); for (;;) try { s.replace(/a/g, "$'"); } catch {}`],
      ['a naive substring search', `const s = 'a'.repeat(1 << 20); const t = 'a'.repeat(1 << 10) + 'b'; for (;;) s.indexOf(t);`],
      ['indexOf over a sparse array', `const a = []; a.length = 1 << 22; for (;;) a.indexOf(1);`],
      ['Map keys that are big strings', `const s = 'x'.repeat(1 << 20); const m = new Map(); for (;;) m.get(s);`],
      ['compiling big sources', `const src = 'x=x+1;'.repeat(1 << 16); for (;;) Function('x', src);`],
      ['BigInt parsing', `const s = '9'.repeat(300000); for (;;) BigInt(s);`],
      ['BigInt printing', `const x = (1n << 1048000n) - 1n; for (;;) x.toString();`],
      ['regexp backtracking (metered by QuickJS itself)', `return /^(a+)+$/.test('a'.repeat(40) + 'b');`],
    ];
    for (const [name, body] of attacks) {
      it(name, () => {
        expect(run(body)).toEqual(OUT_OF_GAS);
      });
    }

    it('string concatenation by doubling fails on QuickJS own limits', () => {
      const r = run(`let s = 'x'; for (;;) s = s + s;`);
      expect(r.ok).toBe(false);
      expect(r.ok === false && r.error).toMatch(/string too long|out of memory/);
      expect(r.gasUsed).toBeLessThan(GAS);
    });

    it('a huge BigInt power fails fast on the BigInt size limit', () => {
      expect(run(`return (2n ** 10000000n) > 0n;`)).toMatchObject({ ok: false, error: expect.stringMatching(/RangeError: BigInt is too large/) });
    });

    it('absurd sizes are refused before any work', () => {
      expect(run(`return 'x'.repeat(2 ** 28).length;`)).toMatchObject({ ok: false, error: expect.stringMatching(/RangeError: string of 268435456 characters refused/) });
      expect(run(`return new Array(2 ** 30).fill(0).length;`)).toMatchObject({ ok: false, error: expect.stringMatching(/RangeError: 1073741824 array elements refused/) });
      // Caught, the refusal costs next to nothing.
      const caught = run(`try { 'x'.repeat(2 ** 28); } catch (e) { return e instanceof RangeError; }`);
      expect(caught).toMatchObject({ ok: true, resultJson: 'true' });
      expect(caught.gasUsed).toBeLessThan(2_000 * GAS_SCALE);
    });
  });

  it('charges in proportion to the size of the work', () => {
    const gasFor = (body: string, n: number): number => {
      const r = run(body, GAS * GAS_SCALE, [n]);
      expect(r.ok).toBe(true);
      return r.gasUsed;
    };
    const repeat = `let t = 0; for (let i = 0; i < 10; i++) t += 'x'.repeat(n).length; return t;`;
    const small = gasFor(repeat, 1 << 12);
    const big = gasFor(repeat, 1 << 20);
    // Ten repeats of (2^20 - 2^12) more characters at charBuild gas each, give or take the
    // interrupt granularity (1,000) and the flush threshold.
    const expected = 10 * ((1 << 20) - (1 << 12)) * BUILTIN_GAS.charBuild;
    expect(Math.abs(big - small - expected)).toBeLessThan(2_000 * GAS_SCALE);
    const fill = `let t = 0; for (let i = 0; i < 10; i++) t += new Array(n).fill(1).length; return t;`;
    expect(gasFor(fill, 100_000) - gasFor(fill, 1_000)).toBeGreaterThanOrEqual(10 * 99_000 * BUILTIN_GAS.elemCopy - 2_000 * GAS_SCALE);
  });

  it('leaves normal code working, cheap, and charged the same gas on every run', () => {
    const code = `
      const words = [];
      for (let i = 0; i < 1000; i++) {
        const w = ('item-' + i).toUpperCase().padStart(12, '.').slice(2).replace('ITEM', 'it');
        if (w.includes('-9') || w.endsWith('00')) words.push(w.split('-')[1]);
      }
      const list = [5, 3, 9, 1].concat([7]).sort((a, b) => a - b).map((x) => x * 2);
      const obj = { list, n: words.length, first: words.slice(0, 3), nested: { ok: true, big: 12345678901234567890n.toString() } };
      const back = JSON.parse(JSON.stringify(obj));
      const s = \`\${back.n}:\${back.first.join('|')}:\${Object.keys(back).join(',')}\`;
      return [s, back.list, [1, [2, [3]]].flat(Infinity), Array.from({ length: 3 }, (_, i) => i), 'a-b-c'.replaceAll('-', '+'), BigInt('123') * 2n];`;
    const runs = [0, 1, 2].map(() => run(code));
    expect(runs[0]).toMatchObject({
      ok: true,
      resultJson: '["119:9|90|91:list,n,first,nested",[2,6,10,14,18],[1,2,3],[0,1,2],"a+b+c",{"$bigint":"246"}]',
    });
    expect(new Set(runs.map((r) => r.gasUsed)).size).toBe(1);
    expect(runs[0]?.gasUsed).toBeLessThan(100_000 * GAS_SCALE);
  });

  it('keeps the semantics of the wrapped built-ins', () => {
    const probes: [string, string][] = [
      [`'aXbX'.replace(/X/g, '[$&|$\`|$\\'|$$]')`, `"a[X|a|bX|$]b[X|aXb||$]"`],
      [`'2024-01-02'.replace(/(?<y>\\d+)-(\\d+)-(\\d+)/, '$3/$2/$<y> $4 $0 $10')`, `"02/01/2024 $4 $0 20240"`],
      [`'abc'.replace('b', (m, p, s) => m.toUpperCase() + p + s.length)`, `"aB13c"`],
      [`'a.b.c'.split('.', 2)`, `["a","b"]`],
      [`'a1b2c3'.split(/\\d/)`, `["a","b","c",""]`],
      [`'abc'.at(-1) + 'abc'.substring(2, 0) + 'abc'.substr(-2, 1) + 'abc'.slice(-2)`, `"cabbbc"`],
      [`[1, 2, 3, 4].splice(1, 2)`, `[2,3]`],
      [`(() => { const a = [1, 2, 3]; a.splice(1); return a; })()`, `[1]`],
      [`(() => { const a = [1, 2, 3]; a.splice(); return a; })()`, `[1,2,3]`],
      [`[1, 2, 3].lastIndexOf(3) + [1, 2, 3].lastIndexOf(3, 1) * 10`, `-8`],
      [`[3, 20, 100].sort()`, `[100,20,3]`],
      [`[[1], 2].concat([3, [4]], 5)`, `[[1],2,3,[4],5]`],
      [`Array.prototype.map.call('abc', (c) => c + c)`, `["aa","bb","cc"]`],
      [`JSON.stringify({ b: 1, a: [1, { c: 'x' }], d: new String('s') }, ['a', 'c', 'd'], 1)`, JSON.stringify(JSON.stringify({ a: [1, { c: 'x' }], d: 's' }, ['a', 'c', 'd'], 1))],
      [`JSON.stringify({ a: 1, b: { toJSON() { return 'j'; } } }, (k, v) => (k === 'a' ? undefined : v))`, `"{\\"b\\":\\"j\\"}"`],
      [`Object.assign({ a: 1 }, null, { b: 2 }, 'xy')`, `{"0":"x","1":"y","a":1,"b":2}`],
      [`String.raw\`a\\n\${1 + 1}b\``, `"a\\\\n2b"`],
      [`[(255n).toString(16), (-7n).toString(), BigInt.asUintN(8, 257n).toString(), typeof BigInt(' 12 ')]`, `["ff","-7","1","bigint"]`],
      [`[new RegExp('a+', 'g').flags, /x/ instanceof RegExp, RegExp('b').source, (/a/).constructor === RegExp]`, `["g",true,"b",true]`],
      [`[Function('a', 'b', 'return a + b')(2, 3), (function () {}) instanceof Function, eval('1 + 1')]`, `[5,true,2]`],
      [`\`\${{ toString() { return 't'; }, valueOf() { return 'v'; } }}\${1}\``, `"t1"`],
    ];
    for (const [expr, json] of probes) expect(run(`return ${expr};`), expr).toMatchObject({ ok: true, resultJson: json });
  });

  it('cannot be removed, replaced or bypassed by contract code', () => {
    const attempts: [string, string][] = [
      ['assignment', `String.prototype.repeat = function () { return 'x'; };`],
      ['delete', `delete String.prototype.repeat;`],
      ['defineProperty', `Object.defineProperty(String.prototype, 'repeat', { value: () => 'x' });`],
      ['Reflect', `if (!Reflect.defineProperty(Array.prototype, 'fill', { value: () => 0 }) && !Reflect.deleteProperty(JSON, 'stringify')) throw new TypeError('refused');`],
      ['the gas function', `if (typeof __gas !== 'undefined' || 'gas' in globalThis || Object.getOwnPropertyNames(globalThis).some((k) => /gas/i.test(k))) return 'found'; throw new TypeError('absent');`],
      ['proxies and buffers', `if (typeof Proxy === 'undefined' && typeof ArrayBuffer === 'undefined' && typeof Uint8Array === 'undefined' && typeof DataView === 'undefined' && typeof Atomics === 'undefined' && typeof SharedArrayBuffer === 'undefined') throw new TypeError('absent');`],
    ];
    for (const [name, body] of attempts) expect(run(body), name).toMatchObject({ ok: false, error: expect.stringMatching(/^TypeError/) });

    // The host's encode and decode are held by the host, not looked up on the global object:
    // a contract that defines look-alikes changes nothing the host reads or writes.
    const forged = sandbox.call(
      {
        code: `globalThis.__encode = () => '"forged"'; globalThis.__decode = () => ['forged']; globalThis.__exportNames = () => '[]';
          globalThis.JSON = { stringify: () => '"forged"', parse: () => ['forged'] };
          export function f(a, b) { return [a, b, typeof __gas, typeof gas]; }`,
        method: 'f',
        argsJson: '[1,{"$bigint":"2"}]',
        ctx: CTX,
        gasLimit: GAS,
      },
      NO_HOST,
      HOST_GAS,
    );
    expect(forged).toMatchObject({ ok: true, resultJson: '[1,{"$bigint":"2"},"undefined","undefined"]' });

    // Every route to the function leads to the wrapper: the constructor chain, another
    // function's prototype, the descriptor, a fresh Function (the same realm: there is no other).
    const routes = `
      const w = String.prototype.repeat;
      return [''.constructor.prototype.repeat === w, Object.getOwnPropertyDescriptor(String.prototype, 'repeat').value === w,
        Function('return String.prototype.repeat')() === w, (0, eval)("''.repeat") === w,
        Object.getPrototypeOf(w) === Function.prototype, (async function () {}).constructor('return 1') instanceof Function,
        ((function* () {}).constructor === Object.getPrototypeOf(function* () {}).constructor)];`;
    expect(run(routes)).toMatchObject({ ok: true, resultJson: '[true,true,true,true,true,true,true]' });

    // A size that changes between the wrapper's look and the original's is seen once.
    const toctou = `
      let calls = 0;
      const count = { valueOf() { calls++; return calls === 1 ? 1 : 1 << 24; } };
      const end = { valueOf() { calls++; return calls <= 3 ? 1 : 1 << 24; } };
      return ['x'.repeat(count).length, [1, 2, 3].fill(0, 0, end).join(), calls];`;
    expect(run(toctou)).toMatchObject({ ok: true, resultJson: '[1,"0,2,3",2]' });

    // After every attempt the metering still holds.
    const after = `
      try { String.prototype.repeat = null; } catch {}
      try { Array.prototype[Symbol.iterator] = function* () { yield 1 << 30; }; } catch {}
      try { Object.defineProperty(Array.prototype, 0, { set() {}, get() { return 'x'.repeat(1 << 20); } }); } catch {}
      for (;;) 'x'.repeat(1 << 20);`;
    expect(run(after)).toEqual(OUT_OF_GAS);
    // Catching the out-of-gas error does not help.
    expect(run(`for (;;) { try { 'x'.repeat(1 << 20); } catch {} }`)).toEqual(OUT_OF_GAS);
    expect(run(`try { for (;;) 'x'.repeat(1 << 20); } catch (e) { return 'caught'; }`)).toEqual(OUT_OF_GAS);
  });

  it('compiles wrappers and helpers only when a contract uses them', () => {
    // The sources the prelude asks for (through its `source` native), by index, running `body` and encoding its result.
    const compiled = (body: string): number[] => {
      let asked: number[] = [];
      withPrelude((vm, bridge, ask) => {
        ask();
        const f = vm.unwrapResult(vm.evalCode(`(encode) => encode((() => { ${body} })())`, 'test.js'));
        const encode = vm.getProp(bridge, 0);
        vm.unwrapResult(vm.callFunction(f, vm.undefined, encode)).dispose();
        [f, encode].forEach((h) => h.dispose());
        asked = ask();
      });
      return asked;
    };
    expect(compiled(`return 1;`)).toEqual([]);
    expect(compiled(`return 12345678901234567890n;`)).toEqual([]);
    // A wrapper, then the helpers it uses, each once.
    const lower = compiled(`return 'AB'.toLowerCase() + 'CD'.toLowerCase();`);
    expect(lower.length).toBeGreaterThan(1);
    expect(new Set(lower).size).toBe(lower.length);
    expect(lower.length).toBeLessThan(5);
  });
});

/** A context as the sandbox makes it, with the prelude run and its bridge; `gas` adds up what the prelude charges (no interrupts). */
function withPrelude(body: (vm: QuickJSContext, bridge: QuickJSHandle, asked: () => number[]) => void): number {
  let total = 0;
  const asked: number[] = [];
  const runtime = qjs.newRuntime();
  const vm = runtime.newContext({ intrinsics: CONTRACT_INTRINSICS });
  try {
    const gas = vm.newFunction('gas', (n) => {
      total += vm.getNumber(n);
      return vm.undefined;
    });
    const source = vm.newFunction('source', (i) => {
      asked.push(vm.getNumber(i));
      return vm.newString(METERED_BUILTINS_SOURCES[vm.getNumber(i)] ?? '');
    });
    const prelude = vm.unwrapResult(vm.evalCode(METERED_BUILTINS_PRELUDE, 'prelude.js'));
    const bridge = vm.unwrapResult(vm.callFunction(prelude, vm.undefined, gas, source));
    [prelude, gas, source].forEach((h) => h.dispose());
    try {
      body(vm, bridge, () => asked.splice(0));
    } finally {
      bridge.dispose();
    }
  } finally {
    vm.dispose();
    runtime.dispose();
  }
  return total;
}

let qjs: QuickJSWASMModule;
beforeAll(async () => {
  qjs = await quickJs();
});

describe('the host bridge of the metered prelude', () => {
  // What the bridge charges is what the wrapped JSON built-ins charged when the host called
  // them (JSON.stringify(v, tag), JSON.parse(s, untag)): only the interpreter ticks differ.
  const tag = `(k, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v)`;
  const untag = `(k, v) => (v !== null && typeof v === 'object' && typeof v.$bigint === 'string' && Object.keys(v).length === 1 ? BigInt(v.$bigint) : v)`;
  /** The gas charged by running `script` 300 times with `v` = value, `encode` and `decode` (the bridge's), `tag` and `untag`. */
  const charged = (value: string, script: string): number =>
    withPrelude((vm, bridge) => {
      const f = vm.unwrapResult(vm.evalCode(`(encode, decode) => { const tag = ${tag}, untag = ${untag}; const v = ${value}; for (let i = 0; i < 300; i++) { ${script} } }`, 'test.js'));
      const encode = vm.getProp(bridge, 0);
      const decode = vm.getProp(bridge, 1);
      vm.unwrapResult(vm.callFunction(f, vm.undefined, encode, decode)).dispose();
      [f, encode, decode].forEach((h) => h.dispose());
    });

  it('encodes as the metered JSON.stringify(v, tag) did, for the same gas', () => {
    const values = [
      'undefined', 'null', 'true', '42', 'NaN', `'text'`, `'x'.repeat(1000)`, String.raw`'\u2028"\\'`, 'Symbol()', '() => 1',
      '12345678901234567890123n', '-7n', '(1n << 1000n) - 1n',
      `{ a: 1, b: [1, 2n, 'x'], c: null, d: undefined, e: new String('zz'), f: { g: { h: [[]] } } }`,
      `[1, [2, [3, [4]]], 'five', 6n]`, `{ toJSON() { return { x: 'y'.repeat(50) }; } }`, `new Map([[1, 2]])`,
      `(BigInt.prototype.toJSON = function () { return 'big' + this; }, 99n)`,
    ];
    for (const value of values) {
      const viaBridge = charged(value, `encode(v);`);
      const viaJson = charged(value, `JSON.stringify(v === undefined ? null : v, tag);`);
      expect(viaBridge, value).toBe(viaJson);
      expect(viaBridge, value).toBeGreaterThan(0);
    }
  });

  it('decodes as the metered JSON.parse(s, untag) did, for the same gas', () => {
    const texts = ['[]', '7', '"x"', '{"$bigint":"123456789012345678901234567890"}', '{"$bigint":"-5","other":1}', '{"$bigint":5}', `[{"a":{"$bigint":"1"}},{"b":[1,2,{"$bigint":"2"}]},"${'x'.repeat(500)}"]`];
    for (const text of texts) {
      const s = JSON.stringify(text);
      const viaBridge = charged(s, `decode(v);`);
      const viaJson = charged(s, `JSON.parse(v, untag);`);
      expect(viaBridge, text).toBe(viaJson);
      expect(viaBridge, text).toBeGreaterThan(0);
    }
  });

  it('gives the same text as JSON.stringify(v, tag) and the same values as JSON.parse(s, untag)', () => {
    withPrelude((vm, bridge) => {
      const f = vm.unwrapResult(
        vm.evalCode(
          `(encode, decode) => {
            const tag = ${tag}, untag = ${untag};
            const values = [undefined, null, 0, -0, 1.5, NaN, 'a"b', Symbol(), () => 1, 5n, -12345678901234567890n, { a: [1n, 'x', null], b: new String('s') }, [undefined, () => 1]];
            for (const v of values) {
              const want = JSON.stringify(v === undefined ? null : v, tag) ?? 'null';
              if (encode(v) !== want) throw new Error('encode ' + String(want));
              if (JSON.stringify(decode(want), tag) !== JSON.stringify(JSON.parse(want, untag), tag)) throw new Error('decode ' + want);
            }
          }`,
          'test.js',
        ),
      );
      const encode = vm.getProp(bridge, 0);
      const decode = vm.getProp(bridge, 1);
      vm.unwrapResult(vm.callFunction(f, vm.undefined, encode, decode)).dispose();
      [f, encode, decode].forEach((h) => h.dispose());
    });
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import type { TxResult } from '../../../src/codec/results.js';
import { formatAddress } from '../../../src/crypto/address.js';
import { contractAddress } from '../../../src/app/contracts/layout.js';
import { TxCode } from '../../../src/app/errors.js';
import { appHarness, type AppHarness } from '../../support/app-harness.js';
import { callTx, COUNTER_METHODS, deployTx } from '../../support/contract-txs.js';
import { addressOf, testKey } from '../../support/nodes.js';

const alice = testKey(0);
const bob = testKey(1);
const ALICE = addressOf(alice);
const BOB = addressOf(bob);

const COUNTER = `${COUNTER_METHODS}export function pay(to, amount) { transfer(to, amount); return ctx.value; }
export function list(prefix) { return db.range('items', prefix, 10); }
export function store(k, v) { db.put('items', k, v); }
export function drop(k) { db.del('items', k); }
export function callOther(address, method, args) { return call(address, method, args); }
export function spin() { for (;;) {} }
export function throwNumber() { throw 42; }
`;

function attr(result: TxResult, type: string, key: string): string | undefined {
  return result.events.find((e) => e.type === type)?.attributes.find((a) => a.key === key)?.value;
}

describe('contracts in the application', () => {
  let h: AppHarness;
  let nonce = 0;
  const next = (): number => nonce++;
  beforeEach(async () => {
    h = await appHarness(2);
    nonce = 0;
  });
  afterEach(async () => h.close());

  async function deployCounter(): Promise<Uint8Array> {
    const n = next();
    const res = await h.runBlock([deployTx(alice, n, COUNTER, { initArgs: [5n], value: 3n * ONE_CMT })]);
    const result = res.txResults[0] as TxResult;
    expect(result.log).toBe('');
    expect(result.code).toBe(TxCode.OK);
    const address = contractAddress(ALICE, n);
    expect(attr(result, 'contract_deployed', 'contract')).toBe(formatAddress(address));
    return address;
  }

  it('deploys at an address from the deployer and nonce, runs init, calls with events, moves value', async () => {
    const c = await deployCounter();
    expect(h.balance(c)).toBe(3n * ONE_CMT);
    const res = await h.runBlock([callTx(alice, next(), c, 'add', [10n]), callTx(bob, 0, c, 'add', [1n])]);
    expect(res.txResults.map((r) => r.code)).toEqual([0, 0]);
    expect(attr(res.txResults[1] as TxResult, 'contract_call', 'result')).toBe('{"$bigint":"16"}');
    expect(attr(res.txResults[1] as TxResult, 'contract', 'event')).toBe('added');
    expect(JSON.parse(attr(res.txResults[1] as TxResult, 'contract', 'data') as string)).toMatchObject({ by: formatAddress(BOB), next: { $bigint: '16' } });
    const before = h.balance(BOB);
    const pay = await h.runBlock([callTx(alice, next(), c, 'pay', [formatAddress(BOB), ONE_CMT], { value: 2n })]);
    expect(pay.txResults[0]?.code).toBe(0);
    expect(h.balance(BOB)).toBe(before + ONE_CMT);
    expect(h.balance(c)).toBe(2n * ONE_CMT + 2n);
  });

  it('lists a table in key order by prefix, with deletes and writes of the same block', async () => {
    const c = await deployCounter();
    await h.runBlock(['b2', 'a1', 'b1', 'c1'].map((k) => callTx(alice, next(), c, 'store', [k, k.toUpperCase()])));
    const res = await h.runBlock([callTx(alice, next(), c, 'drop', ['b2']), callTx(alice, next(), c, 'store', ['b0', 'B0']), callTx(alice, next(), c, 'list', ['b'])]);
    expect(attr(res.txResults[2] as TxResult, 'contract_call', 'result')).toBe('[["b0","B0"],["b1","B1"]]');
  });

  it('fails bad calls with a clear error, charges their gas and keeps none of their writes', async () => {
    const c = await deployCounter();
    const res = await h.runBlock([
      callTx(alice, next(), c, 'nope'),
      callTx(alice, next(), c, 'add', ['ten']),
      callTx(alice, next(), c, 'throwNumber'),
      callTx(alice, next(), c, 'spin', [], { gasLimit: 2_000_000 }),
      callTx(alice, next(), c, 'callOther', [formatAddress(c), 'count', []]),
      callTx(alice, next(), new Uint8Array(20).fill(9), 'count'),
      callTx(alice, next(), c, 'pay', [formatAddress(BOB), 1000n * ONE_CMT]),
    ]);
    const [unknown, badArg, thrown, spin, reentrant, missing, overdraw] = res.txResults as TxResult[];
    expect(unknown?.log).toContain('has no method "nope"');
    expect(badArg?.log).toContain('TypeError: n must be a BigInt');
    expect(thrown?.log).toContain('thrown: 42');
    expect(spin?.code).toBe(TxCode.OUT_OF_GAS);
    expect(spin?.gasUsed).toBe(2_000_000);
    expect(reentrant?.log).toContain('reentrant call');
    expect(missing?.code).toBe(TxCode.CONTRACT_NOT_FOUND);
    expect(overdraw?.log).toContain("contract's balance cannot cover");
    for (const r of [unknown, badArg, thrown, reentrant, overdraw]) {
      expect(r?.code).toBe(TxCode.CONTRACT_FAILED);
      expect(r?.gasUsed).toBeGreaterThan(0);
    }
    const count = await h.runBlock([callTx(alice, next(), c, 'count')]);
    expect(attr(count.txResults[0] as TxResult, 'contract_call', 'result')).toBe('{"$bigint":"5"}');
  });

  it('ends resource exhaustion as a failed transaction that charges gas, keeps no writes, and the chain goes on', async () => {
    const bombs = `
export function mark() { db.put('m', 'x', 1); }
export function memory() { db.put('m', 'y', 1); const a = []; for (;;) a.push(new Array(10000).fill(7)); }
export function recurse() { db.put('m', 'y', 1); const f = (n) => f(n + 1) + 1; return f(0); }
export function hugeEvent() { db.put('m', 'y', 1); emit('big', 'x'.repeat(5000)); }
export function hugeWrite() { db.put('m', 'y', 'x'.repeat(70000)); }
export function escape() { db.put('m', 'y', 1); return [typeof process.env, typeof require, typeof globalThis.Date, (function () {}).constructor('return typeof process.exit')()]; }
export function pollute() { Object.prototype.polluted = 1; db.put('m', 'y', 1); }
export function y() { return [db.get('m', 'y') ?? null, ({}).polluted ?? null]; }`;
    const n = next();
    const d = contractAddress(ALICE, n);
    await h.runBlock([deployTx(alice, n, bombs), callTx(alice, next(), d, 'mark')]);
    const res = await h.runBlock(['memory', 'recurse', 'hugeEvent', 'hugeWrite'].map((m) => callTx(alice, next(), d, m, [], { gasLimit: 20_000_000 })));
    const logs = res.txResults.map((r) => r.log);
    expect(logs[0]).toMatch(/out of memory|out of gas|ran out of resources/);
    expect(logs[1]).toMatch(/stack overflow|too much recursion|out of gas/i);
    expect(logs[2]).toContain('event data above 4096 bytes');
    expect(logs[3]).toContain('the value is 70002 bytes, the limit is 65536');
    for (const r of res.txResults) {
      expect(r.code === TxCode.CONTRACT_FAILED || r.code === TxCode.OUT_OF_GAS).toBe(true);
      expect(r.gasUsed).toBeGreaterThan(20_000);
    }
    const after = await h.runBlock([callTx(alice, next(), d, 'escape'), callTx(alice, next(), d, 'pollute'), callTx(alice, next(), d, 'y')]);
    expect(after.txResults.map((r) => r.code)).toEqual([0, 0, 0]);
    expect(attr(after.txResults[0] as TxResult, 'contract_call', 'result')).toBe('["undefined","undefined","undefined","undefined"]');
    // The write of the successful pollute call is there; its prototype change died with its runtime.
    expect(attr(after.txResults[2] as TxResult, 'contract_call', 'result')).toBe('[1,null]');
    const before = await h.runBlock([callTx(alice, next(), d, 'memory', [], { gasLimit: 3_000_000 }), callTx(alice, next(), d, 'y')]);
    expect(before.txResults[0]?.code).not.toBe(0);
  });

  it('calls another contract, which sees the caller as sender', async () => {
    const c = await deployCounter();
    const d = await deployCounter();
    const res = await h.runBlock([callTx(alice, next(), d, 'callOther', [formatAddress(c), 'add', [{ $bigint: '7' }]])]);
    expect(res.txResults[0]?.log).toBe('');
    const event = res.txResults[0]?.events.find((e) => e.type === 'contract');
    expect(event?.attributes.find((a) => a.key === 'contract')?.value).toBe(formatAddress(c));
    expect(JSON.parse(event?.attributes.find((a) => a.key === 'data')?.value as string).by).toBe(formatAddress(d));
  });

  it('rejects bundles that do not load or export nothing', async () => {
    const res = await h.runBlock([deployTx(alice, next(), 'export function f( {'), deployTx(alice, next(), 'const x = 1;'), deployTx(alice, next(), 'export function f() {}', { initArgs: [1] })]);
    const [syntax, empty, noInit] = res.txResults as TxResult[];
    expect(syntax?.code).toBe(TxCode.CONTRACT_INVALID);
    expect(syntax?.log).toContain('SyntaxError');
    expect(empty?.log).toContain('exports no functions');
    expect(noInit?.log).toContain('exports no init');
  });
});

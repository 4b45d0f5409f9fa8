/**
 * Whatever strings a contract returns, throws, reverts with, emits or exports, its transaction
 * gets a receipt the results codec stores exactly as the app made it (issue 13, item 1): every
 * string is bounded in UTF-8 bytes and well-formed where it is made, so the block can always be
 * stored. A return value over the receipt's limit is a failed call with its own code.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TxCode } from '../../src/app/errors.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { TxResult } from '../../src/codec/results.js';
import { decode, encode } from '../../src/codec/schema.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';
import { textUnit, utf8Bytes } from '../support/unicode-text.js';
import { attr } from '../examples/helpers.js';

const key = testKey(0);
const GAS = 50_000_000;

/** Methods that hand the host a string of the test's choosing: UTF-16 code units repeated n times. */
const CONTRACT = `
const build = (units, n) => String.fromCharCode(...units).repeat(n);
export function ret(units, n) { return build(units, n); }
export function retObject(units, n) { return { [build(units, 1)]: build(units, n) }; }
export function throwError(units, n) { throw new Error(build(units, n)); }
export function throwString(units, n) { throw build(units, n); }
export function rev(units, n) { revert(build(units, n)); }
export function emitIt(nameUnits, units, n) { emit(String.fromCharCode(...nameUnits), build(units, n)); }
export function emitMany(units, n, count) { for (let i = 0; i < count; i++) emit('e', build(units, n)); }
export function nested(units, n) { return call(ctx.contract + build(units, n), 'x', []); }
`;

/** Code units of a string: how the test hands a contract any UTF-16, lone surrogates included. */
const codeUnits = (text: string): number[] => Array.from({ length: text.length }, (_, i) => text.charCodeAt(i));

const piece = fc.string({ unit: textUnit, minLength: 1, maxLength: 4 }).map(codeUnits);
const repeat = fc.oneof(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1000, max: 20_000 }));
const call = fc.oneof(
  fc.record({ method: fc.constantFrom('ret', 'retObject', 'throwError', 'throwString', 'rev', 'nested'), args: fc.tuple(piece, repeat) }),
  fc.record({ method: fc.constant('emitIt'), args: fc.tuple(piece, piece, repeat) }),
  fc.record({ method: fc.constant('emitMany'), args: fc.tuple(piece, fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 300 })) }),
);

/** What the codec stores is what the app made: nothing was left to cut at the last line. */
function expectStoredAsMade(result: TxResult): void {
  expect(decode(TxResult, encode(TxResult, result))).toEqual(result);
}

describe('receipts of contracts that return, throw and emit any strings', () => {
  let h: AppHarness;
  let nonce = 0;
  let contract: Uint8Array;
  beforeAll(async () => {
    h = await appHarness(1, 10_000_000n * 10n ** 18n);
    const [deployed] = (await h.runBlock([deployTx(key, nonce++, CONTRACT, { gasLimit: GAS })])).txResults;
    expect(deployed?.code, deployed?.log).toBe(TxCode.OK);
    contract = contractAddress(addressOf(key), 0);
  });
  afterAll(async () => {
    await h.close();
  });

  it('are stored exactly as the app made them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 3 }), async (calls) => {
        const txs = calls.map(({ method, args }) => callTx(key, nonce++, contract, method, args, { gasLimit: GAS }));
        const { txResults } = await h.runBlock(txs);
        txResults.forEach((result, i) => {
          expectStoredAsMade(result);
          const { method, args } = calls[i] as { method: string; args: unknown[] };
          if (method === 'ret' && result.code !== TxCode.OUT_OF_GAS) {
            const json = JSON.stringify(String.fromCharCode(...(args[0] as number[])).repeat(args[1] as number));
            // Over the limit is a clear failure with its own code; within it, the whole result.
            expect(result.code, result.log).toBe(utf8Bytes(json) > 4096 ? TxCode.CONTRACT_RESULT_TOO_LARGE : TxCode.OK);
          }
        });
      }),
      { numRuns: 40 },
    );
  });

  it("say why a result over the receipt's limit failed", async () => {
    const { txResults } = await h.runBlock([callTx(key, nonce++, contract, 'ret', [codeUnits('€'), 4000], { gasLimit: GAS })]);
    const [result] = txResults;
    expect(result?.code).toBe(TxCode.CONTRACT_RESULT_TOO_LARGE);
    expect(result?.log).toMatch(/12002 bytes.*4096/);
    expectStoredAsMade(result as TxResult);
  });

  it('keep a result just within the limit whole', async () => {
    // 1364 × 3 bytes + 2 quotes = 4094 bytes of JSON.
    const { txResults } = await h.runBlock([callTx(key, nonce++, contract, 'ret', [codeUnits('€'), 1364], { gasLimit: GAS })]);
    const [result] = txResults;
    expect(result?.code, result?.log).toBe(TxCode.OK);
    expect(attr(result as TxResult, 'contract_call', 'result')).toBe(JSON.stringify('€'.repeat(1364)));
  });

  it('list the methods of a contract with long export names within the limit', async () => {
    const names = Array.from({ length: 8 }, (_, i) => `m${i}${'中'.repeat(400)}`);
    const code = names.map((n) => `export function ${n}() { return 1; }`).join('\n');
    const { txResults } = await h.runBlock([deployTx(key, nonce++, code, { gasLimit: GAS })]);
    const [result] = txResults;
    expect(result?.code, result?.log).toBe(TxCode.OK);
    const methods = attr(result as TxResult, 'contract_deployed', 'methods') ?? '';
    expect(utf8Bytes(methods)).toBeLessThanOrEqual(4096);
    expect(methods.startsWith(names.slice(0, 3).join(','))).toBe(true);
    expectStoredAsMade(result as TxResult);
  });
});

/**
 * Host gas counts UTF-8 bytes and is paid before the work (issue 13, item 10): a character that
 * takes three bytes pays for three, and a db.range over big rows stops at the row the gas runs
 * out on instead of reading and decoding every row first.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ContractHost } from '../../src/app/contracts/contract-host.js';
import { hostCallGas } from '../../src/app/contracts/gas-schedule.js';
import { hostOperation, type HostMeter } from '../../src/contracts/host-ops.js';
import { ContractAbort, OutOfGas } from '../../src/contracts/sandbox-types.js';
import { Overlay } from '../../src/state/overlay.js';
import { StateStore } from '../../src/state/store.js';
import { hostileText, utf8Bytes } from '../support/unicode-text.js';

const CONTRACT = new Uint8Array(20).fill(0xc0);

/** A meter that adds up what the schedule charges and stops the call when `budget` is spent. */
class CountingMeter implements HostMeter {
  used = 0;
  constructor(private readonly budget = Number.MAX_SAFE_INTEGER) {}
  charge(what: string, bytes: number): void {
    this.chargeGas(hostCallGas(what, bytes));
  }
  chargeGas(amount: number): void {
    this.used += amount;
    if (this.used > this.budget) throw new OutOfGas();
  }
  gasLeft(): number {
    return Math.max(0, this.budget - this.used);
  }
  onAbort(): void {}
}

describe('host gas', () => {
  let store: StateStore;
  let state: Overlay;
  let host: ContractHost;
  beforeEach(async () => {
    store = await StateStore.openInMemory();
    state = new Overlay(store);
    host = new ContractHost({ state, height: 1, time: 0, tx: '', events: [], stack: [] }, CONTRACT);
  });
  afterEach(async () => {
    await store.close();
  });

  /** The host gas of one operation; a refusal after the charge still counts what was charged. */
  function gasOf(op: string, a: string, b: string, c: string): number {
    const meter = new CountingMeter();
    try {
      hostOperation({ host, meter }, op, a, b, c);
    } catch (err) {
      if (!(err instanceof ContractAbort)) throw err;
    }
    return meter.used;
  }

  it('is the same for any strings of the same UTF-8 length, whatever their characters', () => {
    // 't': the table name stays itself.
    const ascii = (text: string): string => 't'.repeat(utf8Bytes(text));
    fc.assert(
      fc.property(fc.constantFrom('put', 'get', 'del', 'emit', 'transfer', 'call', 'range'), hostileText(100), hostileText(2000), (op, key, value) => {
        // Keys over the key limit are refused after the charge; the charge is what is compared.
        const args: Record<string, [string, string, string]> = {
          put: ['t', key, value],
          get: ['t', key, ''],
          del: ['t', key, ''],
          emit: [key, value, ''],
          transfer: [key, '5', ''],
          call: [key, value, '[]'],
          range: ['t', key, '10'],
        };
        const [a, b, c] = args[op] as [string, string, string];
        // The rows a read charges for are stored with the same byte lengths in both worlds.
        state = new Overlay(store);
        host = new ContractHost({ state, height: 1, time: 0, tx: '', events: [], stack: [] }, CONTRACT);
        gasOf('put', 't', key, value);
        const gas = gasOf(op, a, b, c);
        state = new Overlay(store);
        host = new ContractHost({ state, height: 1, time: 0, tx: '', events: [], stack: [] }, CONTRACT);
        gasOf('put', 't', ascii(key), ascii(value));
        expect(gasOf(op, ascii(a), op === 'transfer' ? b : ascii(b), op === 'range' || op === 'call' ? c : ascii(c))).toBe(gas);
      }),
      { numRuns: 300 },
    );
  });

  it('charges three bytes for a three-byte character', () => {
    expect(gasOf('put', 't', 'k', JSON.stringify('€'.repeat(1000))) - gasOf('put', 't', 'k', JSON.stringify('e'.repeat(1000)))).toBe(2000 * hostCallGas('db.put', 1) - 2000 * hostCallGas('db.put', 0));
  });

  it('stops a range over big rows at the row the gas runs out on', () => {
    const rows = 40;
    const big = JSON.stringify('x'.repeat(60_000));
    for (let i = 0; i < rows; i++) host.dbPut('t', `row${String(i).padStart(3, '0')}`, big);
    const reads = vi.spyOn(state, 'get');
    // Enough for the call and about one row: 2 gas a byte of 60 KB is 120,000 a row.
    const meter = new CountingMeter(150_000);
    expect(() => hostOperation({ host, meter }, 'range', 't', '', '1000')).toThrow(OutOfGas);
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    // With the gas for every row, the same range reads them all and charges each.
    const rich = new CountingMeter();
    const answer = hostOperation({ host, meter: rich }, 'range', 't', '', '1000');
    expect((JSON.parse(answer ?? '[]') as unknown[]).length).toBe(rows);
    expect(rich.used).toBeGreaterThan(rows * 2 * 60_000);
  });
});

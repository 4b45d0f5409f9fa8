/**
 * A timer deposit is not locked in an ended instance: what is left goes back to the contract's
 * balance when the instance ends, and leaves the deposits pool the supply counts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TxResult } from '../../src/codec/results.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { readProcessDeposits } from '../../src/app/process/records.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

const TIMED = {
  code: `
export function open() { return process.start('offer', {}); }
export function fund(id, amount) { return process.deposit(id, amount); }
export function accept(id) { return process.signal(id, 'accept'); }`,
  files: {
    'offer.jpdl.xml': `<process-definition name="offer">
  <start-state name="s"><transition to="open"/></start-state>
  <state name="open"><timer duedate="100 blocks" transition="expire"/><transition name="accept" to="done"/><transition name="expire" to="done"/></state>
  <end-state name="done"/>
</process-definition>`,
  },
};

describe('the rest of a timer deposit', () => {
  let h: AppHarness;
  afterEach(async () => h?.close());

  it('the rest of an ended instance deposit goes back to the contract (or can be withdrawn)', async () => {
    h = await appHarness(1, 1_000_000n * 10n ** 18n);
    const key = testKey(0);
    const contract = contractAddress(addressOf(key), 0);
    let nonce = 0;
    await h.runBlock([deployTx(key, nonce++, TIMED.code, { files: TIMED.files, value: 10n ** 18n })]);
    h.addresses.set(formatAddress(contract), contract);
    const run = async (method: string, args: unknown[] = []): Promise<TxResult> => {
      const r = (await h.runBlock([callTx(key, nonce++, contract, method, args)])).txResults[0] as TxResult;
      expect(r.code, r.log).toBe(0);
      return r;
    };
    await run('open');
    const before = h.balance(contract);
    await run('fund', ['1', 10n ** 17n]);
    expect(h.balance(contract)).toBe(before - 10n ** 17n);
    await run('accept', ['1']); // ends before its timer ever fires: nothing was spent
    expect(h.totalHeld()).toBe(h.supply());
    expect(readProcessDeposits(h.store), 'CMT left in the deposits pool by an ended instance').toBe(0n);
    expect(h.balance(contract)).toBe(before);
  }, 60_000);
});

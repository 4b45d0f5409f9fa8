/**
 * examples/token through the real application: the bundle read from disk, transfers,
 * allowances, every refusal with its log, the Transfer/Approval events, holders() over
 * db.range, and 200 random operations checked against a model: balances always sum to the supply.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TxResult } from '../../src/codec/results.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { TxCode } from '../../src/app/errors.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { prng } from '../support/state-fixtures.js';
import { callResult, contractEvents, feeOf, Party, query, queryError, readBundle } from './helpers.js';

const TOKEN = readBundle('token');
const SUPPLY = 1_000_000n;
const ZERO = '0x0000000000000000000000000000000000000000';
/** An address no test key has: holds nothing until someone sends it tokens. */
const OUTSIDER = '0x' + 'ab'.repeat(20);

describe('examples/token', () => {
  let h: AppHarness;
  let alice: Party;
  let bob: Party;
  let carol: Party;
  let dave: Party;
  let token: Uint8Array;

  beforeEach(async () => {
    h = await appHarness(4);
    [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n, i) => new Party(n, i)) as [Party, Party, Party, Party];
    token = new Uint8Array(20);
  });
  afterEach(async () => h.close());

  async function one(tx: Uint8Array): Promise<TxResult> {
    return (await h.runBlock([tx])).txResults[0] as TxResult;
  }

  async function deploy(args: unknown[] = ['Mile Token', 'MILE', SUPPLY], value = 0n): Promise<TxResult> {
    token = contractAddress(alice.address, alice.nonce);
    return one(alice.deploy(TOKEN, { initArgs: args, value }));
  }

  async function deployOk(): Promise<TxResult> {
    const r = await deploy();
    expect(r.log).toBe('');
    expect(r.code).toBe(TxCode.OK);
    return r;
  }

  const balanceOf = (who: Party | string): bigint => query(h, token, 'balanceOf', [typeof who === 'string' ? who : who.hex]) as bigint;
  const allowance = (owner: Party, spender: Party): bigint => query(h, token, 'allowance', [owner.hex, spender.hex]) as bigint;
  const holders = (prefix = '', limit?: number): [string, bigint][] => query(h, token, 'holders', limit === undefined ? [prefix] : [prefix, limit]) as [string, bigint][];
  const event = (name: string, data: unknown): unknown => ({ contract: formatAddress(token), event: name, data });

  function expectOk(r: TxResult): void {
    expect(r.log).toBe('');
    expect(r.code).toBe(TxCode.OK);
    expect(callResult(r)).toBe(true);
  }

  /** A refused call: the exact reason, no events, nothing changed (balances, allowances and holders compared). */
  async function refused(from: Party, method: string, args: unknown[], reason: string, value = 0n): Promise<void> {
    const before = { holders: holders(), allowances: [alice, bob, carol, dave].flatMap((o) => [alice, bob, carol, dave].map((s) => allowance(o, s))) };
    const cmt = h.balance(from.address);
    const r = await one(from.call(token, method, args, { value }));
    expect(r.code).toBe(TxCode.CONTRACT_FAILED);
    expect(r.log).toBe(`${formatAddress(token)}.${method}: reverted: ${reason}`);
    expect(contractEvents(r)).toEqual([]);
    expect(h.balance(from.address)).toBe(cmt - feeOf(r));
    expect(h.balance(token)).toBe(0n);
    expect({ holders: holders(), allowances: [alice, bob, carol, dave].flatMap((o) => [alice, bob, carol, dave].map((s) => allowance(o, s))) }).toEqual(before);
  }

  it('ships its README as a bundle file', () => {
    expect(Object.keys(TOKEN.files)).toEqual(['README.md']);
    expect(TOKEN.files['README.md']).toContain('transferFrom(from, to, amount)');
  });

  it('mints the supply to the deployer at deploy', async () => {
    const r = await deployOk();
    expect(contractEvents(r)).toEqual([event('Transfer', { from: ZERO, to: alice.hex, amount: SUPPLY })]);
    expect(r.events.find((e) => e.type === 'contract_deployed')?.attributes.find((a) => a.key === 'methods')?.value).toBe(
      'allowance,approve,balanceOf,holders,info,init,totalSupply,transfer,transferFrom',
    );
    expect(query(h, token, 'info')).toEqual({ name: 'Mile Token', symbol: 'MILE', totalSupply: SUPPLY });
    expect(query(h, token, 'totalSupply')).toBe(SUPPLY);
    expect(balanceOf(alice)).toBe(SUPPLY);
    expect(balanceOf(bob)).toBe(0n);
    expect(balanceOf(alice.hex.toUpperCase().replace('0X', '0x'))).toBe(SUPPLY);
    expect(holders()).toEqual([[alice.hex, SUPPLY]]);
  });

  it('transfers, including to itself and to an address in upper case, with Transfer events', async () => {
    await deployOk();
    const sent = await one(alice.call(token, 'transfer', [bob.hex, 250n]));
    expectOk(sent);
    expect(contractEvents(sent)).toEqual([event('Transfer', { from: alice.hex, to: bob.hex, amount: 250n })]);
    expect([balanceOf(alice), balanceOf(bob)]).toEqual([SUPPLY - 250n, 250n]);

    const self = await one(bob.call(token, 'transfer', [bob.hex, 250n]));
    expectOk(self);
    expect(contractEvents(self)).toEqual([event('Transfer', { from: bob.hex, to: bob.hex, amount: 250n })]);
    expect(balanceOf(bob)).toBe(250n);

    const upper = await one(bob.call(token, 'transfer', [carol.hex.toUpperCase().replace('0X', '0x'), 250n]));
    expectOk(upper);
    expect(contractEvents(upper)).toEqual([event('Transfer', { from: bob.hex, to: carol.hex, amount: 250n })]);
    // Bob's balance is now zero: he is no longer listed as a holder.
    expect(balanceOf(bob)).toBe(0n);
    expect(holders()).toEqual([[alice.hex, SUPPLY - 250n], [carol.hex, 250n]].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });

  it('approves and moves tokens on the owner’s behalf within the allowance', async () => {
    await deployOk();
    await one(alice.call(token, 'transfer', [bob.hex, 1_000n]));
    const approved = await one(bob.call(token, 'approve', [carol.hex, 300n]));
    expectOk(approved);
    expect(contractEvents(approved)).toEqual([event('Approval', { owner: bob.hex, spender: carol.hex, amount: 300n })]);
    expect(allowance(bob, carol)).toBe(300n);
    expect(allowance(carol, bob)).toBe(0n);

    const moved = await one(carol.call(token, 'transferFrom', [bob.hex, dave.hex, 120n]));
    expectOk(moved);
    expect(contractEvents(moved)).toEqual([event('Transfer', { from: bob.hex, to: dave.hex, amount: 120n, spender: carol.hex })]);
    expect([balanceOf(bob), balanceOf(dave), balanceOf(carol), allowance(bob, carol)]).toEqual([880n, 120n, 0n, 180n]);

    // Using the whole rest of the allowance, to the spender itself.
    expectOk(await one(carol.call(token, 'transferFrom', [bob.hex, carol.hex, 180n])));
    expect([balanceOf(bob), balanceOf(carol), allowance(bob, carol)]).toEqual([700n, 180n, 0n]);
    await refused(carol, 'transferFrom', [bob.hex, carol.hex, 1n], `insufficient allowance: ${carol.hex} may move 0 of ${bob.hex}'s tokens, not 1`);

    // A new approval replaces the old one; 0n withdraws it.
    expectOk(await one(bob.call(token, 'approve', [carol.hex, 50n])));
    expectOk(await one(bob.call(token, 'approve', [carol.hex, 40n])));
    expect(allowance(bob, carol)).toBe(40n);
    const withdrawn = await one(bob.call(token, 'approve', [carol.hex, 0n]));
    expect(contractEvents(withdrawn)).toEqual([event('Approval', { owner: bob.hex, spender: carol.hex, amount: 0n })]);
    expect(allowance(bob, carol)).toBe(0n);

    // An owner moving its own tokens needs no allowance.
    const own = await one(bob.call(token, 'transferFrom', [bob.hex, alice.hex, 100n]));
    expectOk(own);
    expect(contractEvents(own)).toEqual([event('Transfer', { from: bob.hex, to: alice.hex, amount: 100n, spender: bob.hex })]);
    expect(balanceOf(bob)).toBe(600n);
  });

  it('refuses bad addresses, bad amounts and overdrafts with a clear reason', async () => {
    await deployOk();
    await one(alice.call(token, 'transfer', [bob.hex, 100n]));
    await one(bob.call(token, 'approve', [carol.hex, 500n]));
    const badAddress = (what: string): string => `${what} must be an address: 0x followed by 40 hex digits`;
    const badAmount = 'the amount must be a BigInt (for example "10n" in --args)';

    await refused(alice, 'transfer', ['0x1234', 1n], badAddress('the recipient'));
    await refused(alice, 'transfer', [bob.hex.slice(2), 1n], badAddress('the recipient'));
    await refused(alice, 'transfer', [bob.hex + '0', 1n], badAddress('the recipient'));
    await refused(alice, 'transfer', ['0x' + 'g'.repeat(40), 1n], badAddress('the recipient'));
    await refused(alice, 'transfer', [42, 1n], badAddress('the recipient'));
    await refused(alice, 'transfer', [bob.hex, 10], badAmount);
    await refused(alice, 'transfer', [bob.hex, '10'], badAmount);
    await refused(alice, 'transfer', [bob.hex], badAmount);
    await refused(alice, 'transfer', [bob.hex, 0n], 'the amount must be positive');
    await refused(alice, 'transfer', [bob.hex, -5n], 'the amount must be positive');
    await refused(bob, 'transfer', [carol.hex, 101n], `insufficient balance: ${bob.hex} has 100, needs 101`);
    await refused(dave, 'transfer', [carol.hex, 1n], `insufficient balance: ${dave.hex} has 0, needs 1`);
    await refused(bob, 'transfer', [bob.hex, 101n], `insufficient balance: ${bob.hex} has 100, needs 101`);
    await refused(alice, 'transfer', [bob.hex, 1n], 'the token does not accept CMT (sent 7)', 7n);

    await refused(bob, 'approve', ['0xnope', 1n], badAddress('the spender'));
    await refused(bob, 'approve', [carol.hex, -1n], 'the allowance must be a BigInt of 0 or more (for example "10n" in --args)');
    await refused(bob, 'approve', [carol.hex, 1], 'the allowance must be a BigInt of 0 or more (for example "10n" in --args)');
    await refused(bob, 'approve', [bob.hex.toUpperCase().replace('0X', '0x'), 1n], 'an owner cannot approve itself');

    await refused(carol, 'transferFrom', ['0x', dave.hex, 1n], badAddress('the owner'));
    await refused(carol, 'transferFrom', [bob.hex, null, 1n], badAddress('the recipient'));
    await refused(carol, 'transferFrom', [bob.hex, dave.hex, 0n], 'the amount must be positive');
    await refused(dave, 'transferFrom', [bob.hex, dave.hex, 1n], `insufficient allowance: ${dave.hex} may move 0 of ${bob.hex}'s tokens, not 1`);
    // Allowance enough, balance not: nothing moves and the allowance stays.
    await refused(carol, 'transferFrom', [bob.hex, dave.hex, 101n], `insufficient balance: ${bob.hex} has 100, needs 101`);
    expect(allowance(bob, carol)).toBe(500n);

    expect(queryError(h, token, 'balanceOf', ['0x12'])).toBe(`reverted: ${badAddress('the address')}`);
    expect(queryError(h, token, 'allowance', [bob.hex, 'carol'])).toBe(`reverted: ${badAddress('the spender')}`);
    expect(queryError(h, token, 'holders', ['0y'])).toBe('reverted: the prefix must be the start of an address ("", "0x", "0xab", ...)');
    expect(queryError(h, token, 'holders', ['0x', 0])).toBe('reverted: the limit must be a whole number from 1 to 1000');
    expect(queryError(h, token, 'holders', ['0x', 1001])).toBe('reverted: the limit must be a whole number from 1 to 1000');
    expect(queryError(h, token, 'holders', ['0x', 2.5])).toBe('reverted: the limit must be a whole number from 1 to 1000');
    expect(balanceOf(alice) + balanceOf(bob)).toBe(SUPPLY);
  });

  it('refuses bad init arguments: nothing is deployed', async () => {
    const cases: [unknown[], string][] = [
      [['', 'MILE', SUPPLY], 'the name must be a text of 1 to 64 characters'],
      [['n'.repeat(65), 'MILE', SUPPLY], 'the name must be a text of 1 to 64 characters'],
      [['Mile', 'S'.repeat(17), SUPPLY], 'the symbol must be a text of 1 to 16 characters'],
      [['Mile', 7, SUPPLY], 'the symbol must be a text of 1 to 16 characters'],
      [['Mile', 'MILE', 0n], 'the supply must be positive'],
      [['Mile', 'MILE', -1n], 'the supply must be positive'],
      [['Mile', 'MILE', 1000], 'the supply must be a BigInt (for example "10n" in --args)'],
      [['Mile', 'MILE'], 'the supply must be a BigInt (for example "10n" in --args)'],
    ];
    for (const [args, reason] of cases) {
      const r = await deploy(args);
      expect(r.code).toBe(TxCode.CONTRACT_FAILED);
      expect(r.log).toBe(`${formatAddress(token)}.init: reverted: ${reason}`);
      expect(queryError(h, token, 'totalSupply')).toBe(`no contract at ${formatAddress(token)}`);
    }
    const paid = await deploy(['Mile', 'MILE', SUPPLY], 5n);
    expect(paid.log).toBe(`${formatAddress(token)}.init: reverted: the token does not accept CMT (sent 5)`);
    expect(h.balance(token)).toBe(0n);
  });

  it('lists holders by address prefix, in address order, up to a limit', async () => {
    await deployOk();
    const recipients = [bob.hex, carol.hex, dave.hex, OUTSIDER];
    await h.runBlock(recipients.map((to, i) => alice.call(token, 'transfer', [to, BigInt(10 * (i + 1))])));
    const expected: [string, bigint][] = [
      [alice.hex, SUPPLY - 100n],
      [bob.hex, 10n],
      [carol.hex, 20n],
      [dave.hex, 30n],
      [OUTSIDER, 40n],
    ].sort((a, b) => ((a[0] as string) < (b[0] as string) ? -1 : 1)) as [string, bigint][];
    expect(holders()).toEqual(expected);
    expect(holders('0x')).toEqual(expected);
    expect(holders('0X')).toEqual(expected);
    expect(holders('', 2)).toEqual(expected.slice(0, 2));
    expect(query(h, token, 'holders', ['', 3n])).toEqual(expected.slice(0, 3));
    expect(holders(OUTSIDER.toUpperCase().replace('0X', '0x'))).toEqual([[OUTSIDER, 40n]]);
    expect(holders('0xab')).toEqual(expected.filter(([a]) => a.startsWith('0xab')));
    for (const [address] of expected) {
      const prefix = address.slice(0, 3);
      expect(holders(prefix)).toEqual(expected.filter(([a]) => a.startsWith(prefix)));
    }
    expect(holders(bob.hex)).toEqual([[bob.hex, 10n]]);
    // Allowances live in another table: they never show up as holders.
    await one(bob.call(token, 'approve', [carol.hex, 5n]));
    expect(holders()).toEqual(expected);
  });

  it('keeps the balances summing to the supply over 200 random operations, matching a model', async () => {
    await deployOk();
    const rand = prng(20_260_601);
    const parties = [alice, bob, carol, dave];
    const pick = (): Party => parties[Math.floor(rand() * parties.length)] as Party;
    const balances = new Map<string, bigint>([[alice.hex, SUPPLY]]);
    const allowances = new Map<string, bigint>();
    const bal = (a: string): bigint => balances.get(a) ?? 0n;
    const allow = (o: string, s: string): bigint => allowances.get(`${o}:${s}`) ?? 0n;
    // Amounts up to a bit over what the sender holds, so some operations overdraw; sometimes
    // exactly all of it, so balances and allowances drop to zero.
    const amount = (max: bigint): bigint => (max > 0n && rand() < 0.15 ? max : 1n + BigInt(Math.floor(rand() * Number(max + max / 4n + 2n))));
    let emptied = 0;
    const counts = { ok: 0, failed: 0, transfer: 0, approve: 0, transferFrom: 0 };

    for (let b = 0; b < 10; b++) {
      const txs: Uint8Array[] = [];
      const expectOkAt: boolean[] = [];
      for (let i = 0; i < 20; i++) {
        const from = pick();
        const to = rand() < 0.1 ? OUTSIDER : pick().hex;
        const r = rand();
        if (r < 0.5) {
          counts.transfer++;
          const value = amount(bal(from.hex));
          const ok = bal(from.hex) >= value;
          if (ok) {
            if (from.hex !== to && value === bal(from.hex)) emptied++;
            balances.set(from.hex, bal(from.hex) - value);
            balances.set(to, bal(to) + value);
          }
          txs.push(from.call(token, 'transfer', [to, value]));
          expectOkAt.push(ok);
        } else if (r < 0.7) {
          counts.approve++;
          const spender = pick();
          const value = rand() < 0.15 ? 0n : BigInt(Math.floor(rand() * 200_000));
          const ok = spender !== from;
          if (ok) allowances.set(`${from.hex}:${spender.hex}`, value);
          txs.push(from.call(token, 'approve', [spender.hex, value]));
          expectOkAt.push(ok);
        } else {
          counts.transferFrom++;
          const owner = pick();
          const value = amount(allow(owner.hex, from.hex));
          const ok = (owner === from || allow(owner.hex, from.hex) >= value) && bal(owner.hex) >= value;
          if (ok) {
            if (owner !== from) allowances.set(`${owner.hex}:${from.hex}`, allow(owner.hex, from.hex) - value);
            balances.set(owner.hex, bal(owner.hex) - value);
            balances.set(to, bal(to) + value);
          }
          txs.push(from.call(token, 'transferFrom', [owner.hex, to, value]));
          expectOkAt.push(ok);
        }
      }
      const res = await h.runBlock(txs);
      res.txResults.forEach((result, i) => {
        const ok = expectOkAt[i] as boolean;
        expect({ i, code: result.code, log: result.log }).toEqual({ i, code: ok ? TxCode.OK : TxCode.CONTRACT_FAILED, log: ok ? '' : expect.stringMatching(/reverted: insufficient (balance|allowance)|reverted: an owner cannot approve itself/) });
        counts[ok ? 'ok' : 'failed']++;
      });

      // After every block: the contract's own listing sums to the supply and matches the model.
      const listed = holders('', 1000);
      expect(listed.reduce((sum, [, v]) => sum + v, 0n)).toBe(SUPPLY);
      expect(listed.every(([, v]) => v > 0n)).toBe(true);
      const model = [...balances].filter(([, v]) => v > 0n).sort(([a], [b]) => (a < b ? -1 : 1));
      expect(listed).toEqual(model);
      for (const p of [...parties.map((x) => x.hex), OUTSIDER]) expect(balanceOf(p)).toBe(bal(p));
      for (const o of parties) for (const s of parties) expect(allowance(o, s)).toBe(allow(o.hex, s.hex));
    }
    expect(counts.transfer + counts.approve + counts.transferFrom).toBe(200);
    // The sequence exercises both outcomes of every operation kind.
    expect(counts.ok).toBeGreaterThan(50);
    expect(counts.failed).toBeGreaterThan(20);
    expect(emptied).toBeGreaterThan(0);
    expect(query(h, token, 'totalSupply')).toBe(SUPPLY);
  });
});

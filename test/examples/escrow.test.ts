/**
 * examples/escrow through the real application: deploys the bundle read from disk, then checks
 * every transition, every refusal (with the receipt's log), the events, and the CMT balances of
 * buyer, seller, arbiter, a stranger and the contract after every transaction, fees included.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import type { TxResult } from '../../src/codec/results.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { TxCode } from '../../src/app/errors.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { transfer } from '../support/nodes.js';
import { callResult, contractEvents, feeOf, Party, query, queryError, readBundle, type Bundle } from './helpers.js';

const CMT = ONE_CMT;
const ESCROW = readBundle('escrow');

type Name = 'buyer' | 'seller' | 'arbiter' | 'stranger' | 'contract';
const NAMES: Name[] = ['buyer', 'seller', 'arbiter', 'stranger', 'contract'];

interface Status {
  buyer: string;
  seller: string;
  arbiter: string;
  feeBps: number;
  amount: bigint;
  state: string;
  createdAt: number;
  disputedBy: string | null;
  reason: string | null;
  payout: { seller: bigint; buyer: bigint; arbiter: bigint } | null;
}

describe('examples/escrow', () => {
  let h: AppHarness;
  let buyer: Party;
  let seller: Party;
  let arbiter: Party;
  let stranger: Party;
  let parties: Party[];
  /** The escrow under test (set by deploy). */
  let escrow: Uint8Array;
  /** Balances after the last step. */
  let books: Record<Name, bigint>;

  const address = (name: Name): Uint8Array => (name === 'contract' ? escrow : (parties.find((p) => p.name === name) as Party).address);
  const balances = (): Record<Name, bigint> => Object.fromEntries(NAMES.map((n) => [n, h.balance(address(n))])) as Record<Name, bigint>;

  beforeEach(async () => {
    h = await appHarness(4);
    buyer = new Party('buyer', 0);
    seller = new Party('seller', 1);
    arbiter = new Party('arbiter', 2);
    stranger = new Party('stranger', 3);
    parties = [buyer, seller, arbiter, stranger];
    escrow = new Uint8Array(20);
    books = balances();
  });
  afterEach(async () => h.close());

  /**
   * Runs one block of `txs` ([sender, tx]) and checks every balance: what it was, plus `deltas`
   * (in base units), minus the fee each sender paid. The supply stays whole.
   */
  async function block(txs: [Party, Uint8Array][], deltas: Partial<Record<Name, bigint>> = {}): Promise<TxResult[]> {
    const res = await h.runBlock(txs.map(([, tx]) => tx));
    const results = res.txResults as TxResult[];
    const expected = { ...books };
    for (const n of NAMES) expected[n] += deltas[n] ?? 0n;
    results.forEach((r, i) => {
      const sender = (txs[i] as [Party, Uint8Array])[0].name as Name;
      expect(feeOf(r)).toBeGreaterThan(0n);
      expected[sender] -= feeOf(r);
    });
    books = balances();
    expect(books).toEqual(expected);
    expect(h.totalHeld()).toBe(h.supply());
    return results;
  }

  async function step(from: Party, tx: Uint8Array, deltas: Partial<Record<Name, bigint>> = {}): Promise<TxResult> {
    return (await block([[from, tx]], deltas))[0] as TxResult;
  }

  /** Deploys the escrow from the buyer; checks it worked unless `fails`. */
  async function deploy(initArgs: unknown[], value = 0n, bundle: Bundle = ESCROW): Promise<TxResult> {
    escrow = contractAddress(buyer.address, buyer.nonce);
    h.addresses.set(formatAddress(escrow), escrow);
    books.contract = h.balance(escrow);
    return step(buyer, buyer.deploy(bundle, { initArgs, value }), { buyer: -value, contract: value });
  }

  async function deployOk(initArgs: unknown[], value = 0n): Promise<TxResult> {
    const r = await deploy(initArgs, value);
    expect(r.log).toBe('');
    expect(r.code).toBe(TxCode.OK);
    return r;
  }

  const status = (): Status => query(h, escrow, 'status') as Status;

  function expectOk(r: TxResult): void {
    expect(r.log).toBe('');
    expect(r.code).toBe(TxCode.OK);
  }

  /** A refused call: CONTRACT_FAILED with the reason in the log, no events, only the fee paid (block() checked that). */
  function expectRevert(r: TxResult, method: string, reason: string): void {
    expect(r.code).toBe(TxCode.CONTRACT_FAILED);
    expect(r.log).toBe(`${formatAddress(escrow)}.${method}: reverted: ${reason}`);
    expect(contractEvents(r)).toEqual([]);
    expect(r.events.map((e) => e.type)).toEqual(['tx']);
  }

  async function refused(from: Party, method: string, args: unknown[], reason: string, value = 0n): Promise<void> {
    const before = status();
    const r = await step(from, from.call(escrow, method, args, { value }));
    expectRevert(r, method, reason);
    expect(status()).toEqual(before);
  }

  const standardArgs = (feeBps: unknown = 100): unknown[] => [seller.hex, arbiter.hex, feeBps];

  it('ships its README as a bundle file', () => {
    expect(Object.keys(ESCROW.files)).toEqual(['README.md']);
    expect(ESCROW.files['README.md']).toContain('resolve(toSellerAmount)');
  });

  it('deploys funded by the deploy value, and the buyer releases the funds to the seller exactly once', async () => {
    const deployed = await deployOk(standardArgs(), 10n * CMT);
    expect(h.balance(escrow)).toBe(10n * CMT);
    expect(contractEvents(deployed)).toEqual([
      { contract: formatAddress(escrow), event: 'Created', data: { buyer: buyer.hex, seller: seller.hex, arbiter: arbiter.hex, feeBps: 100 } },
      { contract: formatAddress(escrow), event: 'Deposited', data: { from: buyer.hex, amount: 10n * CMT, total: 10n * CMT } },
    ]);
    const deployedEvent = deployed.events.find((e) => e.type === 'contract_deployed');
    expect(deployedEvent?.attributes.find((a) => a.key === 'methods')?.value).toBe('confirmDelivery,deposit,dispute,init,refund,resolve,status');
    expect(status()).toEqual({
      buyer: buyer.hex,
      seller: seller.hex,
      arbiter: arbiter.hex,
      feeBps: 100,
      amount: 10n * CMT,
      state: 'funded',
      createdAt: 1,
      disputedBy: null,
      reason: null,
      payout: null,
    });

    const released = await step(buyer, buyer.call(escrow, 'confirmDelivery'), { seller: 10n * CMT, contract: -10n * CMT });
    expectOk(released);
    expect(callResult(released)).toBe(10n * CMT);
    expect(contractEvents(released)).toEqual([{ contract: formatAddress(escrow), event: 'Released', data: { to: seller.hex, amount: 10n * CMT } }]);
    expect(books.contract).toBe(0n);
    expect(status()).toMatchObject({ state: 'released', amount: 10n * CMT, payout: { seller: 10n * CMT, buyer: 0n, arbiter: 0n } });

    // Released is final: nothing pays again, nothing reopens it.
    await refused(buyer, 'confirmDelivery', [], 'cannot confirm delivery: the escrow is released');
    await refused(seller, 'refund', [], 'cannot refund: the escrow is released');
    await refused(seller, 'dispute', ['too late'], 'cannot open a dispute: the escrow is released');
    await refused(arbiter, 'resolve', [0n], 'cannot resolve: the escrow is released');
    await refused(buyer, 'deposit', [], 'cannot deposit: the escrow is released', CMT);
    expect(books.contract).toBe(0n);
  });

  it('waits for a deposit, takes top-ups from the buyer only, and the seller refunds the buyer', async () => {
    const deployed = await deployOk([seller.hex, arbiter.hex]);
    expect(contractEvents(deployed).map((e) => e.event)).toEqual(['Created']);
    expect(status()).toMatchObject({ state: 'awaiting_deposit', amount: 0n, feeBps: 0 });

    await refused(buyer, 'confirmDelivery', [], 'cannot confirm delivery: the escrow is awaiting_deposit');
    await refused(seller, 'refund', [], 'cannot refund: the escrow is awaiting_deposit');
    await refused(buyer, 'dispute', ['nothing yet'], 'cannot open a dispute: the escrow is awaiting_deposit');
    await refused(buyer, 'deposit', [], 'deposit needs CMT sent with the call (--value)');
    await refused(stranger, 'deposit', [], 'only the buyer can deposit', 4n * CMT);
    await refused(seller, 'deposit', [], 'only the buyer can deposit', 4n * CMT);

    const first = await step(buyer, buyer.call(escrow, 'deposit', [], { value: 4n * CMT }), { buyer: -4n * CMT, contract: 4n * CMT });
    expectOk(first);
    expect(callResult(first)).toBe(4n * CMT);
    expect(contractEvents(first)).toEqual([{ contract: formatAddress(escrow), event: 'Deposited', data: { from: buyer.hex, amount: 4n * CMT, total: 4n * CMT } }]);
    const second = await step(buyer, buyer.call(escrow, 'deposit', [], { value: 6n * CMT }), { buyer: -6n * CMT, contract: 6n * CMT });
    expect(contractEvents(second)[0]?.data).toEqual({ from: buyer.hex, amount: 6n * CMT, total: 10n * CMT });
    expect(status()).toMatchObject({ state: 'funded', amount: 10n * CMT });

    await refused(buyer, 'refund', [], 'only the seller can refund');
    await refused(arbiter, 'refund', [], 'only the seller can refund');
    await refused(seller, 'confirmDelivery', [], 'only the buyer can confirm delivery');
    await refused(stranger, 'confirmDelivery', [], 'only the buyer can confirm delivery');
    await refused(seller, 'refund', [], 'refund does not accept CMT (sent 1)', 1n);
    await refused(arbiter, 'resolve', [5n * CMT], 'cannot resolve: the escrow is funded');

    const refunded = await step(seller, seller.call(escrow, 'refund'), { buyer: 10n * CMT, contract: -10n * CMT });
    expectOk(refunded);
    expect(callResult(refunded)).toBe(10n * CMT);
    expect(contractEvents(refunded)).toEqual([{ contract: formatAddress(escrow), event: 'Refunded', data: { to: buyer.hex, amount: 10n * CMT } }]);
    expect(status()).toMatchObject({ state: 'refunded', payout: { seller: 0n, buyer: 10n * CMT, arbiter: 0n } });

    await refused(seller, 'refund', [], 'cannot refund: the escrow is refunded');
    await refused(buyer, 'confirmDelivery', [], 'cannot confirm delivery: the escrow is refunded');
    await refused(buyer, 'deposit', [], 'cannot deposit: the escrow is refunded', CMT);
  });

  it('opens a dispute and lets only the arbiter split the funds, with its fee', async () => {
    await deployOk(standardArgs(250), 10n * CMT);

    await refused(stranger, 'dispute', ['I want in'], 'only the buyer or the seller can open a dispute');
    await refused(arbiter, 'dispute', ['me too'], 'only the buyer or the seller can open a dispute');
    await refused(buyer, 'dispute', [''], 'the reason must be a text of 1 to 280 characters');
    await refused(buyer, 'dispute', ['x'.repeat(281)], 'the reason must be a text of 1 to 280 characters');
    await refused(buyer, 'dispute', [42], 'the reason must be a text of 1 to 280 characters');
    await refused(buyer, 'dispute', ['with money'], 'dispute does not accept CMT (sent 5)', 5n);
    await refused(arbiter, 'resolve', [CMT], 'cannot resolve: the escrow is funded');

    const disputed = await step(seller, seller.call(escrow, 'dispute', ['paid in a foreign currency']));
    expectOk(disputed);
    expect(contractEvents(disputed)).toEqual([{ contract: formatAddress(escrow), event: 'Disputed', data: { by: seller.hex, reason: 'paid in a foreign currency' } }]);
    expect(status()).toMatchObject({ state: 'disputed', disputedBy: seller.hex, reason: 'paid in a foreign currency', amount: 10n * CMT });

    await refused(buyer, 'dispute', ['again'], 'cannot open a dispute: the escrow is disputed');
    await refused(buyer, 'deposit', [], 'cannot deposit: the escrow is disputed', CMT);
    await refused(buyer, 'resolve', [0n], 'only the arbiter can resolve a dispute');
    await refused(seller, 'resolve', [10n * CMT], 'only the arbiter can resolve a dispute');
    await refused(stranger, 'resolve', [0n], 'only the arbiter can resolve a dispute');
    // The fee is 2.5% of 10 CMT = 0.25 CMT: at most 9.75 CMT is left to split.
    await refused(arbiter, 'resolve', [975n * CMT / 100n + 1n], 'the amount for the seller must be between 0 and 9750000000000000000 (the funds after the arbiter fee)');
    await refused(arbiter, 'resolve', [-1n], 'the amount for the seller must be between 0 and 9750000000000000000 (the funds after the arbiter fee)');
    await refused(arbiter, 'resolve', [4], 'the amount for the seller must be a BigInt of base units (for example "5000000000000000000n" in --args)');
    await refused(arbiter, 'resolve', ['4000000000000000000'], 'the amount for the seller must be a BigInt of base units (for example "5000000000000000000n" in --args)');
    await refused(arbiter, 'resolve', [4n * CMT], 'resolve does not accept CMT (sent 1000000000000000000)', CMT);

    const fee = CMT / 4n;
    const toBuyer = 10n * CMT - fee - 4n * CMT;
    const resolved = await step(arbiter, arbiter.call(escrow, 'resolve', [4n * CMT]), { arbiter: fee, seller: 4n * CMT, buyer: toBuyer, contract: -10n * CMT });
    expectOk(resolved);
    expect(callResult(resolved)).toEqual({ seller: 4n * CMT, buyer: toBuyer, arbiter: fee });
    expect(contractEvents(resolved)).toEqual([{ contract: formatAddress(escrow), event: 'Resolved', data: { toSeller: 4n * CMT, toBuyer, fee } }]);
    expect(books.contract).toBe(0n);
    expect(status()).toMatchObject({ state: 'resolved', payout: { seller: 4n * CMT, buyer: toBuyer, arbiter: fee } });

    await refused(arbiter, 'resolve', [0n], 'cannot resolve: the escrow is resolved');
    await refused(buyer, 'confirmDelivery', [], 'cannot confirm delivery: the escrow is resolved');
    await refused(seller, 'refund', [], 'cannot refund: the escrow is resolved');
    await refused(seller, 'dispute', ['one more'], 'cannot open a dispute: the escrow is resolved');
  });

  it('resolves at the edges: everything to the seller with no fee, everything to the arbiter at 10000 bps, a fee rounded down', async () => {
    await deployOk(standardArgs(0), 3n * CMT);
    await step(buyer, buyer.call(escrow, 'dispute', ['late']));
    const allToSeller = await step(arbiter, arbiter.call(escrow, 'resolve', [3n * CMT]), { seller: 3n * CMT, contract: -3n * CMT });
    expect(contractEvents(allToSeller)[0]?.data).toEqual({ toSeller: 3n * CMT, toBuyer: 0n, fee: 0n });

    await deployOk(standardArgs(10_000n), 2n * CMT);
    await step(seller, seller.call(escrow, 'dispute', ['both wrong']));
    await refused(arbiter, 'resolve', [1n], 'the amount for the seller must be between 0 and 0 (the funds after the arbiter fee)');
    const allToArbiter = await step(arbiter, arbiter.call(escrow, 'resolve', [0n]), { arbiter: 2n * CMT, contract: -2n * CMT });
    expect(callResult(allToArbiter)).toEqual({ seller: 0n, buyer: 0n, arbiter: 2n * CMT });

    // 1 bps of 12345 base units is 1.2345: the arbiter gets 1, nothing is lost.
    await deployOk(standardArgs(1), 12_345n);
    await step(buyer, buyer.call(escrow, 'dispute', ['dust']));
    const dust = await step(arbiter, arbiter.call(escrow, 'resolve', [10_000n]), { arbiter: 1n, seller: 10_000n, buyer: 2_344n, contract: -12_345n });
    expect(callResult(dust)).toEqual({ seller: 10_000n, buyer: 2_344n, arbiter: 1n });
  });

  it('ends a dispute when a party concedes: the seller refunds, or the buyer confirms; no fee', async () => {
    await deployOk(standardArgs(500), 8n * CMT);
    await step(buyer, buyer.call(escrow, 'dispute', ['broken on arrival']));
    const conceded = await step(seller, seller.call(escrow, 'refund'), { buyer: 8n * CMT, contract: -8n * CMT });
    expect(contractEvents(conceded).map((e) => e.event)).toEqual(['Refunded']);
    expect(status()).toMatchObject({ state: 'refunded', disputedBy: buyer.hex, payout: { seller: 0n, buyer: 8n * CMT, arbiter: 0n } });
    await refused(arbiter, 'resolve', [0n], 'cannot resolve: the escrow is refunded');

    await deployOk(standardArgs(500), 8n * CMT);
    await step(seller, seller.call(escrow, 'dispute', ['buyer claims non-delivery falsely']));
    const confirmed = await step(buyer, buyer.call(escrow, 'confirmDelivery'), { seller: 8n * CMT, contract: -8n * CMT });
    expect(contractEvents(confirmed).map((e) => e.event)).toEqual(['Released']);
    await refused(arbiter, 'resolve', [8n * CMT], 'cannot resolve: the escrow is released');
  });

  it('pays once when competing payouts land in the same block', async () => {
    await deployOk(standardArgs(100), 5n * CMT);
    const [release, refund] = await block(
      [
        [buyer, buyer.call(escrow, 'confirmDelivery')],
        [seller, seller.call(escrow, 'refund')],
      ],
      { seller: 5n * CMT, contract: -5n * CMT },
    );
    expectOk(release as TxResult);
    expectRevert(refund as TxResult, 'refund', 'cannot refund: the escrow is released');

    await deployOk(standardArgs(100), 5n * CMT);
    await step(buyer, buyer.call(escrow, 'dispute', ['x']));
    const fee = 5n * CMT / 100n;
    const results = await block(
      [
        [arbiter, arbiter.call(escrow, 'resolve', [CMT])],
        [buyer, buyer.call(escrow, 'confirmDelivery')],
        [seller, seller.call(escrow, 'refund')],
        [arbiter, arbiter.call(escrow, 'resolve', [2n * CMT])],
      ],
      { arbiter: fee, seller: CMT, buyer: 4n * CMT - fee, contract: -5n * CMT },
    );
    expect(results.map((r) => r.code)).toEqual([TxCode.OK, TxCode.CONTRACT_FAILED, TxCode.CONTRACT_FAILED, TxCode.CONTRACT_FAILED]);
    expect(results[3]?.log).toContain('reverted: cannot resolve: the escrow is resolved');
  });

  it('refuses bad init arguments: the deploy fails and the buyer keeps the value', async () => {
    const cases: [unknown[], string][] = [
      [['0x1234', arbiter.hex], 'the seller must be an address: 0x followed by 40 hex digits'],
      [[seller.hex.slice(2), arbiter.hex], 'the seller must be an address: 0x followed by 40 hex digits'],
      [[seller.hex, 42], 'the arbiter must be an address: 0x followed by 40 hex digits'],
      [[buyer.hex, arbiter.hex], 'the seller cannot be the buyer (the deployer)'],
      [[seller.hex, seller.hex.toUpperCase().replace('0X', '0x')], 'the arbiter must be neither the buyer nor the seller'],
      [[seller.hex, buyer.hex], 'the arbiter must be neither the buyer nor the seller'],
      [[seller.hex, arbiter.hex, 10_001], 'the arbiter fee must be between 0 and 10000 basis points'],
      [[seller.hex, arbiter.hex, -1n], 'the arbiter fee must be between 0 and 10000 basis points'],
      [[seller.hex, arbiter.hex, 1.5], 'the arbiter fee must be a whole number of basis points (0 to 10000)'],
      [[seller.hex, arbiter.hex, '100'], 'the arbiter fee must be a whole number of basis points (0 to 10000)'],
    ];
    for (const [args, reason] of cases) {
      const address = contractAddress(buyer.address, buyer.nonce);
      escrow = address;
      h.addresses.set(formatAddress(escrow), escrow);
      books.contract = 0n;
      const r = await step(buyer, buyer.deploy(ESCROW, { initArgs: args, value: 7n * CMT }));
      expect(r.code).toBe(TxCode.CONTRACT_FAILED);
      expect(r.log).toBe(`${formatAddress(address)}.init: reverted: ${reason}`);
      expect(h.balance(address)).toBe(0n);
      expect(queryError(h, address, 'status')).toBe(`no contract at ${formatAddress(address)}`);
    }
  });

  it('takes addresses in any letter case and pays out only what it recorded', async () => {
    await deployOk([seller.hex.toUpperCase().replace('0X', '0x'), arbiter.hex.toUpperCase().replace('0X', '0x'), 100n], 2n * CMT);
    expect(status()).toMatchObject({ seller: seller.hex, arbiter: arbiter.hex, feeBps: 100 });
    // CMT sent to the contract's address outside the escrow is not part of the deal.
    await step(stranger, transfer(stranger.key, { nonce: stranger.next(), to: escrow, amount: CMT }), { stranger: -CMT, contract: CMT });
    expect(status().amount).toBe(2n * CMT);
    await step(buyer, buyer.call(escrow, 'confirmDelivery'), { seller: 2n * CMT, contract: -2n * CMT });
    expect(books.contract).toBe(CMT);
  });

  it('answers status as a free query and refuses calls it does not have', async () => {
    await deployOk(standardArgs(), CMT);
    expect(status().state).toBe('funded');
    const unknown = await step(stranger, stranger.call(escrow, 'withdraw'));
    expect(unknown.code).toBe(TxCode.CONTRACT_FAILED);
    expect(unknown.log).toContain('has no method "withdraw"');
    await refused(stranger, 'status', [], 'status does not accept CMT (sent 3)', 3n);
  });
});

/**
 * Processes in contracts on the real application (spec/processes.md, "In contracts"): the
 * design's purchase process deployed with examples/purchase, each party signing its own steps,
 * the branches in any order, the history with every step's block and transaction; a refused
 * signal changes nothing; timers fire at the start of the block they are due in, paid from the
 * instance's deposit, and an instance whose deposit runs out is suspended, then resumed by a
 * deposit; the supply is kept throughout.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TxResult } from '../../src/codec/results.js';
import { sha256 } from '../../src/codec/hash.js';
import { formatAddress } from '../../src/crypto/address.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

const PURCHASE = {
  code: readFileSync(new URL('../../examples/purchase/contract.js', import.meta.url), 'utf8'),
  files: { 'purchase.jpdl.xml': readFileSync(new URL('../../examples/purchase/purchase.jpdl.xml', import.meta.url), 'utf8') },
};

const buyer = testKey(0);
const seller = testKey(1);
const warehouse = testKey(2);
const hex = (k: typeof buyer): string => formatAddress(addressOf(k));

/** Each key's next nonce, counted from 0. */
function nonceCounter(): (k: typeof buyer) => number {
  const nonces = new Map<string, number>();
  return (k) => {
    const n = nonces.get(hex(k)) ?? 0;
    nonces.set(hex(k), n + 1);
    return n;
  };
}

function resultOf(r: TxResult): unknown {
  expect(r.code, r.log).toBe(0);
  const value = r.events.find((e) => e.type === 'contract_call')?.attributes.find((a) => a.key === 'result')?.value;
  return value === undefined ? undefined : JSON.parse(value);
}

describe('processes in contracts', () => {
  let h: AppHarness;
  afterEach(async () => h?.close());

  it('runs the purchase process: each party signs its own steps, the branches in any order, every step in the history', async () => {
    h = await appHarness(3);
    const next = nonceCounter();
    const contract = contractAddress(addressOf(buyer), 0);
    const deployed = await h.runBlock([deployTx(buyer, next(buyer), PURCHASE.code, { files: PURCHASE.files })]);
    expect(deployed.txResults[0]?.code, deployed.txResults[0]?.log).toBe(0);
    const call = async (k: typeof buyer, method: string, args: unknown[]): Promise<{ result: TxResult; hash: string; height: number }> => {
      const tx = callTx(k, next(k), contract, method, args);
      const res = await h.runBlock([tx]);
      return { result: res.txResults[0] as TxResult, hash: Buffer.from(sha256(tx)).toString('hex').toUpperCase(), height: h.height };
    };
    const requested = await call(buyer, 'request', [hex(seller), hex(warehouse), 'bike', 300]);
    expect(resultOf(requested.result)).toBe('1');
    // The warehouse cannot approve, and nobody can take a branch before the approval: nothing changes.
    const wrong = await call(warehouse, 'approve', ['1']);
    expect(wrong.result.code).not.toBe(0);
    expect(wrong.result.log).toContain('only the seller');
    const early = await call(warehouse, 'decrementInventory', ['1']);
    expect(early.result.log).toContain('no waiting token of instance 1 can take "decrement inventory"; tokens wait at "evaluate" (approve, disapprove)');
    const approved = await call(seller, 'approve', ['1']);
    expect((resultOf(approved.result) as { tokens: { name: string }[] }).tokens.map((t) => t.name).sort()).toEqual(['credit seller', 'decrement inventory', 'deduct from buyer']);
    const last = await call(buyer, 'deductFromBuyer', ['1']);
    const credited = await call(seller, 'creditSeller', ['1']);
    const done = await call(warehouse, 'decrementInventory', ['1']);
    expect(resultOf(done.result)).toMatchObject({ status: 'ended', tokens: [], steps: 8, vars: { buyer: hex(buyer), item: 'bike', 'seller at': credited.height, 'warehouse at': done.height } });
    const history = resultOf((await call(buyer, 'history', ['1'])).result) as { seq: number; height: number; tx: string; from: string; to: string; by: string }[];
    expect(history.map((s) => `${s.from}>${s.to}:${s.by}`)).toEqual([
      'request a purchase>evaluate:start',
      'evaluate>approved:signal',
      'approved>decrement inventory:flow',
      'approved>credit seller:flow',
      'approved>deduct from buyer:flow',
      'deduct from buyer>done:signal',
      'credit seller>done:signal',
      'decrement inventory>done:signal',
    ]);
    expect(history[0]?.tx).toBe(requested.hash);
    expect(history[5]?.tx).toBe(last.hash);
    expect(history[1]?.tx).toBe(approved.hash);
    expect(new Set(history.map((s) => s.height)).size).toBe(5);
    expect(h.totalHeld()).toBe(h.supply());
  });

  it('refuses at deploy a definition that does not check, a decision whose rule file is not in the bundle, or two processes of one name, naming the element', async () => {
    h = await appHarness(1);
    const broken = PURCHASE.files['purchase.jpdl.xml'].replace('<transition to="evaluate"/>', '<transition to="evaluat"/>');
    const res = await h.runBlock([
      deployTx(buyer, 0, PURCHASE.code, { files: { 'purchase.jpdl.xml': broken } }),
      deployTx(buyer, 1, PURCHASE.code, { files: { 'p.jpdl.xml': '<process-definition name="p"><start-state name="s"><transition to="d"/></start-state><decision name="d" rules="gone.drl"><transition name="x" to="e"/></decision><end-state name="e"/></process-definition>' } }),
    ]);
    expect(res.txResults[0]?.log).toContain('purchase.jpdl.xml: request a purchase: a transition to "evaluat", which is not in the process');
    expect(res.txResults[1]?.log).toContain('p.jpdl.xml: d: its rule file gone.drl is not in the bundle');
    const twice = await h.runBlock([deployTx(buyer, 2, PURCHASE.code, { files: { ...PURCHASE.files, 'again.jpdl.xml': PURCHASE.files['purchase.jpdl.xml'] } })]);
    expect(twice.txResults[0]?.log).toMatch(/purchase process: a process of this name is in (again|purchase).jpdl.xml too/);
  });

  it('runs the BPMN purchase (examples/purchase-bpmn): the seller completes "evaluate" with its decision, the gateway routes on it, the join ends it', async () => {
    h = await appHarness(3);
    const bundle = {
      code: readFileSync(new URL('../../examples/purchase-bpmn/contract.js', import.meta.url), 'utf8'),
      files: { 'purchase.bpmn': readFileSync(new URL('../../examples/purchase-bpmn/purchase.bpmn', import.meta.url), 'utf8') },
    };
    const next = nonceCounter();
    const contract = contractAddress(addressOf(buyer), 0);
    await h.runBlock([deployTx(buyer, next(buyer), bundle.code, { files: bundle.files })]);
    const call = async (k: typeof buyer, method: string, args: unknown[]): Promise<TxResult> => (await h.runBlock([callTx(k, next(k), contract, method, args)])).txResults[0] as TxResult;
    expect(resultOf(await call(buyer, 'request', [hex(seller), hex(warehouse), 'bike', 300]))).toBe('1');
    expect(resultOf(await call(buyer, 'request', [hex(seller), hex(warehouse), 'car', 9000]))).toBe('2');
    expect((await call(buyer, 'evaluate', ['1', true])).log).toContain('only the seller may complete "evaluate"');
    const approved = resultOf(await call(seller, 'evaluate', ['1', true])) as { tokens: { name: string }[] };
    expect(approved.tokens.map((t) => t.name).sort()).toEqual(['credit seller', 'decrement inventory', 'deduct from buyer']);
    expect(resultOf(await call(seller, 'evaluate', ['2', false]))).toMatchObject({ status: 'ended', tokens: [] });
    await call(seller, 'creditSeller', ['1']);
    await call(buyer, 'deductFromBuyer', ['1']);
    expect(resultOf(await call(warehouse, 'decrementInventory', ['1']))).toMatchObject({ status: 'ended', steps: 10 });
    expect(h.totalHeld()).toBe(h.supply());
  });

  it('refuses variables nested deeper than 32 levels, on every thread alike (the host copies them recursively)', async () => {
    h = await appHarness(1);
    const code = `
export function open(depth) { let v = 1; for (let i = 0; i < depth; i++) v = { v }; return process.start('offer', { v }); }`;
    await h.runBlock([deployTx(buyer, 0, code, { files: TIMED.files })]);
    const contract = contractAddress(addressOf(buyer), 0);
    const res = await h.runBlock([callTx(buyer, 1, contract, 'open', [30]), callTx(buyer, 2, contract, 'open', [100])]);
    expect(res.txResults[0]?.code, res.txResults[0]?.log).toBe(0);
    expect(res.txResults[1]?.log).toContain('process: the variables is nested more than 32 levels deep');
  });

  const TIMED = {
    code: `
export function open() { return process.start('offer', {}); }
export function fund(id, amount) { return process.deposit(id, amount); }
export function accept(id) { return process.signal(id, 'accept'); }
export function state(id) { return process.state(id); }`,
    files: {
      'offer.jpdl.xml': `<process-definition name="offer">
  <start-state name="s"><transition to="open"/></start-state>
  <state name="open"><timer duedate="3 blocks" transition="expire"/><transition name="accept" to="done"/><transition name="expire" to="expired"/></state>
  <state name="expired"><transition name="close" to="done"/></state>
  <end-state name="done"/>
</process-definition>`,
    },
  };

  it('fires a timer at the start of the block it is due in, paid from the deposit; without a deposit it suspends, and a deposit resumes it', async () => {
    h = await appHarness(1, 1_000_000n * 10n ** 18n);
    let nonce = 0;
    const contract = contractAddress(addressOf(buyer), 0);
    await h.runBlock([deployTx(buyer, nonce++, TIMED.code, { files: TIMED.files, value: 10n ** 18n })]);
    h.addresses.set(formatAddress(contract), contract); // its balance counts toward the supply
    const run = async (method: string, args: unknown[] = []): Promise<TxResult> => (await h.runBlock([callTx(buyer, nonce++, contract, method, args)])).txResults[0] as TxResult;
    // A query reads the state without a block going by.
    const state = (id: string): { status: string; tokens: { name: string }[]; deposit: string } => {
      const out = h.app.queryContract(contract, 'state', JSON.stringify([id]));
      if (!out.ok) throw new Error(out.error);
      return JSON.parse(out.resultJson) as { status: string; tokens: { name: string }[]; deposit: string };
    };
    // Instance 1 is funded, instance 2 is not; both arm a timer for 3 blocks after their start.
    expect(resultOf(await run('open'))).toBe('1');
    const at = h.height;
    expect(resultOf(await run('fund', ['1', 10n ** 16n]))).toMatchObject({ deposit: String(10n ** 16n) });
    expect(resultOf(await run('open'))).toBe('2');
    expect(h.totalHeld()).toBe(h.supply());
    expect(h.height).toBe(at + 2);
    expect(state('1')).toMatchObject({ status: 'active', tokens: [{ name: 'open' }] });
    // Block at+3 starts with instance 1's timer, before its transactions.
    const due = await h.runBlock([]);
    const fired = due.events.filter((e) => e.type === 'process_timer').map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])));
    expect(fired).toMatchObject([{ contract: formatAddress(contract), instance: '1', status: 'active', steps: '1' }]);
    const one = state('1');
    expect(one.tokens.map((t) => t.name)).toEqual(['expired']);
    expect(BigInt(one.deposit)).toBeLessThan(10n ** 16n);
    expect(BigInt(one.deposit)).toBe(10n ** 16n - BigInt(fired[0]?.fee ?? 0));
    expect(h.totalHeld()).toBe(h.supply());
    // Instance 2's timer (started at at+2) comes due at at+5 with nothing to pay it: suspended, its token still waits.
    await h.runBlock([]);
    const unpaid = await h.runBlock([]);
    expect(h.height).toBe(at + 5);
    expect(unpaid.events.filter((e) => e.type === 'process_timer').map((e) => e.attributes.find((a) => a.key === 'status')?.value)).toEqual(['suspended']);
    expect(state('2')).toMatchObject({ status: 'suspended', tokens: [{ name: 'open' }] });
    const refused = await run('accept', ['2']);
    expect(refused.log).toContain('suspended');
    // A deposit resumes it; its timer, past due, fires at the start of the next block.
    expect(resultOf(await run('fund', ['2', 10n ** 16n]))).toMatchObject({ status: 'active' });
    await h.runBlock([]);
    expect(state('2').tokens.map((t) => t.name)).toEqual(['expired']);
    expect(h.totalHeld()).toBe(h.supply());
  });
});

/**
 * The parallel executor against the sequential reference: random blocks of transfers and
 * contract calls (some running business rules, some rules that never stop, some starting and
 * signalling processes whose timers the blocks fire) over a few hot keys, from no conflicts to all conflicting, executed by both;
 * every block's app hash and every result (code, log, gas, events) must be the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../../src/codec/amount.js';
import { encode } from '../../../src/codec/schema.js';
import { TxResult } from '../../../src/codec/results.js';
import type { KeyPair } from '../../../src/crypto/ed25519.js';
import { formatAddress } from '../../../src/crypto/address.js';
import { contractAddress } from '../../../src/app/contracts/layout.js';
import { ParallelExecutor } from '../../../src/app/executor/parallel-executor.js';
import { appHarness, type AppHarness } from '../../support/app-harness.js';
import { callTx, deployTx } from '../../support/contract-txs.js';
import { addressOf, testKey, transfer } from '../../support/nodes.js';
import { prng } from '../../support/state-fixtures.js';

const SENDERS = 24;
const HOT_KEYS = ['h0', 'h1', 'h2'];

const CONTRACT = `
export function bump(key, n) {
  let s = 0;
  for (let i = 0; i < 300; i++) s = (s * 31 + i) % 1000003;
  const v = db.get('t', key) ?? 0n;
  db.put('t', key, v + n);
  emit('bumped', { key, to: v + n });
  return v + n;
}
export function list(prefix) { return db.range('t', prefix, 5); }
export function pay(to) { transfer(to, 1n); }
export function fail() { throw new Error('no'); }
export function drop(key) { db.del('t', key); }
export function rate(key, score) {
  const s = rules.session('rate.drl');
  const id = s.insert('Loan', { score, base: 100 });
  s.fire();
  const r = s.get(id).rate ?? null;
  db.put('t', key, r);
  return r;
}
export function spin() { const s = rules.session('spin.drl'); s.insert('C', { n: 0 }); return s.fire(); }
export function begin(amount) {
  const id = process.start('deal', { amount });
  process.deposit(id, 1000000000000000n);
  return id;
}
export function step(id, target) { return process.signal(id, target, { at: ctx.block.height }).status; }
`;

/** Rules run by the contract in the workers as on the main thread: their results and gas must agree too. */
const RULE_FILES = {
  'rate.drl': `rule "good" salience 5 when l : Loan(score > 700) then modify(l) { rate = l.base * 0.9 } end
rule "bad" when l : Loan(score <= 700) then modify(l) { rate = l.base * 1.25 } end
rule "count" when accumulate(Loan(); n : count()) then emit("loans", n) end`,
  'spin.drl': 'rule "up" when c : C(n >= 0) then modify(c) { n = c.n + 1 } end',
  // A process with a guard, a fork and its join, and a timer the blocks fire (both executors' state must agree on it too).
  'deal.jpdl.xml': `<process-definition name="deal">
  <start-state name="s"><transition to="size"/></start-state>
  <decision name="size"><transition name="big" to="review"><condition>amount > 700</condition></transition><transition name="small" to="split"/></decision>
  <state name="review"><timer duedate="2 blocks" transition="lapse"/><transition name="ok" to="split"/><transition name="lapse" to="end"/></state>
  <fork name="split"><transition to="a"/><transition to="b"/></fork>
  <state name="a"><transition name="ka" to="j"/></state>
  <state name="b"><transition name="kb" to="j"/></state>
  <join name="j"><transition to="end"/></join>
  <end-state name="end"/>
</process-definition>`,
};

interface Chain {
  h: AppHarness;
  label: string;
}

function resultBytes(results: readonly TxResult[]): string {
  return results.map((r) => Buffer.from(encode(TxResult, r)).toString('hex')).join(',');
}

describe('the parallel executor gives the sequential executor\'s bytes', () => {
  const chains: Chain[] = [];
  const keys: KeyPair[] = Array.from({ length: SENDERS }, (_, i) => testKey(i));
  const nonces = new Array<number>(SENDERS).fill(0);
  let contract: Uint8Array;

  beforeAll(async () => {
    chains.push({ h: await appHarness(SENDERS, 1_000_000n * ONE_CMT), label: 'sequential' });
    for (const threads of [1, 2, 4, 8]) {
      // Two of them as a node runs them (the workers share this process's compiled engine and
      // warm up on the first contract transaction); the other two stay cold throughout.
      const warm = threads === 2 || threads === 4;
      const h = await appHarness(SENDERS, 1_000_000n * ONE_CMT, undefined, { executor: (dir) => new ParallelExecutor(dir, { threads, minParallelCalls: 2, warmUpOnFirstContract: warm }) });
      chains.push({ h, label: `${threads} workers` });
    }
    const deploy = deployTx(keys[0] as KeyPair, 0, CONTRACT, { value: 1000n * ONE_CMT, files: RULE_FILES });
    nonces[0] = 1;
    contract = contractAddress(addressOf(keys[0] as KeyPair), 0);
    const executors = chains.slice(1).map((c) => (c.h.app as unknown as { executor: ParallelExecutor }).executor);
    expect(executors.map((e) => e.warmUpStarted)).toEqual([false, false, false, false]);
    await runEverywhere([deploy]);
    // The deploy is the first contract transaction: the executors asked to warm up did so then.
    expect(executors.map((e) => e.warmUpStarted)).toEqual([false, true, true, false]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(chains.map((c) => c.h.close()));
  });

  async function runEverywhere(txs: Uint8Array[]): Promise<TxResult[]> {
    const answers = await Promise.all(chains.map((c) => c.h.runBlock(txs)));
    const [reference, ...others] = answers;
    others.forEach((answer, i) => {
      const label = chains[i + 1]?.label;
      expect(Buffer.from(answer.appHash).toString('hex'), label).toBe(Buffer.from(reference?.appHash as Uint8Array).toString('hex'));
      expect(resultBytes(answer.txResults), label).toBe(resultBytes(reference?.txResults ?? []));
    });
    return reference?.txResults ?? [];
  }

  let processCalls = 0;

  function randomBlock(rand: () => number, size: number, conflictRate: number): Uint8Array[] {
    const txs: Uint8Array[] = [];
    let unique = 0;
    for (let t = 0; t < size; t++) {
      const s = Math.floor(rand() * SENDERS);
      const key = keys[s] as KeyPair;
      const hot = rand() < conflictRate;
      const kind = rand();
      // A wrong nonce now and then: a failed check, charged nothing, in the middle of a batch.
      const next = nonces[s] as number;
      const nonce = rand() < 0.03 ? next + 5 : next;
      if (nonce === next) nonces[s] = next + 1;
      const hotKey = HOT_KEYS[Math.floor(rand() * HOT_KEYS.length)] as string;
      if (kind < 0.3) {
        const to = hot ? addressOf(keys[Math.floor(rand() * 3)] as KeyPair) : new Uint8Array(20).fill(0).map((_, i) => (i === 0 ? 0xaa : (unique + t * 7 + i) & 0xff));
        txs.push(transfer(key, { nonce, to, amount: 1n + BigInt(Math.floor(rand() * 1000)) }));
      } else if (kind < 0.75) {
        txs.push(callTx(key, nonce, contract, 'bump', [hot ? hotKey : `k${s}-${t}-${unique++}`, { $bigint: String(1 + Math.floor(rand() * 9)) }], { gasLimit: 3_000_000 }));
      } else if (kind < 0.79) {
        txs.push(callTx(key, nonce, contract, 'rate', [hot ? hotKey : `r${s}-${t}-${unique++}`, 600 + Math.floor(rand() * 200)], { gasLimit: 3_000_000 }));
      } else if (kind < 0.83) {
        // Processes: new instances, and signals to the first few (many refused: the same refusals everywhere).
        const signal = processCalls++ % 3 !== 0;
        const args = signal ? [String(1 + Math.floor(rand() * 6)), ['ok', 'ka', 'kb'][Math.floor(rand() * 3)] as string] : [500 + Math.floor(rand() * 400)];
        txs.push(callTx(key, nonce, contract, signal ? 'step' : 'begin', args, { gasLimit: 3_000_000 }));
      } else if (kind < 0.85) {
        // A rule set that never stops: out of gas, the same gas everywhere.
        txs.push(callTx(key, nonce, contract, 'spin', [], { gasLimit: 400_000 }));
      } else if (kind < 0.9) {
        txs.push(callTx(key, nonce, contract, 'list', [hot ? 'h' : 'k'], { gasLimit: 3_000_000 }));
      } else if (kind < 0.94) {
        txs.push(callTx(key, nonce, contract, 'pay', [formatAddress(hot ? addressOf(keys[0] as KeyPair) : addressOf(key))], { gasLimit: 3_000_000 }));
      } else if (kind < 0.97) {
        txs.push(callTx(key, nonce, contract, rand() < 0.5 ? 'fail' : 'drop', [hotKey], { gasLimit: 3_000_000 }));
      } else {
        // Out of gas half-way through the loop.
        txs.push(callTx(key, nonce, contract, 'bump', [hotKey, { $bigint: '1' }], { gasLimit: 45_000 }));
      }
    }
    return txs;
  }

  it('agrees on large blocks, whose first tenth probes for hot rows before the rest is batched', async () => {
    const rand = prng(4242);
    const all: TxResult[] = [];
    for (let b = 0; b < 2; b++) {
      const results = await runEverywhere(randomBlock(rand, 300, 0.5));
      expect(results.filter((r) => r.code === 0).length).toBeGreaterThan(150);
      // The rules ran (their event is in receipts) and the never-ending ones ran out of gas.
      expect(results.some((r) => r.events.some((e) => e.attributes.some((a) => a.key === 'event' && a.value === 'loans')))).toBe(true);
      expect(results.some((r) => r.code !== 0 && /out of gas in .*\.spin/.test(r.log))).toBe(true);
      all.push(...results);
    }
    // Processes started and moved, and some signals were refused (the same everywhere).
    const called = (method: string) => all.filter((r) => r.events.some((e) => e.type === 'contract_call' && e.attributes.some((a) => a.key === 'method' && a.value === method)));
    expect(called('begin').length).toBeGreaterThan(0);
    expect(called('step').length).toBeGreaterThan(0);
    expect(all.some((r) => r.code !== 0 && r.log.includes('process: no waiting token'))).toBe(true);
    const stats = ((chains[2]?.h.app as unknown as { executor: ParallelExecutor }).executor).lastStats;
    expect(stats.batches).toBeGreaterThan(2);
  }, 120_000);

  for (const conflictRate of [0, 0.1, 0.5, 1]) {
    it(`agrees at ${conflictRate * 100}% conflicts`, async () => {
      const rand = prng(1000 + conflictRate * 100);
      const codes = new Set<number>();
      let reExecuted = 0;
      let committed = 0;
      for (let b = 0; b < 4; b++) {
        const results = await runEverywhere(randomBlock(rand, 60, conflictRate));
        for (const r of results) codes.add(r.code);
        for (const c of chains.slice(1)) {
          const stats = ((c.h.app as unknown as { executor: ParallelExecutor }).executor).lastStats;
          reExecuted += stats.reExecuted;
          committed += stats.committed;
        }
      }
      // Successes and several kinds of failure, and the speculative path really taken.
      expect(codes.has(0)).toBe(true);
      expect(codes.size).toBeGreaterThanOrEqual(3);
      expect(committed).toBeGreaterThan(0);
      if (conflictRate > 0) expect(reExecuted).toBeGreaterThan(0);
    }, 120_000);
  }
});

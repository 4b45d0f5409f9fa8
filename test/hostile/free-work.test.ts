/**
 * Free work (spec/hostile-input.md, "Free work"): CheckTx runs no contract code, a failing
 * call in a block pays for the gas it used, and queries and gas estimates are capped, run off
 * the consensus thread and admitted per client and per batch.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { to0x } from '../../src/codec/bytes.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { parseAddress } from '../../src/crypto/address.js';
import { ContractSandbox } from '../../src/contracts/sandbox.js';
import { TxCode } from '../../src/app/errors.js';
import { DEFAULT_CONFIG } from '../../src/node/config.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, makeTestHome, MIN_GAS_PRICE, startTestNode, testKey, type RunningTestNode, type TestHome } from '../support/nodes.js';

const SPIN_CONTRACT = `
export function spin() { for (;;) {} }
export function fails(why) { throw new Error('refused: ' + why); }
export function ok() { return 1; }
`;
const METHODS = ['spin', 'fails', 'ok', 'missing'] as const;

function deployedContract(events: { type: string; attributes: { key: string; value: string }[] }[]): string {
  const found = events.find((e) => e.type === 'contract_deployed')?.attributes.find((a) => a.key === 'contract')?.value;
  if (!found) throw new Error(`no contract deployed: ${JSON.stringify(events)}`);
  return found;
}

describe('CheckTx and blocks', () => {
  let h: AppHarness;
  let contract: Uint8Array;
  const key = testKey(0);
  const sender = addressOf(key);

  beforeAll(async () => {
    h = await appHarness(2);
    const res = await h.runBlock([deployTx(key, 0, SPIN_CONTRACT)]);
    contract = parseAddress(deployedContract(res.txResults[0]?.events ?? []));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await h?.close();
  });

  it('CheckTx of any contract call runs no contract code and accepts what the sender can pay for', () => {
    const sandboxCalls = vi.spyOn(ContractSandbox.prototype, 'call');
    let nonce = h.nonce(sender);
    fc.assert(
      fc.property(fc.constantFrom(...METHODS), fc.integer({ min: 100_000, max: 3_000_000 }), fc.bigInt({ min: 0n, max: 1_000n }), (method, gasLimit, value) => {
        const tx = callTx(key, nonce, contract, method, [], { gasLimit, value });
        const res = h.app.checkTx(tx, 'new');
        expect(res.code, res.log).toBe(TxCode.OK);
        expect(res.gasWanted).toBe(gasLimit);
        expect(sandboxCalls).not.toHaveBeenCalled();
        nonce++;
        expect(h.app.pendingNonce(sender)).toBe(nonce);
      }),
      { numRuns: 30 },
    );
    sandboxCalls.mockRestore();
  });

  it('CheckTx of an endless loop at the block gas limit answers at once', () => {
    const tx = callTx(key, h.app.pendingNonce(sender), contract, 'spin', [], { gasLimit: DEFAULT_CONSENSUS_PARAMS.blockMaxGas });
    const started = performance.now();
    expect(h.app.checkTx(tx, 'new').code).toBe(TxCode.OK);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('CheckTx refuses what the sender cannot pay: the maximum fee plus the value sent', () => {
    const poor = testKey(1);
    const balance = h.balance(addressOf(poor));
    const gasLimit = 1_000_000;
    const maxFee = BigInt(gasLimit) * MIN_GAS_PRICE;
    const tooMuch = callTx(poor, h.app.pendingNonce(addressOf(poor)), contract, 'ok', [], { gasLimit, value: balance - maxFee + 1n });
    expect(h.app.checkTx(tooMuch, 'new').code).toBe(TxCode.INSUFFICIENT_FUNDS);
    const exact = callTx(poor, h.app.pendingNonce(addressOf(poor)), contract, 'ok', [], { gasLimit, value: balance - maxFee });
    expect(h.app.checkTx(exact, 'new').code).toBe(TxCode.OK);
    // The check state holds what the first is reserved: nothing is left for another.
    const next = callTx(poor, h.app.pendingNonce(addressOf(poor)), contract, 'ok', [], { gasLimit });
    expect(h.app.checkTx(next, 'new').code).toBe(TxCode.INSUFFICIENT_FUNDS);
  });

  it('a call that CheckTx accepted and that fails in its block pays for the gas it used', async () => {
    await h.runBlock([]);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('spin', 'fails', 'missing'), fc.integer({ min: 60_000, max: 2_000_000 }), async (method, gasLimit) => {
        const nonce = h.nonce(sender);
        const tx = callTx(key, nonce, contract, method, [], { gasLimit });
        expect(h.app.checkTx(tx, 'new').code).toBe(TxCode.OK);
        const before = h.balance(sender);
        const res = await h.runBlock([tx]);
        const result = res.txResults[0];
        expect(result?.code).not.toBe(TxCode.OK);
        expect(result?.gasUsed).toBeGreaterThan(0);
        if (method === 'spin') expect(result?.gasUsed).toBe(gasLimit);
        const fee = BigInt(result?.gasUsed ?? 0) * MIN_GAS_PRICE;
        expect(h.balance(sender)).toBe(before - fee);
        expect(h.nonce(sender)).toBe(nonce + 1);
      }),
      { numRuns: 8 },
    );
  });
});

interface Answer {
  status: number;
  body: unknown;
}
interface RpcErrorBody {
  error?: { code: number; message: string; data?: string };
  result?: Record<string, unknown>;
}

describe('queries and estimates over RPC', () => {
  let home: TestHome;
  let running: RunningTestNode;
  let contract: string;
  const key = testKey(0);
  // The fallback only lets this file show, against a node without these limits, how it fails.
  const limits = (DEFAULT_CONFIG as Partial<typeof DEFAULT_CONFIG>).query ?? { gasLimit: 10_000_000, maxPerBatch: 8, maxPerClient: 4 };

  async function post(body: unknown): Promise<Answer> {
    const res = await fetch(running.rpc.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: await res.json() };
  }
  const request = (method: string, params: Record<string, unknown>, id: number = 1) => ({ jsonrpc: '2.0', id, method, params });

  beforeAll(async () => {
    home = await makeTestHome(2);
    running = await startTestNode(home.home);
    const res = await running.client.call<{ tx_result: { code: number; events: { type: string; attributes: { key: string; value: string }[] }[] } }>('broadcast_tx_commit', {
      tx: to0x(deployTx(key, 0, SPIN_CONTRACT)),
    });
    contract = deployedContract(res.tx_result.events);
  });
  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  it('a query that loops for ever is a client error: out of gas at the query gas limit', async () => {
    expect(limits.gasLimit).toBeGreaterThan(0);
    expect(limits.gasLimit).toBeLessThan(DEFAULT_CONSENSUS_PARAMS.blockMaxGas / 10);
    const posted = await post(request('contract_query', { address: contract, method: 'spin' }));
    const error = (posted.body as RpcErrorBody).error;
    expect(error?.code).not.toBe(-32603);
    expect(error?.data).toContain('out of gas');
    expect(error?.data).toContain(String(limits.gasLimit));
    const got = await fetch(`${running.rpc.url}/contract_query?address=${contract}&method=spin`);
    expect(got.status).toBeGreaterThanOrEqual(400);
    expect(got.status).toBeLessThan(500);
  });

  it('an estimate runs with the query gas limit, not the block gas limit', async () => {
    const cap = Math.min(limits.gasLimit, DEFAULT_CONSENSUS_PARAMS.blockMaxGas);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: cap, max: DEFAULT_CONSENSUS_PARAMS.blockMaxGas }), async (gasLimit) => {
        const tx = callTx(key, 1, parseAddress(contract), 'spin', [], { gasLimit });
        const answer = await running.client.call<{ gas_used: string; code: number; log: string }>('estimate_gas', { tx: to0x(tx) });
        expect(answer.code).toBe(TxCode.OUT_OF_GAS);
        expect(Number(answer.gas_used)).toBe(cap);
      }),
      { numRuns: 3 },
    );
    const fine = await running.client.call<{ gas_used: string; code: number }>('estimate_gas', { tx: to0x(callTx(key, 1, parseAddress(contract), 'ok', [], { gasLimit: 1_000_000 })) });
    expect(fine.code).toBe(TxCode.OK);
    expect(Number(fine.gas_used)).toBeGreaterThan(0);
  });

  it('a batch with more queries, estimates and live tallies than the limit is refused whole, with a clear error', async () => {
    // Live governance tallies read every voter's delegations: free work like a query.
    const COSTLY = ['contract_query', 'estimate_gas', 'proposals', 'proposal'];
    // A batch: `costly` queries and estimates, `cheap` other calls, in an order of the generator's choosing.
    const batches = fc
      .tuple(fc.integer({ min: 0, max: 3 * limits.maxPerBatch }), fc.integer({ min: 0, max: 4 }))
      .filter(([costly, cheap]) => costly + cheap > 0)
      .chain(([costly, cheap]) =>
        fc.shuffledSubarray(
          [...Array.from({ length: costly }, (_, i) => COSTLY[i % COSTLY.length] as string), ...Array.from({ length: cheap }, (_, i) => (i % 2 ? 'health' : 'status'))],
          { minLength: costly + cheap },
        ),
      );
    await fc.assert(
      fc.asyncProperty(batches, async (methods) => {
        const batch = methods.map((m, i) =>
          request(m, m === 'contract_query' ? { address: contract, method: 'ok' } : m === 'estimate_gas' ? { tx: to0x(callTx(key, 1, parseAddress(contract), 'ok', [], { gasLimit: 1_000_000 })) } : m === 'proposal' ? { id: 1 } : {}, i),
        );
        const answer = await post(batch);
        const count = methods.filter((m) => COSTLY.includes(m)).length;
        if (count > limits.maxPerBatch) {
          expect(Array.isArray(answer.body)).toBe(false);
          const error = (answer.body as RpcErrorBody).error;
          expect(error?.code).toBe(-32003);
          expect(error?.data).toContain(`at most ${limits.maxPerBatch}`);
        } else {
          expect(Array.isArray(answer.body)).toBe(true);
          expect((answer.body as unknown[]).length).toBe(methods.length);
        }
      }),
      { numRuns: 15 },
    );
  });

  it('one client has at most query.max_per_client queries waiting or running; the rest are refused at once', async () => {
    const n = limits.maxPerClient + 6;
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => post(request('contract_query', { address: contract, method: 'spin' }, i))));
    const refused = answers.filter((a) => (a.body as RpcErrorBody).error?.code === -32003);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect((refused[0]?.body as RpcErrorBody).error?.data).toContain('at a time');
  });

  it('queries looping for ever do not hold up the consensus thread', async () => {
    const lag = monitorEventLoopDelay({ resolution: 5 });
    const start = running.node.status().latestBlockHeight;
    lag.enable();
    const deadline = performance.now() + 3_000;
    const client = async (): Promise<void> => {
      while (performance.now() < deadline) {
        await post(Array.from({ length: limits.maxPerBatch }, (_, i) => request(i % 2 ? 'contract_query' : 'estimate_gas', i % 2 ? { address: contract, method: 'spin' } : { tx: to0x(callTx(key, 1, parseAddress(contract), 'spin', [], { gasLimit: 500_000_000 })) }, i)));
      }
    };
    await Promise.all([client(), client(), client()]);
    lag.disable();
    // Pauses of this (the node's) event loop while queries ran: short, as one capped query is.
    // (A percentile, not the maximum: other processes share this machine's cores.)
    expect(lag.percentile(99) / 1e6).toBeLessThan(120);
    expect(running.node.status().latestBlockHeight).toBeGreaterThanOrEqual(start + 3);
  });
});

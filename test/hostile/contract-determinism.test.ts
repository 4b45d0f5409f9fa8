/**
 * A contract call's outcome and gas are a function of the transaction and the state alone
 * (spec/hostile-input.md, "Contract determinism (native stack)"): generated blocks of deep
 * nesting of every kind, deep arguments and results, large strings, many keys and calls nested
 * through chains of contracts run through the sequential executor (this process's main thread),
 * the parallel executor with 1, 2 and 4 workers (cold and warmed up), and a freshly started
 * process, cold and warm; every receipt and app hash must be the same bytes everywhere.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParallelExecutor } from '../../src/app/executor/parallel-executor.js';
import { STACK_OVERFLOW } from '../../src/contracts/sandbox.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import {
  blockBytes,
  CHAIN_CONTRACTS,
  deployBlock,
  FUNDED,
  FUNDED_BALANCE,
  MAX_ITEMS,
  RUN_KINDS,
  runWorkloads,
  SOURCE_SHAPES,
  workloadBlock,
  type BlockBytes,
  type WorkItem,
  type Workload,
} from '../support/determinism-workload.js';

/** Depths around every limit: shallow, the classic overflow depths, and anything up to 40,000. */
const depth = fc.oneof(fc.integer({ min: 0, max: 300 }), fc.constantFrom(1000, 2000, 3000, 6000, 12_000, 30_000), fc.integer({ min: 300, max: 40_000 }));

const item: fc.Arbitrary<WorkItem> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ type: fc.constant('run' as const), kind: fc.constantFrom(...RUN_KINDS), n: depth, via: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: CHAIN_CONTRACTS - 1 })) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deploy' as const), shape: fc.constantFrom(...SOURCE_SHAPES), n: depth }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant('deepArgs' as const), n: depth }) },
);
const workload: fc.Arbitrary<Workload> = fc.array(item, { minLength: 1, maxLength: MAX_ITEMS });

/** The block of issue 13: JSON.parse 12,000 deep gave code 38 sequentially and code 0 in a worker. */
const ISSUE_CASE: Workload = [{ type: 'run', kind: 'jsonParse', n: 12_000, via: 0 }];

/** Each kind at a depth past the engine's limits, some through nested calls. */
const EVERY_KIND: Workload[] = [
  ...[0, 1].flatMap((k) => {
    const kinds = RUN_KINDS.filter((_, i) => i % 2 === k);
    return [kinds.slice(0, MAX_ITEMS), kinds.slice(MAX_ITEMS)].map((part, p) => part.map((kind, i): WorkItem => ({ type: 'run', kind, n: p === 0 ? 12_000 : 3000, via: i % 3 === 0 ? CHAIN_CONTRACTS - 1 : 0 })));
  }),
  SOURCE_SHAPES.map((shape, i): WorkItem => ({ type: 'deploy', shape, n: [1000, 3000, 12_000, 30_000, 600][i] ?? 1000 })),
  [1000, 12_000, 40_000].map((n): WorkItem => ({ type: 'deepArgs', n })),
];

/** Every kind past every limit, through the deepest chain of calls: the most native stack a call can take. */
const DEEPEST: Workload[] = [
  ...[0, 8, 16].map((from) => RUN_KINDS.slice(from, from + MAX_ITEMS).map((kind): WorkItem => ({ type: 'run', kind, n: 30_000, via: CHAIN_CONTRACTS - 1 }))),
  SOURCE_SHAPES.map((shape): WorkItem => ({ type: 'deploy', shape, n: 30_000 })),
  [{ type: 'deepArgs', n: 32_000 }],
];

/** A receipt's readable text. */
const receiptText = (hex: string): string => Buffer.from(hex, 'hex').toString('latin1');

interface Chain {
  label: string;
  h: AppHarness;
}

function describeDifference(workloadLabel: string, reference: BlockBytes, other: BlockBytes, label: string, txs: WorkItem[] | undefined): string | undefined {
  for (let i = 0; i < Math.max(reference.receipts.length, other.receipts.length); i++) {
    if (reference.receipts[i] !== other.receipts[i]) {
      const show = (hex: string | undefined): string => (hex === undefined ? 'none' : Buffer.from(hex, 'hex').toString('latin1').replace(/[^\x20-\x7e]+/g, ' ').slice(0, 200));
      return `${workloadLabel}: ${label} differs at tx ${i} ${JSON.stringify(txs?.[i])}: sequential "${show(reference.receipts[i])}" vs "${show(other.receipts[i])}"`;
    }
  }
  if (reference.appHash !== other.appHash) return `${workloadLabel}: ${label} app hash differs`;
  return undefined;
}

describe('contract outcomes do not depend on the thread, the process or its history', () => {
  const chains: Chain[] = [];

  beforeAll(async () => {
    chains.push({ label: 'sequential', h: await appHarness(FUNDED, FUNDED_BALANCE) });
    for (const [threads, warm] of [
      [1, false],
      [2, true],
      [4, true],
    ] as const) {
      const h = await appHarness(FUNDED, FUNDED_BALANCE, undefined, { executor: (dir) => new ParallelExecutor(dir, { threads, minParallelCalls: 1, warmUpOnFirstContract: warm }) });
      chains.push({ label: `${threads} worker${threads > 1 ? 's' : ''}${warm ? '' : ' (cold)'}`, h });
    }
    await runEverywhere(deployBlock(), undefined);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(chains.map((c) => c.h.close()));
  });

  /** Runs the block on every chain; the first difference from the sequential chain, if any. */
  async function runEverywhere(txs: Uint8Array[], items: WorkItem[] | undefined): Promise<string | undefined> {
    const answers = await Promise.all(chains.map((c) => blockBytes(c.h, txs)));
    const [reference, ...others] = answers as [BlockBytes, ...BlockBytes[]];
    for (const [i, other] of others.entries()) {
      const difference = describeDifference('block', reference, other, chains[i + 1]?.label ?? '', items);
      if (difference) return difference;
    }
    return undefined;
  }

  it('gives the same receipts and app hash under the sequential executor and 1, 2 and 4 workers', async () => {
    const reference = chains[0]?.h as AppHarness;
    for (const w of [ISSUE_CASE, ...EVERY_KIND]) expect(await runEverywhere(workloadBlock(w, (a) => reference.nonce(a)), w)).toBeUndefined();
    await fc.assert(
      fc.asyncProperty(workload, async (w) => {
        expect(await runEverywhere(workloadBlock(w, (a) => reference.nonce(a)), w)).toBeUndefined();
      }),
      { numRuns: 30, endOnFailure: true },
    );
  }, 120_000);

  it('gives the same bytes in a freshly started process, cold and warm, as in this one', async () => {
    const workloads = [ISSUE_CASE, ...EVERY_KIND, ...fc.sample(workload, { numRuns: 8, seed: 1313 })];
    const here = await runFresh(workloads);
    // The limits were reached: the engine's frame budget, QuickJS's own stack limit, and successes.
    const texts = here.flatMap((b) => b.receipts.map(receiptText));
    expect(texts.some((t) => t.includes(STACK_OVERFLOW))).toBe(true);
    expect(texts.some((t) => /(InternalError|SyntaxError): stack overflow/.test(t))).toBe(true);
    expect(texts.some((t) => t.includes('contract_call'))).toBe(true);
    expectSameBytes(here, workloads, await runInFreshProcess(workloads), 'fresh process');
  }, 120_000);

  it('fits the deepest calls in half the main thread\'s stack, whichever JIT tier compiled the engine', async () => {
    const here = await runFresh(DEEPEST);
    // 500 KiB, about half of Node's default (984 KiB); the baseline tier only, then the optimizing one only.
    for (const tier of [['--liftoff', '--no-wasm-tier-up'], ['--no-liftoff']]) {
      expectSameBytes(here, DEEPEST, await runInFreshProcess(DEEPEST, ['--stack-size=500', ...tier]), `fresh process ${tier.join(' ')}`);
    }
  }, 120_000);

  it('fails the block, never writes a receipt, when the host stack overflows under the engine', async () => {
    // 200 KiB: less than the frame budget needs, as no thread that runs contracts has.
    await expect(runInFreshProcess(DEEPEST, ['--stack-size=200'])).rejects.toThrow(/native stack overflowed under the contract engine \(a node fault/);
  }, 60_000);
});

/** The bytes of the workloads on a fresh sequential chain in this process. */
async function runFresh(workloads: Workload[]): Promise<BlockBytes[]> {
  const fresh = await appHarness(FUNDED, FUNDED_BALANCE);
  try {
    return await runWorkloads(fresh, workloads);
  } finally {
    await fresh.close();
  }
}

function expectSameBytes(here: BlockBytes[], workloads: Workload[], runs: { cold: BlockBytes[]; warm: BlockBytes[] }, label: string): void {
  for (const [run, which] of [
    [runs.cold, 'cold'],
    [runs.warm, 'warm'],
  ] as const) {
    expect(run.length).toBe(here.length);
    here.forEach((block, b) => expect(describeDifference(`block ${b}`, block, run[b] as BlockBytes, `${label} (${which})`, workloads[b - 1])).toBeUndefined());
  }
}

/** The child's compiled script (tests that start processes run the build: `npx tsc` first). */
const CHILD = fileURLToPath(new URL('../../dist/test/support/determinism-child.js', import.meta.url));

function runInFreshProcess(workloads: Workload[], nodeFlags: string[] = []): Promise<{ cold: BlockBytes[]; warm: BlockBytes[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`the child process exited with ${code}: ${stderr.slice(-2000)}`));
      resolve(JSON.parse(stdout) as { cold: BlockBytes[]; warm: BlockBytes[] });
    });
    child.stdin.end(JSON.stringify(workloads));
  });
}

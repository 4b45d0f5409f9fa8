/**
 * `npm run bench -- process [--instances N] [--contract-instances M]`: process steps per
 * second. Off chain, the purchase process (examples/purchase-bpmn/purchase.bpmn, and the jPDL
 * one) run by cmt's engine, N instances each started, approved and completed branch by branch;
 * in the same run the same BPMN file by bpmn-engine 25 (a JavaScript BPMN engine; a dev
 * dependency of this benchmark only), parsed once, its user tasks signalled as they wait. Both
 * take the same 10 transitions per instance, and every instance must end. Then in contracts:
 * examples/purchase deployed on a real application and state store, M instances requested,
 * approved and completed in blocks of transactions (FinalizeBlock + Commit timed), with the gas
 * a step costs.
 */
import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { BpmnModdle } from 'bpmn-moddle';
import { encodeBundle } from '../src/codec/bundle.js';
import { utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/codec/hash.js';
import type { Msg } from '../src/codec/tx.js';
import { contractAddress } from '../src/app/contracts/layout.js';
import { SequentialExecutor } from '../src/app/executor/tx-executor.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey, formatAddress } from '../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { compileProcessFile } from '../src/process/definition.js';
import { signalInstance, startInstance, type StepContext } from '../src/process/instance.js';
import type { ProcessDefinition } from '../src/process/model.js';
import { openBenchChain } from './support-chain.js';
import { parseNumericOptions } from './support-options.js';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const BPMN = read('examples/purchase-bpmn/purchase.bpmn');
const JPDL = read('examples/purchase/purchase.jpdl.xml');
const CONTRACT = read('examples/purchase/contract.js');

const context = (height: number): StepContext => ({ height, time: height * 1000, tx: '', charge: () => undefined, rules: () => undefined });

/** cmt's engine: `signals` after the start, each [target, data]; steps per second, every instance checked ended. */
function runCmt(def: ProcessDefinition, n: number, signals: [string, Record<string, boolean>][]): { ms: number; steps: number } {
  const start = performance.now();
  let steps = 0;
  for (let i = 0; i < n; i++) {
    let { instance, steps: taken } = startInstance(def, String(i + 1), {}, context(1));
    steps += taken.length;
    for (const [target, data] of signals) {
      ({ instance, steps: taken } = signalInstance(def, instance, target, data, context(2)));
      steps += taken.length;
    }
    if (instance.status !== 'ended') throw new Error(`instance ${i + 1} of ${def.name} did not end: ${instance.status}`);
  }
  return { ms: performance.now() - start, steps };
}

interface EngineApi {
  signal(message: object): void;
}
type BpmnEngine = { once(event: string, cb: (arg?: unknown) => void): void; execute(o: { listener: EventEmitter }): Promise<unknown> };

/** bpmn-engine on the same file (its condition written in its own expression syntax), parsed once. */
async function runBpmnEngine(n: number): Promise<{ ms: number; steps: number }> {
  const { Engine } = (await import('bpmn-engine')) as unknown as { Engine: new (o: object) => BpmnEngine };
  const source = BPMN.replace('${approved == true}', '${environment.variables.approved}');
  const moddle = new BpmnModdle() as unknown as { fromXML(xml: string): Promise<unknown> };
  const moddleContext = await moddle.fromXML(source);
  const start = performance.now();
  let steps = 0;
  for (let i = 0; i < n; i++) {
    const engine = new Engine({ name: `purchase ${i}`, moddleContext, variables: { approved: true } });
    const listener = new EventEmitter();
    listener.on('wait', (api: EngineApi) => api.signal({}));
    listener.on('flow.take', () => void (steps += 1));
    const ended = new Promise((resolve, reject) => {
      engine.once('end', resolve);
      engine.once('error', reject);
    });
    await engine.execute({ listener });
    await ended;
  }
  return { ms: performance.now() - start, steps };
}

const CHAIN_ID = 'cmt-bench-process';
const key = (i: number): KeyPair => keyPairFromSeed(sha256(utf8(`process bench ${i}`)));

/** The purchase contract on a real application: M senders each buy from themselves (every party one key). */
async function runInContracts(m: number): Promise<{ ms: number; steps: number; txs: number; gas: number; failed: number }> {
  const keys = Array.from({ length: m }, (_, i) => key(i));
  const { app, store, dir } = await openBenchChain(CHAIN_ID, keys, () => new SequentialExecutor());
  try {
    const nonces = keys.map(() => 0);
    const signed = (i: number, msg: Msg): Uint8Array => signTx({ chainId: CHAIN_ID, nonce: (nonces[i] = (nonces[i] ?? 0) + 1) - 1, gasLimit: 5_000_000, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg }, keys[i] as KeyPair).bytes;
    const files = [
      { name: 'contract.js', content: utf8(CONTRACT) },
      { name: 'purchase.jpdl.xml', content: utf8(JPDL) },
    ];
    let height = 0;
    const run = async (txs: Uint8Array[]): Promise<{ ms: number; gas: number; failed: number }> => {
      height += 1;
      const start = performance.now();
      const res = await app.finalizeBlock({ height, time: 1_700_000_000_000 + height * 1000, proposerAddress: new Uint8Array(20), txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [], hash: new Uint8Array(32) });
      await app.persist();
      return { ms: performance.now() - start, gas: res.txResults.reduce((s, r) => s + r.gasUsed, 0), failed: res.txResults.filter((r) => r.code !== 0).length };
    };
    await run([signed(0, { type: 'deployContract', bundle: encodeBundle(files), initArgs: '', value: 0n })]);
    const contract = contractAddress(addressFromPublicKey((keys[0] as KeyPair).publicKey), 0);
    const call = (i: number, method: string, args: unknown[]): Uint8Array => signed(i, { type: 'callContract', contract, method, args: JSON.stringify(args), value: 0n });
    const me = (i: number): string => formatAddress(addressFromPublicKey((keys[i] as KeyPair).publicKey));
    // Instance i+1 is sender i's (the deploy took sender 0's first nonce, and ids follow block order).
    const blocks = [
      keys.map((_, i) => call(i, 'request', [me(i), me(i), 'bike', 300])),
      keys.map((_, i) => call(i, 'approve', [String(i + 1)])),
      keys.flatMap((_, i) => ['decrementInventory', 'creditSeller', 'deductFromBuyer'].map((method) => call(i, method, [String(i + 1)]))),
    ];
    let ms = 0;
    let gas = 0;
    let failed = 0;
    for (const block of blocks) {
      const r = await run(block);
      ms += r.ms;
      gas += r.gas;
      failed += r.failed;
    }
    return { ms, steps: m * 8, txs: m * 5, gas, failed };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const rate = (steps: number, ms: number): string => `${Math.round((steps / ms) * 1000).toLocaleString('en-US')} steps/s`;

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { instances: 2000, contractInstances: 200 }, 'bench/process.ts');
  const bpmn = compileProcessFile('purchase.bpmn', BPMN)[0] as ProcessDefinition;
  const jpdl = compileProcessFile('purchase.jpdl.xml', JPDL)[0] as ProcessDefinition;
  const bpmnSignals: [string, Record<string, boolean>][] = [['evaluate', { approved: true }], ['decrement inventory', {}], ['credit seller', {}], ['deduct from buyer', {}]];
  const jpdlSignals: [string, Record<string, boolean>][] = [['approve', {}], ['decrement inventory', {}], ['credit seller', {}], ['deduct from buyer', {}]];
  runCmt(bpmn, 200, bpmnSignals); // warm-up
  console.log(`Off chain: the purchase process, ${o.instances} instances each started, approved and completed (every instance checked ended)`);
  const a = runCmt(bpmn, o.instances, bpmnSignals);
  console.log(`cmt          BPMN: ${a.ms.toFixed(0).padStart(6)} ms, ${a.steps} steps (${a.steps / o.instances} an instance), ${rate(a.steps, a.ms)}`);
  const b = runCmt(jpdl, o.instances, jpdlSignals);
  console.log(`cmt          jPDL: ${b.ms.toFixed(0).padStart(6)} ms, ${b.steps} steps (${b.steps / o.instances} an instance), ${rate(b.steps, b.ms)}`);
  await runBpmnEngine(50); // warm-up
  const c = await runBpmnEngine(o.instances);
  console.log(`bpmn-engine  BPMN: ${c.ms.toFixed(0).padStart(6)} ms, ${c.steps} flows taken (${c.steps / o.instances} an instance), ${rate(c.steps, c.ms)}; cmt is ${(c.ms / a.ms).toFixed(1)}x faster`);
  console.log(`In contracts: examples/purchase, ${o.contractInstances} instances in 3 blocks (requests, approvals, 3 branches each), FinalizeBlock + Commit timed`);
  const d = await runInContracts(o.contractInstances);
  if (d.failed > 0) throw new Error(`${d.failed} transactions failed`);
  console.log(
    `cmt in contracts: ${d.ms.toFixed(0).padStart(6)} ms, ${d.steps} steps in ${d.txs} transactions, ${rate(d.steps, d.ms)} (${Math.round((d.txs / d.ms) * 1000)} tx/s), ${Math.round(d.gas / d.txs).toLocaleString('en-US')} gas a transaction`,
  );
}

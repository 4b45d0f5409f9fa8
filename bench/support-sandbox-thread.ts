/**
 * One thread of bench/sandbox-threads.ts: waits for the start signal, then runs the exec
 * benchmark's contract call in this thread's sandbox and answers with microseconds per call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ContractSandbox, type HostCalls } from '../src/contracts/sandbox.js';
import { BENCH_CONTRACT } from './support-contract.js';

/** Runs `calls` calls of the benchmark method against an in-memory table: microseconds per call. */
async function timeCalls(calls: number): Promise<number> {
  const sandbox = await ContractSandbox.load();
  const rows = new Map<string, string>();
  const host: HostCalls = {
    dbGet: (table, key) => rows.get(`${table}/${key}`),
    dbPut: (table, key, value) => void rows.set(`${table}/${key}`, value),
    dbDel: (table, key) => void rows.delete(`${table}/${key}`),
    emit: () => undefined,
    dbRange: () => [],
    transfer: () => undefined,
    call: () => ({ ok: false, error: 'no nested calls here', gasUsed: 0 }),
  };
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const outcome = sandbox.call({ code: BENCH_CONTRACT, method: 'work', argsJson: JSON.stringify(['hot', `a${i}`, `b${i}`]), ctx: { sender: '0x00', value: 0n, height: 1, time: 0, contract: '0x01' }, gasLimit: 3_000_000 }, host, () => 100);
    if (!outcome.ok) throw new Error(outcome.error);
  }
  return ((performance.now() - started) * 1000) / calls;
}

if (parentPort) {
  const port = parentPort;
  const { calls } = workerData as { calls: number };
  await timeCalls(calls); // warm-up: V8 tiers the engine up
  port.postMessage('ready');
  port.once('message', () => {
    void timeCalls(calls).then((us) => port.postMessage(us));
  });
}

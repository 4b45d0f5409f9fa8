/**
 * The freshly started process of the determinism test: reads workloads (JSON) from stdin, runs
 * them on a fresh chain with the sequential executor on this process's main thread twice — cold
 * (the first contract this process ever runs) and warm — and writes both runs' block bytes as
 * one JSON line to stdout.
 */
import { appHarness } from './app-harness.js';
import { FUNDED, FUNDED_BALANCE, runWorkloads, type BlockBytes, type Workload } from './determinism-workload.js';
import { loadContractRuntime } from '../../src/app/contracts/runtime.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function freshRun(workloads: Workload[]): Promise<BlockBytes[]> {
  const h = await appHarness(FUNDED, FUNDED_BALANCE);
  try {
    return await runWorkloads(h, workloads);
  } finally {
    await h.close();
  }
}

const workloads = JSON.parse(await readStdin()) as Workload[];
await loadContractRuntime();
const cold = await freshRun(workloads);
const warm = await freshRun(workloads);
process.stdout.write(JSON.stringify({ cold, warm }) + '\n');

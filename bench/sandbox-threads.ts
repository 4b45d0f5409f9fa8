/**
 * `npm run bench -- sandbox-threads [--calls N] [--rounds R]`
 *
 * How much two threads running contracts at once slow each other down: the exec benchmark's
 * contract call (bench/exec.ts) in one worker thread alone, then in two at the same time, each
 * in its own sandbox over an in-memory table (no LevelDB, no messages, no read or write sets).
 * The slowdown is what the parallel executor pays on two cores before any overhead of its own.
 */
import { Worker } from 'node:worker_threads';
import { parseNumericOptions } from './support-options.js';

interface Options {
  calls: number;
  rounds: number;
}

const THREAD_FILE = new URL('./support-sandbox-thread.js', import.meta.url);

/** Starts `threads` warmed-up threads together; microseconds per call of each. */
async function together(threads: number, calls: number): Promise<number[]> {
  const workers = Array.from({ length: threads }, () => new Worker(THREAD_FILE, { workerData: { calls } }));
  try {
    await Promise.all(workers.map((w) => new Promise((resolve, reject) => w.once('message', resolve).once('error', reject))));
    const answers = workers.map((w) => new Promise<number>((resolve, reject) => w.once('message', resolve).once('error', reject)));
    for (const w of workers) w.postMessage('go');
    return await Promise.all(answers);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<Options>(args, { calls: 3000, rounds: 3 }, 'sandbox-threads.ts');
  console.log(`sandbox-threads: ${o.rounds} rounds of ${o.calls} calls per thread (a 1,000-iteration loop and 3 writes each)`);
  console.log('round  1 thread us/call  2 threads us/call  slowdown');
  const slowdowns: number[] = [];
  for (let r = 1; r <= o.rounds; r++) {
    const [alone] = await together(1, o.calls);
    const pair = await together(2, o.calls);
    const mean = pair.reduce((a, b) => a + b, 0) / pair.length;
    slowdowns.push(mean / (alone as number));
    console.log(`${String(r).padStart(5)}  ${(alone as number).toFixed(1).padStart(16)}  ${pair.map((us) => us.toFixed(1)).join(' / ').padStart(17)}  ${((mean / (alone as number) - 1) * 100).toFixed(0).padStart(7)}%`);
  }
  const mean = slowdowns.reduce((a, b) => a + b, 0) / slowdowns.length;
  console.log(`mean slowdown with two threads at once: ${((mean - 1) * 100).toFixed(0)}%`);
}

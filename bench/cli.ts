/**
 * `npm run bench -- cli [--runs N]`: how long `cmt` takes to answer commands that need no node
 * (help, version, listing keys, a refused call): the time to start, load what the command needs
 * and exit, against a bare `node -e 0` (spec/performance.md, "Start-up"; the goal is under 300 ms).
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI_MAIN } from '../src/cli/node-process.js';
import { parseNumericOptions, percentile } from './support-options.js';

const GOAL_MS = 300;

function timeMs(args: string[]): number {
  const started = performance.now();
  try {
    execFileSync(process.execPath, args, { stdio: 'ignore', env: { ...process.env, CMT_HOME: undefined } });
  } catch {
    // A refused command (no node to call) still answers: its time is what is measured.
  }
  return performance.now() - started;
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { runs: 9 }, 'cli.ts');
  const home = await mkdtemp(join(tmpdir(), 'cmt-bench-cli-'));
  try {
    const commands: string[][] = [
      ['--help'],
      ['--version'],
      ['keys', 'list', '--home', home],
      ['tx', 'send', '--help'],
      ['query', 'account', '0x0000000000000000000000000000000000000000', '--node', 'http://127.0.0.1:9'],
      ['contract', '--help'],
      ['start', '--help'],
      ['testnet', 'status', '--dir', join(home, 'none')],
      ['sim', 'run', '--help'],
      ['process', '--help'],
      ['files', '--help'],
    ];
    const baseline = Array.from({ length: o.runs }, () => timeMs(['-e', '0'])).sort((a, b) => a - b);
    console.log(`cmt start-up, median and slowest of ${o.runs} runs (goal: under ${GOAL_MS} ms); node -e 0: median ${percentile(baseline, 50).toFixed(0)} ms`);
    let worst = 0;
    for (const command of commands) {
      const times = Array.from({ length: o.runs }, () => timeMs([CLI_MAIN, ...command])).sort((a, b) => a - b);
      const median = percentile(times, 50);
      worst = Math.max(worst, median);
      console.log(`  cmt ${command.join(' ').replace(home, '<home>')}: ${median.toFixed(0)} ms (slowest ${(times[times.length - 1] ?? NaN).toFixed(0)} ms)`);
    }
    console.log(`slowest median: ${worst.toFixed(0)} ms (${worst < GOAL_MS ? 'within' : 'ABOVE'} the ${GOAL_MS} ms goal)`);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

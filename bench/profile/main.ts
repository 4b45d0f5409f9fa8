/**
 * `npm run profile -- <benchmark> [args]`: runs the benchmark twice, its first node under
 * clinic flame (where the CPU goes: a flame graph) and then under clinic doctor (event-loop
 * delay, CPU, memory and handles over time), and prints the folder holding the HTML reports
 * (README, "Profiles").
 */
import { spawn } from 'node:child_process';
import { mkdir, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROFILE_TOOLS } from '../support-profile.js';

const here = dirname(fileURLToPath(import.meta.url));
const NODE_BENCHMARKS = ['testnet', 'transfers', 'blocksync'];

async function reports(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith('.html')).map((f) => join(dir, f));
}

const [name, ...args] = process.argv.slice(2);
if (!name || !NODE_BENCHMARKS.includes(name)) {
  console.error(`usage: npm run profile -- <${NODE_BENCHMARKS.join('|')}> [benchmark options]`);
  process.exit(2);
}
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const root = resolve('.scratch', 'profiles', `${name}-${stamp}`);
for (const tool of PROFILE_TOOLS) {
  const dir = join(root, tool);
  await mkdir(dir, { recursive: true });
  console.log(`\n== ${name} with node0 under clinic ${tool} (${dir})`);
  const code = await new Promise<number | null>((done) => {
    const child = spawn(process.execPath, [join(here, '..', 'main.js'), name, ...args], { stdio: 'inherit', env: { ...process.env, CMT_PROFILE: tool, CMT_PROFILE_DIR: dir, NO_INSIGHT: '1' } });
    child.once('exit', (c) => done(c));
  });
  if (code !== 0) {
    console.error(`the benchmark exited with code ${code}`);
    process.exit(1);
  }
  const html = await reports(dir);
  if (html.length === 0) {
    console.error(`clinic ${tool} wrote no report in ${dir}`);
    process.exit(1);
  }
  console.log(`clinic ${tool}: ${html.join(', ')}`);
}
console.log(`\nreports in ${root} (open the .html files in a browser; README, "Profiles", says how to read them)`);

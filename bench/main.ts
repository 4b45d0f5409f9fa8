/**
 * `npm run bench -- NAME [args]` runs bench/NAME.ts (compiled to dist/bench/NAME.js), which
 * exports `run(args)`. Each benchmark prints its figures and the machine it ran on.
 */
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine } from './machine.js';

interface Benchmark {
  run(args: string[]): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.js') && !['main.js', 'machine.js'].includes(f) && !f.startsWith('support'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <${available.join('|')}> [options]`);
  process.exit(2);
}
console.log(machineLine());
const bench = (await import(`./${name}.js`)) as Benchmark;
await bench.run(args);

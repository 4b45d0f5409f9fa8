/**
 * `npm run bench -- sim-profile [--runs R] [--heights H]`
 *
 * Where a simulated height goes: R runs of the `sim` benchmark's 4-validator scenario (H heights
 * each), after one run to warm up, in a child process under V8's sampling CPU profiler
 * (`node --cpu-prof`: a profiler session inside the profiled thread skews the attribution),
 * with each sample's own time put in one of a few buckets by the code it is in. The `sim`
 * benchmark prints this when the speed goal is out of reach.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Simulator } from '../src/sim/simulator.js';
import { benchScenario } from './sim.js';
import { parseNumericOptions } from './support-options.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

/** First match wins: V8's own entries, then Node's internals, then our code by directory. */
const BUCKETS: [string, RegExp][] = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['event loop between agenda items (settle), idle', /^\((program|idle)\)$|node:internal\/timers|node:internal\/process\/task_queues/],
  ['module loading (once per process)', /node:internal\/modules|^(evaluate|compileSourceTextModule)$/],
  ['ed25519 sign and verify', /node:internal\/crypto\/(sig|keys)|crypto\/ed25519|@noble\/ed25519/],
  ['file reads (module and contract loading)', /^(fstat|open|read|close)$/],
  ['hashing', /node:internal\/crypto\/hash|codec\/hash|codec\/merkle|state\/hashing/],
  ['encoding and decoding (RLP, schema, buffers)', /codec\/|node:internal\/encoding|node:buffer|node:internal\/buffer|^(hexSlice|latin1Slice|utf8Slice|encodeUtf8String)$/],
  ['state store and Merkle trie', /src\/state\//],
  ['block and results stores (memory-level)', /src\/store\/|abstract-level|memory-level|level-transcoder|module-error/],
  ['WAL and simulated disk', /node\/wal|runtime\/memory-disk/],
  ['application (transactions, staking, bank, contracts)', /src\/app\/|src\/contracts\//],
  ['mempool', /src\/mempool\//],
  ['consensus core', /src\/consensus\//],
  ['node driver, executor and reactors', /src\/node\//],
  ['simulator, network and checkers', /src\/sim\/|src\/p2p\//],
];

function bucketOf(frame: ProfileNode['callFrame']): string {
  const text = frame.url || frame.functionName;
  for (const [name, pattern] of BUCKETS) if (pattern.test(text)) return name;
  return 'other';
}

export interface ProfileShare {
  bucket: string;
  share: number;
}

const CHILD_FLAG = '--profiled-child';

/** In the profiled child: one run to warm up, then the runs the profile is about. */
async function childRuns(runs: number, heights: number): Promise<void> {
  const scenario = benchScenario(4);
  await new Simulator({ scenario, seed: 1_000, stopAtHeight: heights }).execute();
  for (let seed = 1; seed <= runs; seed++) await new Simulator({ scenario, seed, stopAtHeight: heights }).execute();
}

/** Profiles `runs` runs of the bench scenario in a child process; the buckets by share of samples, largest first. */
export async function profileRuns(runs: number, heights: number): Promise<ProfileShare[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cmt-sim-profile-'));
  try {
    const args = ['--cpu-prof', '--cpu-prof-interval', '250', '--cpu-prof-dir', dir, fileURLToPath(import.meta.url), CHILD_FLAG, String(runs), String(heights)];
    const code = await new Promise<number | null>((resolve, reject) => spawn(process.execPath, args, { stdio: 'inherit' }).on('error', reject).on('exit', resolve));
    if (code !== 0) throw new Error(`the profiled runs exited with ${code}`);
    const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the profiled runs wrote no profile');
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
    const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
    const counts = new Map<string, number>();
    for (const id of profile.samples) {
      const frame = frames.get(id);
      const bucket = frame ? bucketOf(frame) : 'other';
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
    const total = profile.samples.length || 1;
    return [...counts].map(([bucket, n]) => ({ bucket, share: n / total })).sort((a, b) => b.share - a.share);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatProfile(shares: ProfileShare[]): string {
  return shares.map((s) => `  ${(100 * s.share).toFixed(1).padStart(5)}%  ${s.bucket}`).join('\n');
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { runs: 4, heights: 50 }, 'sim-profile.ts');
  console.log(`where the time of ${o.runs} runs of 4 validators × ${o.heights} heights goes (own time of each sample):`);
  console.log(formatProfile(await profileRuns(o.runs, o.heights)));
}

if (process.argv[2] === CHILD_FLAG && process.argv[1] === fileURLToPath(import.meta.url)) await childRuns(Number(process.argv[3]), Number(process.argv[4]));

/**
 * `npm run bench -- sim-profile [--runs R] [--heights H]`
 *
 * Where a simulated height goes: R runs of the `sim` benchmark's 4-validator scenario (H heights
 * each) in this thread under V8's sampling CPU profiler (node:inspector), after one run to warm
 * up, with each sample's own time put in one of a few buckets by the code it is in. The `sim`
 * benchmark prints this when the speed goal is out of reach.
 */
import { Session } from 'node:inspector/promises';
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
  ['event loop between agenda items (settle)', /^\((program|idle)\)$|node:internal\/timers|node:internal\/process\/task_queues/],
  // OpenSSL's one-shot sign and verify show as the native `run` of their crypto job.
  ['ed25519 sign and verify', /node:internal\/crypto\/(sig|keys)|crypto\/ed25519|@noble\/ed25519|^run$/],
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

/** Profiles `runs` runs of the bench scenario; the buckets by share of samples, largest first. */
export async function profileRuns(runs: number, heights: number): Promise<ProfileShare[]> {
  const scenario = benchScenario(4);
  await new Simulator({ scenario, seed: 1_000, stopAtHeight: heights }).execute();
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 200 });
    await session.post('Profiler.start');
    for (let seed = 1; seed <= runs; seed++) await new Simulator({ scenario, seed, stopAtHeight: heights }).execute();
    const { profile } = (await session.post('Profiler.stop')) as { profile: { nodes: ProfileNode[]; samples: number[] } };
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
    session.disconnect();
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

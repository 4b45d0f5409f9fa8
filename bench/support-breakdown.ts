/**
 * Where a node's CPU went, by stage of a transaction's way through it: V8 CPU profiles
 * (`node --cpu-prof`, every thread of the node) read back and each sample put in one stage
 * (spec/performance.md, "Where the time goes"). A sample belongs to the innermost stage marker
 * on its stack (a function that starts a stage: CheckTx, FinalizeBlock, the state commit…, so
 * CheckTx called by the RPC counts as CheckTx);
 * failing that, to the innermost frame of the project's own code, by its directory; failing
 * that, to the runtime (garbage collection, idle, Node's internals).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** [stage, file (suffix of the URL), function names]: a frame of one of these functions starts the stage. */
const MARKERS: [string, string, readonly string[]][] = [
  ['CheckTx (mempool admission and re-check)', 'src/mempool/mempool.js', ['add', 'flush', 'admit', 'recheckSlice', 'quickReject']],
  ['tx gossip (batches in and out)', 'src/node/tx-gossip.js', ['onBatch', 'flush', 'announce']],
  ['block building (proposer)', 'src/node/block-executor.js', ['createProposalBlock']],
  ['block validation (header, ProcessProposal)', 'src/node/block-executor.js', ['validateBlock']],
  ['signature checks of block transactions', 'src/app/cmt-app.js', ['verifySignatures']],
  ['execution (FinalizeBlock)', 'src/app/cmt-app.js', ['finalizeBlock']],
  ['state commit (Merkle stage and write)', 'src/app/cmt-app.js', ['persist']],
  ['block store, results and tx index', 'src/store/block-store.js', ['saveBlock', 'saveResults', 'saveChainState']],
  ['mempool update after a block', 'src/mempool/mempool.js', ['update', 'lockForBlock']],
  ['events (event bus, WebSocket)', 'src/node/event-bus.js', ['publishBlock', 'publishConsensus']],
];

/** The project's directories, for samples under no marker: the innermost project frame decides. */
const DIRECTORIES: [string, RegExp][] = [
  ['RPC: requests, JSON, answers', /\/src\/rpc\//],
  ['events (event bus, WebSocket)', /\/src\/node\/event-bus/],
  ['consensus and its gossip', /\/src\/consensus\/|\/src\/node\/consensus-|\/src\/node\/(maj23|catch-up|wal)/],
  ['p2p (libp2p, gossipsub, streams)', /\/src\/p2p\/|node_modules\/(@libp2p|libp2p|@chainsafe|it-|uint8arraylist|@multiformats|multiformats|protons-runtime|race-signal|p-queue)/],
  ['logging', /node_modules\/(pino|sonic-boom|thread-stream)/],
];

function stageOfFrames(frames: readonly CallFrame[]): string {
  // frames[0] is the root.
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i] as CallFrame;
    for (const [stage, file, names] of MARKERS) if (f.url.endsWith(file) && names.includes(f.functionName)) return stage;
  }
  const leaf = frames[frames.length - 1];
  // A worker waiting for a task (piscina's loop) or a thread with nothing on its stack is idle.
  if (leaf?.functionName === '(idle)' || leaf?.functionName === '(program)' || leaf?.functionName === 'atomicsWaitLoop') return 'idle';
  if (leaf?.functionName === '(garbage collector)') return 'garbage collection';
  for (let i = frames.length - 1; i >= 0; i--) {
    const url = (frames[i] as CallFrame).url;
    for (const [stage, pattern] of DIRECTORIES) if (pattern.test(url)) return stage;
    const dir = /\/src\/([a-z-]+)\//.exec(url);
    if (dir) return `other project code: src/${dir[1]}`;
  }
  return 'runtime (Node internals, native, module loading)';
}

/** Milliseconds of CPU per stage in one profile. */
function stagesOf(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageById = new Map<number, string>();
  const stageOf = (id: number): string => {
    let stage = stageById.get(id);
    if (stage !== undefined) return stage;
    const frames: CallFrame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) frames.push((byId.get(at) as ProfileNode).callFrame);
    stage = stageOfFrames(frames.reverse());
    stageById.set(id, stage);
    return stage;
  };
  const ms = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const stage = stageOf(id);
    ms.set(stage, (ms.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return ms;
}

/**
 * Sampled time per stage of the main thread's profile in `dir` (a node writes one per thread;
 * the main thread's is numbered 0 after the pid), idle left out. Only the main thread: a
 * sampling profiler counts wall time, which the other threads (signature workers) spend
 * largely waiting for a core on a busy machine; their CPU comes from /proc instead.
 */
export async function breakdownOf(dir: string): Promise<Map<string, number>> {
  const total = new Map<string, number>();
  for (const file of (await readdir(dir)).filter((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f))) {
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    for (const [stage, ms] of stagesOf(profile)) if (stage !== 'idle') total.set(stage, (total.get(stage) ?? 0) + ms);
  }
  return total;
}

/**
 * The breakdown as lines: per stage, its share of the main thread's busy samples and that
 * share of the main thread's measured CPU per committed transaction (from /proc).
 */
export function formatBreakdown(stages: Map<string, number>, cpuMsPerTx: number, verifyMs: number): string {
  const sum = [...stages.values()].reduce((a, b) => a + b, 0);
  return [...stages]
    .sort((a, b) => b[1] - a[1])
    .map(([stage, ms]) => {
      const share = ms / (sum || 1);
      const perTx = share * cpuMsPerTx;
      return `  ${stage}: ${(share * 100).toFixed(1)}%, ${(perTx * 1000).toFixed(1)} µs/tx (${(perTx / verifyMs).toFixed(2)} verifications)`;
    })
    .join('\n');
}

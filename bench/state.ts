/**
 * `npm run bench -- state [--keys N] [--blocks B] [--updates U] [--inserts F] [--value-bytes V] [--load-block L]`
 *
 * The state store's stage-and-write throughput: a store of N existing keys (default 1,000,000, loaded
 * in blocks of L), reopened (which rebuilds the trie from the flat table: the open time is
 * reported), then B blocks (default 10) of U updates (default 10,000; a fraction F of them,
 * default 0.1, insert new keys, the rest overwrite random existing ones), each staged and
 * written with its durable LevelDB batch. Prints written updates/s (median and min over
 * blocks), ms per block split into trie work (stage: hashing included) and the LevelDB batch
 * (write), the open/rebuild time and memory. Goal: >= 50,000 updates/s.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sha256 } from '../src/codec/hash.js';
import { Overlay, type WriteSet } from '../src/state/overlay.js';
import { StateStore } from '../src/state/store.js';
import { parseNumericOptions } from './support-options.js';

interface Options {
  keys: number;
  blocks: number;
  updates: number;
  inserts: number;
  valueBytes: number;
  loadBlock: number;
}

function parseArgs(args: string[]): Options {
  return parseNumericOptions<Options>(args, { keys: 1_000_000, blocks: 10, updates: 10_000, inserts: 0.1, valueBytes: 100, loadBlock: 100_000 }, 'state.ts');
}

/** Key i: 'a' || sha256(i), 33 bytes, derived on demand so the benchmark holds no key list. */
function keyOf(i: number): Uint8Array {
  const seed = new Uint8Array(4);
  new DataView(seed.buffer).setUint32(0, i);
  const key = new Uint8Array(33);
  key[0] = 0x61;
  key.set(sha256(seed), 1);
  return key;
}

/** Random bytes to cut values from (randomBytes per value costs ~6 us, more than the store's work). */
const noise = randomBytes(1 << 22);
let noiseAt = 0;

function valueOf(valueBytes: number): Uint8Array {
  if (noiseAt + valueBytes > noise.length) noiseAt = (noiseAt * 7 + 13) % 4093;
  const value = new Uint8Array(valueBytes);
  value.set(noise.subarray(noiseAt, noiseAt + valueBytes));
  noiseAt += valueBytes + 1;
  return value;
}

/** A write set built the way the application builds one: on an Overlay, sorted by key bytes. */
function block(store: StateStore, indices: Iterable<number>, valueBytes: number): WriteSet {
  const overlay = new Overlay(store);
  for (const i of indices) overlay.set(keyOf(i), valueOf(valueBytes));
  return overlay.writeSet();
}

const gc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

function memory(): string {
  gc();
  const m = process.memoryUsage();
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(0)} MB`;
  return `rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)}, external+arrayBuffers ${mb(m.external + m.arrayBuffers)}`;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

export async function run(args: string[]): Promise<void> {
  const o = parseArgs(args);
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-state-'));
  try {
    // Load: blocks of loadBlock fresh keys; keepRecent 1 so the load leaves no journals behind.
    let store = await StateStore.open(dir, { keepRecent: 1 });
    let t = performance.now();
    for (let start = 0; start < o.keys; start += o.loadBlock) {
      const end = Math.min(o.keys, start + o.loadBlock);
      const indices = { *[Symbol.iterator]() { for (let i = start; i < end; i++) yield i; } };
      store.stage(store.latestVersion + 1, block(store, indices, o.valueBytes));
      await store.write();
    }
    console.log(`loaded ${o.keys} keys (${o.valueBytes}-byte values) in blocks of ${o.loadBlock}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    await store.close();

    t = performance.now();
    store = await StateStore.open(dir);
    const openMs = performance.now() - t;
    const ot = store.openTimings;
    console.log(
      `open (rebuild the trie of ${store.size} keys from the flat table, check the root): ${(openMs / 1000).toFixed(2)} s ` +
        `(read+hash flat table ${(ot.readFlatMs / 1000).toFixed(2)} s, sort+build trie ${(ot.buildTrieMs / 1000).toFixed(2)} s, history ${ot.historyMs.toFixed(0)} ms)`,
    );
    console.log(`memory after open: ${memory()}`);

    // Timed blocks: inserts take fresh indices, overwrites random existing ones (no repeats in a block).
    let next = o.keys;
    const rows: { total: number; stage: number; write: number; changed: number }[] = [];
    for (let b = 0; b < o.blocks; b++) {
      const chosen = new Set<number>();
      const inserts = Math.round(o.updates * o.inserts);
      for (let i = 0; i < inserts; i++) chosen.add(next++);
      while (chosen.size < o.updates) chosen.add(Math.floor(Math.random() * o.keys));
      const writes = block(store, chosen, o.valueBytes);
      const started = performance.now();
      store.stage(store.latestVersion + 1, writes);
      await store.write();
      const total = performance.now() - started;
      rows.push({ total, stage: store.lastTimings.stageMs, write: store.lastTimings.writeMs, changed: writes.length });
    }
    const rates = rows.map((r) => (r.changed / r.total) * 1000);
    console.log(`blocks: ${o.blocks} x ${o.updates} updates (${Math.round(o.inserts * 100)}% inserts) over ${o.keys} keys`);
    for (const [i, r] of rows.entries()) {
      console.log(`  block ${i + 1}: ${r.total.toFixed(0)} ms (trie+hash ${r.stage.toFixed(0)} ms, LevelDB batch ${r.write.toFixed(0)} ms) = ${(rates[i] as number).toFixed(0)} updates/s`);
    }
    console.log(
      `written updates/s: median ${median(rates).toFixed(0)}, min ${Math.min(...rates).toFixed(0)} (goal >= 50000); ` +
        `ms per block: median ${median(rows.map((r) => r.total)).toFixed(0)} = trie+hash ${median(rows.map((r) => r.stage)).toFixed(0)} + LevelDB ${median(rows.map((r) => r.write)).toFixed(0)}`,
    );
    console.log(`memory after the blocks (${store.size} keys, ${o.blocks} journals kept): ${memory()}`);
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

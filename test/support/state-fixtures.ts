/** Builders for state tests: a seeded PRNG, random keys and values, stores in temp directories. */
import { StateStore, type StateStoreOptions } from '../../src/state/store.js';
import type { WriteSet } from '../../src/state/overlay.js';
import { tempDir } from './temp-dir.js';

/** mulberry32: small, fast, deterministic; enough for property-style tests. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(rand: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** `count` distinct keys of 1..40 bytes. */
export function randomKeys(rand: () => number, count: number): Uint8Array[] {
  const seen = new Set<string>();
  const keys: Uint8Array[] = [];
  while (keys.length < count) {
    const key = randomBytes(rand, 1 + Math.floor(rand() * 40));
    const id = Buffer.from(key).toString('hex');
    if (seen.has(id)) continue;
    seen.add(id);
    keys.push(key);
  }
  return keys;
}

/** Fisher-Yates with the seeded PRNG. */
export function shuffled<T>(rand: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function writes(entries: [Uint8Array, Uint8Array | null][]): WriteSet {
  return entries.map(([key, value]) => ({ key, value }));
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A store in a fresh temp directory; `reopen` closes and opens the same directory again. */
export interface TempStore {
  store: StateStore;
  dir: string;
  reopen(options?: StateStoreOptions): Promise<StateStore>;
  cleanup(): Promise<void>;
}

export async function tempStore(options?: StateStoreOptions): Promise<TempStore> {
  const dir = await tempDir('state');
  const handle: TempStore = {
    store: await StateStore.open(dir.path, options),
    dir: dir.path,
    async reopen(again = options) {
      await handle.store.close();
      handle.store = await StateStore.open(dir.path, again);
      return handle.store;
    },
    async cleanup() {
      await handle.store.close();
      await dir.cleanup();
    },
  };
  return handle;
}

/** Stages and commits one version; returns its root. */
export async function writeVersion(store: StateStore, entries: [Uint8Array, Uint8Array | null][]): Promise<Uint8Array> {
  const root = store.stage(store.latestVersion + 1, writes(entries));
  await store.write();
  return root;
}

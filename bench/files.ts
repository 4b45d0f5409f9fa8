/**
 * `npm run bench -- files [--mib N]`: importing a file with the chain's UnixFS profile
 * (spec/files.md) and reading it back through the exporter, in MiB/s, against hashing the same
 * bytes once with sha256 (the bound: the importer hashes every byte once, in 1 MiB leaves), and
 * what registering it costs in gas.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { exporter } from 'ipfs-unixfs-exporter';
import type { CID } from 'multiformats/cid';
import { registerFileGas } from '../src/app/files/fees.js';
import { importFile } from '../src/files/profile.js';
import { parseNumericOptions } from './support-options.js';

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { mib: 64 }, 'files.ts');
  const bytes = randomBytes(o.mib * 1024 * 1024);
  const blocks = new Map<string, Uint8Array>();
  const sink = { put: (cid: CID, block: Uint8Array) => (blocks.set(cid.toString(), block), Promise.resolve(cid)) };
  const chunks = function* (): Generator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += 256 * 1024) yield bytes.subarray(at, at + 256 * 1024);
  };
  const t0 = performance.now();
  const { cid } = await importFile(chunks(), sink);
  const importMs = performance.now() - t0;
  const store = {
    *get(c: CID): Generator<Uint8Array> {
      yield blocks.get(c.toString()) as Uint8Array;
    },
  };
  const t1 = performance.now();
  let read = 0;
  const entry = await exporter(cid, store as unknown as Parameters<typeof exporter>[1]);
  if (entry.type !== 'file') throw new Error(`${cid.toString()} is a ${entry.type}, not a file`);
  for await (const part of entry.content()) read += part.length;
  const exportMs = performance.now() - t1;
  if (read !== bytes.length) throw new Error(`read back ${read} of ${bytes.length} bytes`);
  const t2 = performance.now();
  createHash('sha256').update(bytes).digest();
  const hashMs = performance.now() - t2;
  const rate = (ms: number): string => `${((o.mib / ms) * 1000).toFixed(0)} MiB/s`;
  console.log(`import ${o.mib} MiB with the profile: ${Math.round(importMs)} ms (${rate(importMs)}), ${blocks.size} blocks, root ${cid.toString()}`);
  console.log(`read back through the exporter: ${Math.round(exportMs)} ms (${rate(exportMs)}); sha256 of the same bytes once: ${Math.round(hashMs)} ms (${rate(hashMs)}), the bound`);
  console.log(`registering it: ${registerFileGas(bytes.length)} gas`);
}

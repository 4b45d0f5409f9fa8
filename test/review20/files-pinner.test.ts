/**
 * Review of issue 20 (files): the pinner against registrations nobody serves and DAGs that lie.
 *
 * - Starvation: each attempt at a CID no peer has holds one of the pinner's 2 slots for the
 *   block timeout (30 s), in one FIFO queue with new registrations. A few thousand junk CIDs
 *   (50,000 gas each, ~0.00005 CMT) keep every node from pinning honest files for hours.
 * - A DAG that failed its checks (BadDagError: hashed content, so it fails the same way for ever)
 *   is fetched again and again, for ever, up to its whole budget each time.
 */
import { describe, expect, it } from 'vitest';
import { BadDagError } from '../../src/files/fetch-dag.js';
import { Pinner, type PinTarget } from '../../src/files/pinner.js';
import type { FileRegistry } from '../../src/files/registry.js';
import { silentLogger } from '../../src/node/logger.js';

function registryOf(cids: string[]): FileRegistry {
  return {
    size: (cid) => (cids.includes(cid) ? 10 : undefined),
    count: () => cids.length,
    list: (from, limit) => cids.slice(from, from + limit),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('review20: the pinner', () => {
  it('pins a newly registered file without first waiting out every unavailable one', async () => {
    // 200 registered CIDs that no peer has; each attempt fails after the "block timeout"
    // (30 s on a node, 20 ms here). Then one honest file is registered, whose blocks are there.
    const BLOCK_TIMEOUT = 20;
    const junk = Array.from({ length: 200 }, (_, i) => `junk${i}`);
    const cids = [...junk];
    const pinned = new Set<string>();
    let pinnedAt = 0;
    const target: PinTarget = {
      isPinned: async (cid) => pinned.has(cid),
      fetchAndPin: async (cid, _size, signal) => {
        if (cid.startsWith('junk')) {
          await sleep(BLOCK_TIMEOUT);
          throw new Error('timed out waiting for the root block');
        }
        signal.throwIfAborted();
        pinned.add(cid);
        pinnedAt = Date.now();
      },
      loadCursor: async () => 0,
      saveCursor: async () => {},
    };
    const pinner = new Pinner(registryOf(cids), target, silentLogger(), { concurrency: 2, firstRetryMs: 1_000, maxRetryMs: 300_000 });
    await pinner.start();
    await sleep(50);
    cids.push('honest');
    const registeredAt = Date.now();
    pinner.scan();
    try {
      // On a node: 200 × 30 s / 2 = 50 minutes; 10,000 junk CIDs (one block's worth): 41 hours.
      for (let i = 0; i < 60 && !pinned.has('honest'); i++) await sleep(10);
      expect(pinned.has('honest'), 'the honest file waited behind every unavailable registration').toBe(true);
      expect(pinnedAt - registeredAt).toBeLessThan(10 * BLOCK_TIMEOUT);
    } finally {
      pinner.stop();
    }
  });

  it('does not fetch a DAG again once it failed its checks (BadDagError is final)', async () => {
    let attempts = 0;
    const target: PinTarget = {
      isPinned: async () => false,
      fetchAndPin: async () => {
        attempts++;
        // A lying DAG: each attempt fetches up to size + overhead (64 MiB) and then fails.
        throw new BadDagError('bafy-lying', 'node holds 5 bytes, the chain registered 67108864');
      },
      loadCursor: async () => 0,
      saveCursor: async () => {},
    };
    const pinner = new Pinner(registryOf(['lying']), target, silentLogger(), { concurrency: 2, firstRetryMs: 5, maxRetryMs: 10 });
    await pinner.start();
    try {
      await sleep(300);
      expect(attempts, 'a DAG whose hashed content failed the checks is downloaded again and again').toBe(1);
    } finally {
      pinner.stop();
    }
  });
});

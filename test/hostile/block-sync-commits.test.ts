/**
 * Block sync applies a block only under a commit that verifies against the validators of its
 * height, for that block's header, with the body the header commits to. A peer serving a
 * branch whose commit does not verify (too few signatures, a commit for another block,
 * signatures of another set, another block under an honest commit) is reported, and nothing
 * of it is applied.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeBlock, headerHash } from '../../src/codec/block.js';
import { BlockAnswer } from '../../src/codec/gossip.js';
import { encode } from '../../src/codec/schema.js';
import type { Commit } from '../../src/codec/vote.js';
import { BlockSync } from '../../src/node/block-sync.js';
import { protocolsFor } from '../../src/node/network.js';
import type { BlockStore } from '../../src/store/block-store.js';
import { RecordingDriver, ScriptedNetwork } from '../support/gossip-harness.js';
import { blockFor, CHAIN_ID, chainState, LAST_HEIGHT, lastCommitOf } from '../support/signed-consensus.js';
import { commitFor, type CommitShape } from '../support/signed-commit.js';

const HEIGHT = LAST_HEIGHT + 1;
const chain = chainState();
const honest = blockFor(chain, HEIGHT, { txs: [Uint8Array.of(1, 2, 3)], evidence: [], lastCommit: lastCommitOf(chain) });
const honestHash = headerHash(honest.header);
const fork = blockFor(chain, HEIGHT, { txs: [Uint8Array.of(4, 5, 6)], evidence: [], lastCommit: lastCommitOf(chain) });

/** Syncs from a peer that serves `blockBytes` under `commit` for HEIGHT; what was applied and reported. */
async function syncFrom(blockBytes: Uint8Array, commit: Commit): Promise<{ applied: number; reports: string[]; synced: number }> {
  const net = new ScriptedNetwork(['peer']);
  const driver = new RecordingDriver(chainState());
  const protocols = protocolsFor(CHAIN_ID);
  net.responders.set('peer', async (protocol) => {
    if (protocol !== protocols.block) throw new Error(`unexpected ${protocol}`);
    return encode(BlockAnswer, { lastHeight: HEIGHT, block: blockBytes, commit });
  });
  const counters = { syncedBlocks: 0 };
  await new BlockSync(net, driver, {} as BlockStore, counters, { requestTimeoutMs: 1000 }).sync('peer', HEIGHT);
  expect(net.reports.every((r) => r.peerId === 'peer')).toBe(true);
  return { applied: driver.applied.length, reports: net.reports.map((r) => r.reason), synced: counters.syncedBlocks };
}

const present = fc.array(fc.boolean(), { minLength: 4, maxLength: 4 });
const otherHash = fc.uint8Array({ minLength: 32, maxLength: 32 }).filter((h) => !Buffer.from(h).equals(Buffer.from(honestHash)));

/** Commits that must not let the honest block (or the fork) in. */
const badCases: fc.Arbitrary<{ what: string; block: Uint8Array; shape: CommitShape }> = fc.oneof(
  // Members' signatures, but not more than 2/3 of the power (each of the four holds a quarter).
  present.filter((p) => p.filter(Boolean).length < 3).map((p) => ({ what: 'too few signatures', block: encodeBlock(honest), shape: { present: p } })),
  // Signed for another block id, whether the commit names that id or ours.
  fc.tuple(present, otherHash, fc.boolean()).map(([p, hash, claimOurs]) => ({
    what: 'signed for another block',
    block: encodeBlock(honest),
    shape: { present: p, signedHash: hash, claimedHash: claimOurs ? honestHash : hash },
  })),
  // Keys outside the set, under their own addresses or the members'.
  fc.tuple(present.filter((p) => p.some(Boolean)), fc.constantFrom('own addresses' as const, 'members addresses' as const)).map(([p, outsiders]) => ({
    what: 'signatures of another set',
    block: encodeBlock(honest),
    shape: { present: p, outsiders },
  })),
  // The other branch under the honest block's valid commit.
  present.filter((p) => p.filter(Boolean).length >= 3).map((p) => ({ what: 'another block under an honest commit', block: encodeBlock(fork), shape: { present: p } })),
);

describe('block sync verifies each block against the validators of its height', () => {
  it('refuses and reports a branch whose commit does not verify, and applies nothing of it', async () => {
    await fc.assert(
      fc.asyncProperty(badCases, async ({ block, shape }) => {
        const result = await syncFrom(block, commitFor(chain, HEIGHT, honestHash, shape));
        expect(result.applied).toBe(0);
        expect(result.synced).toBe(0);
        expect(result.reports).toHaveLength(1);
        expect(result.reports[0]).toMatch(/^bad synced block/);
      }),
      { numRuns: 60 },
    );
  });

  it('applies a block whose commit carries more than 2/3 of the power, whichever members sign', async () => {
    await fc.assert(
      fc.asyncProperty(
        present.filter((p) => p.filter(Boolean).length >= 3),
        async (p) => {
          const result = await syncFrom(encodeBlock(honest), commitFor(chain, HEIGHT, honestHash, { present: p }));
          expect(result).toEqual({ applied: 1, reports: [], synced: 1 });
        },
      ),
      { numRuns: 10 },
    );
  });
});

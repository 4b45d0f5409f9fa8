/**
 * The block-sync reactor (CometBFT's blocksync/): a node behind its peer fetches committed
 * blocks with the commits that finalized them, verifies each before it is applied, and serves
 * its own stored blocks to others. It reads no clock: the catch-up reactor decides when to sync.
 */
import { bodyMismatch, decodeBlock, EMPTY_COMMIT, headerHash, type Block } from '../codec/block.js';
import { BlockAnswer, BlockRequest } from '../codec/gossip.js';
import { encode } from '../codec/schema.js';
import type { Commit } from '../codec/vote.js';
import { verifyCommit } from '../consensus/commit.js';
import { P2PError } from '../p2p/errors.js';
import type { BlockStore } from '../store/block-store.js';
import { ANSWER_SLACK_BYTES } from './answer-limits.js';
import type { ChainState } from './chain-state.js';
import type { ConsensusDriver } from './consensus-driver.js';
import { protocolsFor, type GossipNetwork } from './network.js';
import { decodeRequest, requestDecoded } from './peer-request.js';

/** What block sync needs of the driver: the chain it extends, and the checks and application of a committed block. */
export type SyncDriver = Pick<ConsensusDriver, 'chainState' | 'checkCommittedBlock' | 'applyCommittedBlock'>;

/** Block requests in flight during block sync. */
const SYNC_WINDOW = 16;
/** What one commit signature adds to a block answer, at most (flag, address, signature, framing). */
const COMMIT_SIG_BYTES = 128;

/** The largest block answer worth reading now: a block the chain allows, its commit and framing. */
function blockAnswerLimit(chain: ChainState): number {
  return chain.consensusParams.blockMaxBytes + chain.validators.size * COMMIT_SIG_BYTES + ANSWER_SLACK_BYTES;
}

/**
 * The block of a sync answer for `height`, proven: its commit carries +2/3 of the power of
 * `chain.validators` (the set of that height, as the chain state that is to apply it holds)
 * for its header's hash, and its body is the one that header commits to. Throws otherwise.
 */
export function verifySyncedBlock(chain: ChainState, height: number, blockBytes: Uint8Array, commit: Commit): { block: Block; hash: Uint8Array } {
  const block = decodeBlock(blockBytes);
  const hash = headerHash(block.header);
  if (block.header.height !== height) throw new Error(`asked for block ${height}, got ${block.header.height}`);
  verifyCommit(chain.chainId, chain.validators, height, hash, commit);
  // The commit vouches for the header only; the body must be the one the header commits to.
  const mismatch = bodyMismatch(block);
  if (mismatch) throw new Error(mismatch);
  return { block, hash };
}

type Asked = { limit: number; answer: Promise<BlockAnswer> };

export class BlockSync {
  private readonly protocols: ReturnType<typeof protocolsFor>;

  constructor(
    private readonly net: GossipNetwork,
    private readonly driver: SyncDriver,
    private readonly blockStore: BlockStore,
    private readonly counters: { syncedBlocks: number },
    private readonly options: { requestTimeoutMs: number },
  ) {
    this.protocols = protocolsFor(driver.chainState.chainId);
  }

  start(): void {
    this.net.handle(this.protocols.block, (data) => this.answerBlock(data));
  }

  /**
   * Fetches, verifies and applies committed blocks from `peer` up to `target`. Requests run
   * ahead of application (SYNC_WINDOW at a time), so the round trip to the peer overlaps the
   * work of applying the previous blocks. A block that fails verification is never applied:
   * the peer is reported and the sync ends.
   */
  async sync(peer: string, target: number): Promise<void> {
    // Blocks ahead are asked for within today's block limit: a peer cannot make this node buffer
    // SYNC_WINDOW answers of the structural cap. A block that governance let grow since is
    // asked for again, within its own limit, when its turn comes.
    const fetch = (height: number, maxResponseBytes: number): Asked => {
      const request = encode(BlockRequest, { height });
      const answer = requestDecoded(this.net, peer, { protocol: this.protocols.block, request, codec: BlockAnswer, what: 'block answer', timeoutMs: this.options.requestTimeoutMs, maxResponseBytes });
      // Handled when its turn comes; until then a failure must not count as unhandled.
      answer.catch(() => undefined);
      return { limit: maxResponseBytes, answer };
    };
    const ahead = new Map<number, Asked>();
    while (this.driver.chainState.lastBlockHeight < target) {
      const chain = this.driver.chainState;
      const height = chain.lastBlockHeight + 1;
      const limit = blockAnswerLimit(chain);
      for (let h = height; h <= Math.min(target, height + SYNC_WINDOW - 1); h++) {
        if (!ahead.has(h)) ahead.set(h, fetch(h, limit));
      }
      for (const h of ahead.keys()) if (h < height) ahead.delete(h);
      const asked = ahead.get(height) as Asked;
      ahead.delete(height);
      let answer: BlockAnswer;
      try {
        answer = await asked.answer;
      } catch (err) {
        if (!(err instanceof P2PError && err.code === 'P2P_MESSAGE_TOO_LARGE')) throw err;
        if (asked.limit >= limit) return this.net.reportInvalid(peer, `block answer for height ${height} larger than the chain allows`);
        answer = await fetch(height, limit).answer;
      }
      if (answer.block.length === 0) return;
      let proven: { block: Block; hash: Uint8Array };
      try {
        proven = verifySyncedBlock(chain, height, answer.block, answer.commit);
      } catch (err) {
        this.net.reportInvalid(peer, `bad synced block: ${(err as Error).message}`);
        return;
      }
      const invalid = await this.driver.checkCommittedBlock(proven.block, answer.block.length);
      if (invalid) {
        this.net.reportInvalid(peer, `bad synced block: height ${height}: ${invalid}`);
        return;
      }
      if (!(await this.driver.applyCommittedBlock(proven.block, answer.block, proven.hash, answer.commit))) return;
      this.counters.syncedBlocks++;
    }
  }

  private async answerBlock(data: Uint8Array): Promise<Uint8Array> {
    const { height } = decodeRequest(BlockRequest, data, 'block request');
    const lastHeight = this.blockStore.height;
    const bytes = await this.blockStore.loadBlockBytes(height);
    const commit = bytes ? await this.blockStore.loadSeenCommit(height) : undefined;
    if (!bytes || !commit) return encode(BlockAnswer, { lastHeight, block: new Uint8Array(0), commit: EMPTY_COMMIT });
    return encode(BlockAnswer, { lastHeight, block: bytes, commit });
  }
}

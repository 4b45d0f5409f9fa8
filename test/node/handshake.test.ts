/**
 * Crash recovery: stop applying a block after each of its writes, as a kill -9 would, and
 * check that the next start finishes the job with the same result as an uninterrupted run.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBlock, headerHash } from '../../src/codec/block.js';
import { CmtApp } from '../../src/app/cmt-app.js';
import { InlineVerifier } from '../../src/app/executor/signature-verifier.js';
import { Mempool } from '../../src/mempool/mempool.js';
import { BlockExecutor } from '../../src/node/block-executor.js';
import { encodeChainState, type ChainState } from '../../src/node/chain-state.js';
import { readGenesisFile } from '../../src/node/genesis.js';
import { handshake } from '../../src/node/handshake.js';
import { homePaths } from '../../src/node/home.js';
import { silentLogger } from '../../src/node/logger.js';
import { StateStore } from '../../src/state/store.js';
import { BlockStore } from '../../src/store/block-store.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, type TestHome } from '../support/nodes.js';

interface Parts {
  state: StateStore;
  blocks: BlockStore;
  app: CmtApp;
  executor: BlockExecutor;
  close(): Promise<void>;
}

async function open(home: string): Promise<Parts> {
  const paths = homePaths(home);
  const state = await StateStore.open(paths.stateDb, { keepRecent: 100 });
  const blocks = await BlockStore.open(paths.chainDb);
  const app = new CmtApp(state, new InlineVerifier());
  const mempool = new Mempool(app, { maxTxs: 10, maxBytes: 1e6, maxTxBytes: 1e6, cacheSize: 10 });
  const executor = new BlockExecutor(app, blocks, mempool);
  return { state, blocks, app, executor, close: async () => (await blocks.close(), await state.close()) };
}

async function recover(home: string, parts: Parts): Promise<ChainState> {
  return handshake({ app: parts.app, blockStore: parts.blocks, executor: parts.executor, genesis: await readGenesisFile(homePaths(home).genesis), logger: silentLogger(), dataDir: home });
}

describe('handshake after a crash while applying a block', () => {
  let home: TestHome;
  let reference: { height: number; appHash: Uint8Array };
  beforeEach(async () => {
    home = await makeTestHome();
    // Run a node long enough to commit a block with a transfer, then stop it cleanly.
    const running = await startTestNode(home.home);
    await running.client.call('broadcast_tx_commit', { tx: '0x' + Buffer.from(transfer(testKey(0), { nonce: 0, to: addressOf(testKey(1)), amount: 9n })).toString('hex') });
    await running.stop();
    const parts = await open(home.home);
    const state = await recover(home.home, parts);
    reference = { height: state.lastBlockHeight, appHash: state.appHash };
    await parts.close();
  });
  afterEach(() => home.cleanup());

  /** Builds and saves the next block, then applies it only up to `stopAfter`. */
  async function crashWhileApplying(stopAfter: 'saved' | 'results' | 'app-persist'): Promise<{ height: number; appHash: Uint8Array }> {
    const parts = await open(home.home);
    const state = await recover(home.home, parts);
    const proposer = state.validators.proposer.address;
    const lastCommit = (await parts.blocks.loadSeenCommit(state.lastBlockHeight)) ?? null;
    const built = await parts.executor.createProposalBlock(state, lastCommit, proposer, state.lastBlockTime + 1000);
    const block = decodeBlock(built.bytes);
    const commit = { height: block.header.height, round: 0, blockHash: built.hash, signatures: [] };
    await parts.blocks.saveBlock(block, built.bytes, built.hash, commit);
    let expectedHash: Uint8Array | undefined;
    if (stopAfter !== 'saved') {
      const response = await parts.executor.finalize(state, block, headerHash(block.header));
      expectedHash = response.appHash;
      await parts.executor.saveResults(block, response);
      if (stopAfter === 'app-persist') await parts.app.persist();
    }
    await parts.close();
    return { height: block.header.height, appHash: expectedHash ?? new Uint8Array(0) };
  }

  it.each(['saved', 'results', 'app-persist'] as const)('finishes a block interrupted after "%s"', async (stopAfter) => {
    const interrupted = await crashWhileApplying(stopAfter);
    const parts = await open(home.home);
    const state = await recover(home.home, parts);
    expect(state.lastBlockHeight).toBe(reference.height + 1);
    expect(state.lastBlockHeight).toBe(interrupted.height);
    if (interrupted.appHash.length) expect(state.appHash).toEqual(interrupted.appHash);
    expect(parts.app.info().lastBlockHeight).toBe(interrupted.height);
    // A second start finds nothing left to do.
    await parts.close();
    const again = await open(home.home);
    expect((await recover(home.home, again)).appHash).toEqual(state.appHash);
    await again.close();
  });

  it('refuses a chain state that does not fit the stores', async () => {
    const parts = await open(home.home);
    const state = await recover(home.home, parts);
    await parts.blocks.saveChainState(encodeChainState({ ...state, lastBlockHeight: state.lastBlockHeight + 5 }));
    await expect(recover(home.home, parts)).rejects.toMatchObject({ code: 'HANDSHAKE_FAILED' });
    await parts.close();
  });
});

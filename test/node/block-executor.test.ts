/**
 * The block executor drives the commit: it holds the mempool from FinalizeBlock until the pool
 * has dropped the block's transactions, so no CheckTx ever runs against a check state the app's
 * Commit is replacing. Real app, real stores, real mempool; the races are generated.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Application, CheckTxKind, FinalizeBlockRequest, FinalizeBlockResponse } from '../../src/app/abci.js';
import { CmtApp } from '../../src/app/cmt-app.js';
import { InlineVerifier } from '../../src/app/executor/signature-verifier.js';
import { decodeBlock, type Block } from '../../src/codec/block.js';
import { txHash } from '../../src/codec/tx.js';
import type { Commit } from '../../src/codec/vote.js';
import { MempoolCode } from '../../src/mempool/errors.js';
import { Mempool, type BlockUpdate } from '../../src/mempool/mempool.js';
import { BlockExecutor } from '../../src/node/block-executor.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { readGenesisFile } from '../../src/node/genesis.js';
import { handshake } from '../../src/node/handshake.js';
import { homePaths } from '../../src/node/home.js';
import { silentLogger } from '../../src/node/logger.js';
import { StateStore } from '../../src/state/store.js';
import { BlockStore } from '../../src/store/block-store.js';
import { addressOf, makeTestHome, testKey, transfer, type TestHome } from '../support/nodes.js';

const SENDERS = 4;
const SINK = addressOf(testKey(9));

/** Lets the event loop turn once: the other side of a race gets its chance. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the test sees of the pool's work while a block is being applied. */
interface Observer {
  /** From the app's FinalizeBlock call until the mempool's update for that block returned. */
  blockOpen: boolean;
  checksDuringBlock: number;
  rechecks: number;
}

/** The pool reports its block update to the observer (the executor's only handle on it). */
class ObservedMempool extends Mempool {
  constructor(
    app: CmtApp,
    private readonly observer: Observer,
  ) {
    super(
      {
        checkTx: (tx: Uint8Array, kind: CheckTxKind) => {
          if (observer.blockOpen) observer.checksDuringBlock++;
          if (kind === 'recheck') observer.rechecks++;
          return app.checkTx(tx, kind);
        },
        identify: (tx: Uint8Array) => app.identify(tx),
        pendingNonce: (sender: Uint8Array) => app.pendingNonce(sender),
      },
      { maxTxs: 10_000, maxBytes: 1 << 24, maxTxBytes: 1 << 16, cacheSize: 10_000 },
    );
  }

  override lockForBlock<T>(section: (pool: BlockUpdate) => Promise<T>): Promise<T> {
    return super.lockForBlock((pool) =>
      section({
        update: (hashes) => {
          const outcome = pool.update(hashes);
          this.observer.blockOpen = false;
          return outcome;
        },
      }),
    );
  }
}

interface Chain {
  app: CmtApp;
  pool: ObservedMempool;
  blocks: BlockStore;
  executor: BlockExecutor;
  observer: Observer;
  state: ChainState;
  lastCommit: Commit | null;
  /** A misbehaving app: rewrites what FinalizeBlock answers. */
  hooks: { rewrite: ((response: FinalizeBlockResponse) => void) | null };
  close(): Promise<void>;
}

async function openChain(home: string): Promise<Chain> {
  const paths = homePaths(home);
  const store = await StateStore.open(paths.stateDb, { keepRecent: 100 });
  const blocks = await BlockStore.open(paths.chainDb);
  const app = new CmtApp(store, new InlineVerifier());
  const observer: Observer = { blockOpen: false, checksDuringBlock: 0, rechecks: 0 };
  const pool = new ObservedMempool(app, observer);
  const hooks: Chain['hooks'] = { rewrite: null };
  // The executor's view of the app: FinalizeBlock opens the block for the observer.
  const observedApp: Application = {
    info: () => app.info(),
    initChain: (request) => app.initChain(request),
    checkTx: (tx, kind) => app.checkTx(tx, kind),
    prepareProposal: (request) => app.prepareProposal(request),
    processProposal: (request) => app.processProposal(request),
    finalizeBlock: async (request: FinalizeBlockRequest) => {
      observer.blockOpen = true;
      const response = await app.finalizeBlock(request);
      hooks.rewrite?.(response);
      return response;
    },
    persist: () => app.persist(),
    query: (request) => app.query(request),
  };
  const executor = new BlockExecutor(observedApp, blocks, pool);
  const state = await handshake({ app, blockStore: blocks, executor, genesis: await readGenesisFile(paths.genesis), logger: silentLogger(), dataDir: home });
  const chain: Chain = {
    app,
    pool,
    blocks,
    executor,
    observer,
    state,
    lastCommit: null,
    hooks,
    close: async () => {
      await blocks.close();
      await store.close();
    },
  };
  return chain;
}

/** The next block from the pool, saved as the driver saves it before applying. */
async function nextBlock(chain: Chain): Promise<{ block: Block; hash: Uint8Array; commit: Commit }> {
  const proposer = chain.state.validators.proposer.address;
  const built = await chain.executor.createProposalBlock(chain.state, chain.lastCommit, proposer, chain.state.lastBlockTime + 1000);
  const block = decodeBlock(built.bytes);
  const commit: Commit = { height: block.header.height, round: 0, blockHash: built.hash, signatures: [] };
  await chain.blocks.saveBlock(block, built.bytes, built.hash, commit);
  return { block, hash: built.hash, commit };
}

function senderTx(sender: number, nonce: number, amount = 1n): Uint8Array {
  return transfer(testKey(sender), { nonce, to: SINK, amount });
}

type Op = { kind: 'add'; sender: number; skew: -1 | 0 | 1; after: number } | { kind: 'reap'; after: number } | { kind: 'freshen'; sender: number; after: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('add' as const), sender: fc.nat(SENDERS - 1), skew: fc.constantFrom(0 as const, 0 as const, 0 as const, -1 as const, 1 as const), after: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reap' as const), after: fc.nat(12) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('freshen' as const), sender: fc.nat(SENDERS - 1), after: fc.nat(12) }) },
);

describe('BlockExecutor.applyBlock holds the mempool', () => {
  let home: TestHome;
  let chain: Chain;
  beforeEach(async () => {
    home = await makeTestHome(SENDERS);
    chain = await openChain(home.home);
  });
  afterEach(async () => {
    await chain.close();
    await home.cleanup();
  });

  it('drops the committed transactions and re-checks the rest, after the app committed', async () => {
    for (let n = 0; n < 3; n++) expect((await chain.pool.add(senderTx(0, n))).code).toBe(0);
    expect((await chain.pool.add(senderTx(1, 0))).code).toBe(0);
    const { block, hash } = await nextBlock(chain);
    // Arrive after the proposal was built: they stay pending through the block.
    const rest = [senderTx(0, 3), senderTx(1, 1)];
    for (const tx of rest) expect((await chain.pool.add(tx)).code).toBe(0);
    const rechecksBefore = chain.observer.rechecks;

    const applied = await chain.executor.applyBlock(chain.state, block, hash);
    expect(applied.response.txResults.map((r) => r.code)).toEqual([0, 0, 0, 0]);
    for (const tx of block.txs) expect(chain.pool.has(txHash(tx))).toBe(false);
    expect(chain.pool.size).toBe(rest.length);
    // A replay of a committed transaction is turned away by the pool, before CheckTx.
    expect((await chain.pool.add(block.txs[0] as Uint8Array)).code).toBe(MempoolCode.TX_ALREADY_KNOWN);
    expect(chain.pool.recheckPending).toBe(true);

    await chain.pool.recheckDone();
    expect(chain.observer.rechecks - rechecksBefore).toBe(rest.length);
    expect(chain.pool.evicted).toBe(0);
    expect(chain.pool.reap(1 << 24, Number.MAX_SAFE_INTEGER)).toEqual(rest);
  });

  it('never lets CheckTx, a proposal or a nonce query meet a half-committed check state, whatever the interleaving', async () => {
    const issued = new Array<number>(SENDERS).fill(0);
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 24 }), fc.nat(6), async (ops, applyAfter) => {
        await chain.pool.recheckDone();
        for (let s = 0; s < SENDERS; s++) issued[s] = chain.app.pendingNonce(addressOf(testKey(s)));
        chain.observer.checksDuringBlock = 0;
        const { block, hash, commit } = await nextBlock(chain);
        const runs: Promise<unknown>[] = [];
        const later = async (after: number, work: () => Promise<unknown> | unknown): Promise<unknown> => {
          for (let i = 0; i < after; i++) await turn();
          return work();
        };
        runs.push(
          later(applyAfter, async () => {
            const applied = await chain.executor.applyBlock(chain.state, block, hash);
            chain.state = applied.state;
            chain.lastCommit = commit;
            // Every transaction the pool offered executes: the pool never admitted one against a stale state.
            expect(applied.response.txResults.filter((r) => r.code !== 0)).toEqual([]);
          }),
        );
        for (const op of ops) {
          if (op.kind === 'add') {
            runs.push(
              later(op.after, () => {
                const nonce = op.skew === 0 ? (issued[op.sender] as number) : Math.max(0, (issued[op.sender] as number) + op.skew);
                if (op.skew === 0) issued[op.sender] = nonce + 1;
                return chain.pool.add(senderTx(op.sender, nonce, BigInt(1 + op.after)));
              }),
            );
          } else if (op.kind === 'reap') {
            runs.push(later(op.after, () => chain.pool.reap(1 << 20, 10_000_000)));
          } else {
            runs.push(later(op.after, () => chain.pool.freshen(addressOf(testKey(op.sender)))));
          }
        }
        await Promise.all(runs);
        expect(chain.observer.blockOpen).toBe(false);
        expect(chain.observer.checksDuringBlock).toBe(0);
        for (const tx of block.txs) expect(chain.pool.has(txHash(tx))).toBe(false);
      }),
      { numRuns: 25 },
    );
    // What is left pending after the last race still makes a block that executes in full.
    await chain.pool.recheckDone();
    const pending = chain.pool.size;
    const { block, hash } = await nextBlock(chain);
    const applied = await chain.executor.applyBlock(chain.state, block, hash);
    expect(block.txs.length).toBe(pending);
    expect(applied.response.txResults.filter((r) => r.code !== 0)).toEqual([]);
    expect(chain.pool.size).toBe(0);
  }, 120_000);

  it('stops before saving anything when FinalizeBlock answers with a mempool code, and releases the pool', async () => {
    expect((await chain.pool.add(senderTx(0, 0))).code).toBe(0);
    const { block, hash } = await nextBlock(chain);
    const appHeight = chain.app.info().lastBlockHeight;
    chain.hooks.rewrite = (response) => {
      const first = response.txResults[0];
      if (first) response.txResults[0] = { ...first, code: MempoolCode.MEMPOOL_FULL };
    };
    await expect(chain.executor.applyBlock(chain.state, block, hash)).rejects.toThrow(/mempool's code 11/);
    expect(await chain.blocks.loadResults(block.header.height)).toBeUndefined();
    expect(chain.app.info().lastBlockHeight).toBe(appHeight);
    // The lock was released and the pool was not updated: its transaction is still pending, and admission goes on.
    expect(chain.pool.has(txHash(block.txs[0] as Uint8Array))).toBe(true);
    expect((await chain.pool.add(senderTx(0, 1))).code).toBe(0);
  });
});

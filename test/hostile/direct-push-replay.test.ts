/**
 * Direct push (/cmt/direct/1): every node serves it, and a push was judged
 * by the topic's handler without gossipsub's seen cache (the simulator's HubPort does dedupe a
 * push by its id; the libp2p host does not). A peer can therefore push the same valid message
 * again and again, 200 times a second by default, and each copy counts as new:
 * - a vote for the height being decided passes the reactor's checks, is fed to the driver, and
 *   the driver appends every fed event to the consensus WAL before the core sees it: the WAL
 *   (and the replay after a restart) grows by a record per push while a height lasts (a
 *   proposal with its inline block grows it by the block's size per push);
 * - a vote for the next height is held again per copy: the hold's message bound is shared by
 *   all peers, so one peer fills it with copies of one vote and an honest peer's message for
 *   the next height is dropped.
 * Through gossip the same bytes reach the handler once per seen-cache period, so neither can
 * happen there. The node must treat a message it already has the same whichever way it came:
 * the host remembers what was pushed (spec/p2p.md), and the driver drops what its core holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeVote, PREVOTE } from '../../src/codec/vote.js';
import type { BlockExecutor } from '../../src/node/block-executor.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { ConsensusDriver } from '../../src/node/consensus-driver.js';
import { ConsensusReactor, type ConsensusReactorOptions } from '../../src/node/consensus-reactor.js';
import { EventBus } from '../../src/node/event-bus.js';
import { silentLogger } from '../../src/node/logger.js';
import { topicsFor } from '../../src/node/network.js';
import { Wal } from '../../src/node/wal.js';
import type { Mempool } from '../../src/mempool/mempool.js';
import type { P2PHost } from '../../src/p2p/host.js';
import type { BlockStore } from '../../src/store/block-store.js';
import { HostPool, waitFor } from '../p2p/helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { chainState, lastCommitOf, LAST_HEIGHT, signedVote } from '../support/signed-consensus.js';

const PUSHES = 25;

const REACTOR_OPTIONS: ConsensusReactorOptions = {
  requestTimeoutMs: 5_000,
  maxHeld: PUSHES,
  maxHeldBytes: 1 << 20,
  maxHeldBytesPerPeer: 1 << 18,
  maxInlineBlockBytes: 1 << 20,
};

/**
 * The driver as a node runs it, with its real WAL in `walDir`; it has no key and is never asked
 * to build or apply a block here, so the executor, mempool and stores are never used.
 */
async function startedDriver(chain: ChainState, walDir: string): Promise<{ driver: ConsensusDriver; wal: Wal }> {
  const wal = await Wal.open(walDir, silentLogger());
  const lastCommit = lastCommitOf(chain);
  const driver = new ConsensusDriver(
    {
      privValidator: null,
      executor: {} as BlockExecutor,
      blockStore: { loadSeenCommit: async () => lastCommit } as unknown as BlockStore,
      mempool: {} as Mempool,
      events: new EventBus(),
      logger: silentLogger(),
      clock: new ManualClock(),
      onFatal: (err) => {
        throw err;
      },
      wal,
    },
    chain,
  );
  await driver.start();
  return { driver, wal };
}

describe('direct push of one valid vote, again and again', () => {
  const pool = new HostPool();
  const dirs: string[] = [];
  afterEach(async () => {
    await pool.stopAll();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function nodeWithPeers(peers: number): Promise<{ node: P2PHost; senders: P2PHost[]; driver: ConsensusDriver; wal: Wal; walDir: string; reactor: ConsensusReactor; chain: ChainState }> {
    const chain = chainState();
    const dir = await mkdtemp(join(tmpdir(), 'review14-wal-'));
    dirs.push(dir);
    const walDir = join(dir, 'cs.wal');
    const { driver, wal } = await startedDriver(chain, walDir);
    const node = await pool.start();
    const senders: P2PHost[] = [];
    for (let i = 0; i < peers; i++) senders.push(await pool.start({ persistentPeers: [node.listenAddrs[0]!] }));
    await waitFor('the peers to connect', () => senders.every((s) => s.peers().some((p) => p.peerId === node.peerId)));
    const reactor = new ConsensusReactor(node, driver, silentLogger(), { received: 0, rejected: 0, ignored: 0, held: 0 }, REACTOR_OPTIONS);
    reactor.start();
    return { node, senders, driver, wal, walDir, reactor, chain };
  }

  it('writes it to the consensus WAL once, not once per push', async () => {
    const { node, senders, driver, wal, walDir, chain } = await nodeWithPeers(1);
    // A genuine prevote of validator 1 for the height being decided: valid, current, the same bytes each time.
    const vote = encodeVote(signedVote(chain, { height: LAST_HEIGHT + 1, round: 0, type: PREVOTE, member: 1 }));
    const topic = topicsFor(chain.chainId).vote;
    for (let i = 0; i < PUSHES; i++) await senders[0]!.push(node.peerId, topic, vote);

    await driver.stop();
    await wal.close();
    const reopened = await Wal.open(walDir, silentLogger());
    await reopened.close();
    expect(reopened.replay.height).toBe(LAST_HEIGHT + 1);
    // Gossip would have handed these bytes to the handler once; the push path hands them over PUSHES times.
    expect(reopened.replay.records.length).toBe(1);
  });

  it('logs a vote the core already holds once, whichever way the copies come (gossip, catch-up answers, pushes)', async () => {
    const chain = chainState();
    const dir = await mkdtemp(join(tmpdir(), 'driver-copies-'));
    dirs.push(dir);
    const walDir = join(dir, 'cs.wal');
    const { driver, wal } = await startedDriver(chain, walDir);
    const vote = signedVote(chain, { height: LAST_HEIGHT + 1, round: 0, type: PREVOTE, member: 1 });
    // The same vote as new objects each time, as decoding a catch-up answer or a gossip copy makes them.
    for (let i = 0; i < PUSHES; i++) driver.enqueue({ type: 'vote', vote: { ...vote, blockHash: Uint8Array.from(vote.blockHash), signature: Uint8Array.from(vote.signature) } });
    // A different vote of the same validator (a conflict) is news, and is logged.
    driver.enqueue({ type: 'vote', vote: signedVote(chain, { height: LAST_HEIGHT + 1, round: 0, type: PREVOTE, member: 1, blockHash: new Uint8Array(32).fill(7) }) });
    await driver.stop();
    await wal.close();
    const reopened = await Wal.open(walDir, silentLogger());
    await reopened.close();
    expect(reopened.replay.records.length).toBe(2);
  });

  it('holds one copy of a next-height vote, so an honest peer\'s next-height message still fits', async () => {
    const { node, senders, chain } = await nodeWithPeers(2);
    const [attacker, honest] = senders as [P2PHost, P2PHost];
    const topic = topicsFor(chain.chainId).vote;
    const replayed = encodeVote(signedVote(chain, { height: LAST_HEIGHT + 2, round: 0, type: PREVOTE, member: 1 }));
    for (let i = 0; i < PUSHES; i++) await attacker.push(node.peerId, topic, replayed);
    // Another validator's genuine vote for the next height, from a peer that sent nothing else.
    const fresh = encodeVote(signedVote(chain, { height: LAST_HEIGHT + 2, round: 0, type: PREVOTE, member: 2 }));
    expect(await honest.push(node.peerId, topic, fresh)).toBe('accept');
  });
});

/**
 * Review of issue 14, direct push (/cmt/direct/1): every node serves it, and a push is judged
 * by the topic's handler without gossipsub's seen cache. A peer can therefore push the same
 * valid vote again and again (200 a second by default); each copy passes the reactor's checks,
 * is fed to the driver, and the driver appends every fed event to the consensus WAL before the
 * core sees it. Through gossip the same bytes reach the handler once per seen-cache period. So
 * one peer grows a node's WAL (and its replay after a restart) by a record per push, without
 * bound while a height lasts. The node must feed a message it already has to the core (and its
 * WAL) once, whichever way it came.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeVote, PREVOTE } from '../../src/codec/vote.js';
import type { BlockExecutor } from '../../src/node/block-executor.js';
import { ConsensusDriver } from '../../src/node/consensus-driver.js';
import { ConsensusReactor } from '../../src/node/consensus-reactor.js';
import { EventBus } from '../../src/node/event-bus.js';
import { silentLogger } from '../../src/node/logger.js';
import { topicsFor } from '../../src/node/network.js';
import { Wal } from '../../src/node/wal.js';
import type { Mempool } from '../../src/mempool/mempool.js';
import type { BlockStore } from '../../src/store/block-store.js';
import { HostPool, waitFor } from '../p2p/helpers.js';
import { ManualClock } from '../support/manual-clock.js';
import { chainState, lastCommitOf, LAST_HEIGHT, signedVote } from '../support/signed-consensus.js';

const PUSHES = 25;

describe('review14: direct push of one valid vote, again and again', () => {
  const pool = new HostPool();
  const dirs: string[] = [];
  afterEach(async () => {
    await pool.stopAll();
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it('writes it to the consensus WAL once, not once per push', async () => {
    const chain = chainState();
    const dir = await mkdtemp(join(tmpdir(), 'review14-wal-'));
    dirs.push(dir);
    const wal = await Wal.open(join(dir, 'cs.wal'), silentLogger());
    // The driver as a node runs it (real WAL on the file system); it has no key and is never
    // asked to build or apply a block here, so the executor, mempool and stores are never used.
    const lastCommit = lastCommitOf(chain);
    const blockStore = { loadSeenCommit: async () => lastCommit } as unknown as BlockStore;
    const driver = new ConsensusDriver(
      {
        privValidator: null,
        executor: {} as BlockExecutor,
        blockStore,
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

    const attacker = await pool.start();
    const node = await pool.start({ persistentPeers: [attacker.listenAddrs[0]!] });
    await waitFor('the attacker and the node to connect', () => attacker.peers().some((p) => p.peerId === node.peerId));
    const reactor = new ConsensusReactor(node, driver, silentLogger(), { received: 0, rejected: 0, ignored: 0, held: 0 }, {
      requestTimeoutMs: 5_000,
      maxHeld: 1_000,
      maxHeldBytes: 1 << 20,
      maxHeldBytesPerPeer: 1 << 18,
      maxInlineBlockBytes: 1 << 20,
    });
    reactor.start();

    // A genuine prevote of validator 1 for the height being decided: valid, current, and the same bytes each time.
    const vote = encodeVote(signedVote(chain, { height: LAST_HEIGHT + 1, round: 0, type: PREVOTE, member: 1 }));
    const topic = topicsFor(chain.chainId).vote;
    for (let i = 0; i < PUSHES; i++) await attacker.push(node.peerId, topic, vote);

    await driver.stop();
    await wal.close();
    const reopened = await Wal.open(join(dir, 'cs.wal'), silentLogger());
    const records = reopened.replay.records.length;
    await reopened.close();
    expect(reopened.replay.height).toBe(LAST_HEIGHT + 1);
    // Gossip would have handed these bytes to the handler once; the push path hands them over PUSHES times.
    expect(records).toBe(1);
  });
});

/**
 * Block sync applies any block with a valid +2/3 commit, whatever the local clock says: a node
 * whose clock is a minute behind the chain's validator still follows the chain, and does not
 * blame the peer that served it the blocks.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/node/logger.js';
import { initHome } from '../../src/node/init-home.js';
import { Node } from '../../src/node/node.js';
import type { P2PHost } from '../../src/p2p/host.js';
import { makeTestHome, waitForHeight, type TestHome } from '../support/nodes.js';
import { tempDir } from '../support/temp-dir.js';

const AHEAD_MS = 60_000;

describe('a full node whose clock is a minute behind the validator', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    cleanups.length = 0;
  });

  it('syncs and follows the committed blocks without reporting the peer', async () => {
    const validatorHome: TestHome = await makeTestHome(1, {
      config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, verifierThreads: 1, executionWorkers: 0 }),
    });
    cleanups.push(validatorHome.cleanup);
    // The only validator's clock runs a minute ahead: every block's time is a minute in the follower's future.
    const validator = await Node.open(validatorHome.home, { logger: silentLogger(), clock: () => Date.now() + AHEAD_MS });
    await validator.start();
    cleanups.push(() => validator.stop());
    await waitForHeight(validator, 3);

    const dir = await tempDir('slow-clock');
    cleanups.push(dir.cleanup);
    const listen = validator.netInfo();
    await initHome({
      home: join(dir.path, 'follower'),
      chainId: validator.genesis.chainId,
      genesis: validator.genesis,
      config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0, persistentPeers: [`${listen.listenAddrs[0]}`] }, verifierThreads: 1, executionWorkers: 0 }),
    });
    const follower = await Node.open(join(dir.path, 'follower'), { logger: silentLogger() });
    await follower.start();
    cleanups.push(() => follower.stop());

    const target = validator.status().latestBlockHeight + 2;
    // Without the fix the follower never gets there: fail in seconds, not at the test timeout.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`the follower is stuck at height ${follower.status().latestBlockHeight}`)), 15_000)));
    await Promise.race([waitForHeight(follower, target), gaveUp]).finally(() => clearTimeout(timer));
    const ahead = (await follower.block(target))!.block.header.time - Date.now();
    expect(ahead).toBeGreaterThan(AHEAD_MS / 2);
    const host = (follower as unknown as { host: P2PHost }).host;
    expect(host.stats().invalid).toEqual({});
    expect(host.stats().bannedPeers).toBe(0);
  }, 30_000);
});

/**
 * A devnet node process in a temp home, as CLI tests use one: a funded `dev` key (owning the
 * validator's candidacy when `selfStake` is given), RPC and p2p on free ports, and the
 * environment that points the `cmt` command at it.
 */
import { join } from 'node:path';
import { ONE_CMT } from '../../src/codec/amount.js';
import { spawnNode, type NodeProcess } from '../../src/cli/node-process.js';
import { initHome, type InitHomeOptions } from '../../src/node/init-home.js';
import { cmt } from './cli.js';
import { tempDir } from './temp-dir.js';

export interface DevnetNode {
  home: string;
  node: NodeProcess;
  /** CMT_HOME and CMT_NODE for `cmt`. */
  env: NodeJS.ProcessEnv;
  /** The dev key's 0x address. */
  dev: string;
  stop(): Promise<void>;
}

export async function startDevnetNode(label: string, options: { balance?: bigint; selfStake?: bigint; commitMs?: number } = {}): Promise<DevnetNode> {
  const selfStake = options.selfStake;
  return spawnDevKeyNode(label, 'devnet', {
    chainId: 'cmt-devnet',
    devKey: { name: 'dev', balance: options.balance ?? 1_000n * ONE_CMT, ...(selfStake === undefined ? {} : { selfStake }) },
    consensusParams: { timeouts: { nextBlockDelay: options.commitMs ?? 100 } },
  });
}

/**
 * A node process in a new temp home (`homeName` inside it) made by `init`, with a key named
 * `dev`, RPC and p2p on free ports; the temp home is removed if the node fails to start.
 */
export async function spawnDevKeyNode(label: string, homeName: string, init: Omit<InitHomeOptions, 'home' | 'config'>): Promise<DevnetNode> {
  const dir = await tempDir(label);
  const home = join(dir.path, homeName);
  await initHome({
    ...init,
    home,
    config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 } }),
  });
  const node = await spawnNode({ home }).catch(async (err: unknown) => {
    await dir.cleanup();
    throw err;
  });
  const env = { CMT_HOME: home, CMT_NODE: node.rpcUrl };
  const dev = (await cmt(['keys', 'show', 'dev', '-a'], env)).stdout.trim();
  return {
    home,
    node,
    env,
    dev,
    async stop() {
      await node.stop();
      await dir.cleanup();
    },
  };
}

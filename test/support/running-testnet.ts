/**
 * A local testnet of real node processes for a test file: created in a temp directory with
 * 200 ms blocks, every node launched and past height 1; `stop` kills them and removes it.
 */
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { freePort, launchNode, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { createTestnet, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { tempDir } from './temp-dir.js';

export const FAST_BLOCKS = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 200 } };

export interface RunningTestnet {
  dir: string;
  net: TestnetManifest;
  node(i: number): TestnetNode;
  stop(): Promise<void>;
}

export async function startTestnet(name: string, validators: number): Promise<RunningTestnet> {
  const dir = await tempDir(name);
  const net = await createTestnet({ dir: dir.path, validators, fullNodes: 0, chainId: `cmt-${name}`, freePort, consensusParams: FAST_BLOCKS });
  const stop = async (): Promise<void> => {
    await Promise.all(net.nodes.map((n) => stopNode(n, 'SIGKILL')));
    await dir.cleanup();
  };
  try {
    await Promise.all(net.nodes.map((n) => launchNode(n)));
    await waitForHeights(net.nodes, 2, 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir: dir.path, net, node: (i) => net.nodes[i] as TestnetNode, stop };
}

/**
 * A node home that has committed a few blocks, and a scratch folder for copies of it: tests
 * that damage the files read at start copy the template, damage the copy and start it.
 */
import { silentLogger } from '../../src/node/logger.js';
import { Node } from '../../src/node/node.js';
import { makeTestHome, waitForHeight } from './nodes.js';
import { tempDir } from './temp-dir.js';

export interface HomeTemplate {
  /** The template home; copy it, never change it. */
  home: string;
  /** A folder for the copies, removed with the template. */
  scratch: string;
  cleanup(): Promise<void>;
}

export async function committedHomeTemplate(label: string, height: number): Promise<HomeTemplate> {
  const template = await makeTestHome(1, { config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, verifierThreads: 1, executionWorkers: 0 }) });
  const node = await Node.open(template.home, { logger: silentLogger() });
  await node.start();
  await waitForHeight(node, height);
  await node.stop();
  const scratch = await tempDir(label);
  return {
    home: template.home,
    scratch: scratch.path,
    cleanup: async () => {
      await scratch.cleanup();
      await template.cleanup();
    },
  };
}

/**
 * Runs a node and its RPC server in the foreground until SIGINT/SIGTERM, then stops both
 * cleanly (a block being applied finishes, databases close).
 */
import type { ByzantineStrategyName } from '../node/byzantine.js';
import { readGenesisFile } from '../node/genesis.js';
import { resolve } from 'node:path';
import { homePaths } from '../node/home.js';
import { assertLocalChain } from '../node/local-chain.js';
import { Node } from '../node/node.js';
import type { NodeConfig } from '../node/config.js';
import type { Logger } from '../node/logger.js';
import { startRpcServer, type RpcServer } from '../rpc/server.js';
import { startChaosAdmin, type ChaosAdmin } from '../node/chaos-admin.js';
import { LinkFaults } from '../p2p/link-faults.js';
import { startWebhooks } from '../hooks/start.js';
import type { WebhookServer } from '../hooks/server.js';

export interface RunningNode {
  node: Node;
  rpc: RpcServer;
  /** The webhook endpoint, when webhooks.enabled. */
  webhooks: WebhookServer | undefined;
  /** Resolves when the node has stopped, for whatever reason. */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export interface RunNodeOptions {
  /** Open the fault-injection admin endpoint on 127.0.0.1:PORT (`cmt testnet chaos`). */
  chaosAdminPort?: number;
  /** Run this Byzantine strategy (`cmt testnet chaos` and tests): refused unless the chain id is local. */
  byzantine?: ByzantineStrategyName;
}

export async function runNode(home: string, logger: Logger, overrides: (c: NodeConfig) => NodeConfig, options: RunNodeOptions = {}): Promise<RunningNode> {
  const { chaosAdminPort, byzantine } = options;
  // Refused before anything is opened: a strategy never touches a real chain's data directory.
  if (byzantine) assertLocalChain((await readGenesisFile(homePaths(home).genesis)).chainId, `--byzantine ${byzantine}`);
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const linkFaults = chaosAdminPort === undefined ? undefined : new LinkFaults();
  let admin: ChaosAdmin | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await admin?.close();
      await webhooks?.close();
      await rpc?.close();
      await node.stop();
      markStopped();
    })();
    return stopping;
  };
  let rpc: RpcServer | undefined;
  let webhooks: WebhookServer | undefined;
  // NodeOptions.byzantine: Node.open checks the chain id again and Node.start installs the strategy.
  const byzantineOption = byzantine ? { byzantine: { strategy: byzantine } } : {};
  const node = await Node.open(home, {
    logger,
    configOverrides: overrides,
    ...(linkFaults ? { linkFaults } : {}),
    ...byzantineOption,
    onFatal: () => {
      process.exitCode = 1;
      void stop();
    },
  });
  try {
    // A relative traces directory is the home's, as CometBFT reads every path of its config.
    const dashboard = { ...node.config.dashboard, tracesDir: node.config.dashboard.tracesDir === '' ? '' : resolve(home, node.config.dashboard.tracesDir) };
    rpc = await startRpcServer(node, node.config.rpc, logger.child({ module: 'rpc' }), { ...dashboard, moniker: node.config.moniker }, () => node.files());
    webhooks = await startWebhooks(node, node.paths.keys, node.config.webhooks, logger.child({ module: 'webhooks' }));
    if (linkFaults && chaosAdminPort !== undefined) {
      admin = await startChaosAdmin(linkFaults, chaosAdminPort, logger.child({ module: 'chaos' }), { chainId: node.genesis.chainId });
      logger.warn({ port: admin.port }, 'chaos admin endpoint open on 127.0.0.1: link faults can be injected');
    }
  } catch (err) {
    await webhooks?.close();
    await rpc?.close();
    await node.stop();
    throw err;
  }
  await node.start();
  if (byzantine) logger.warn({ strategy: byzantine, chainId: node.genesis.chainId }, 'this validator is Byzantine: it runs a misbehaviour strategy (local test chains only)');
  return { node, rpc, webhooks, stopped, stop };
}

/** Stops on the first SIGINT/SIGTERM; a second one exits at once. */
export function stopOnSignals(running: RunningNode, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (signalled) process.exit(130);
    signalled = true;
    logger.info({ signal }, 'stopping');
    void running.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void running.stopped.then(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
}

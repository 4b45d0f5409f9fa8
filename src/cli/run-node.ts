/**
 * Runs a node and its RPC server in the foreground until SIGINT/SIGTERM, then stops both
 * cleanly (a block being applied finishes, databases close).
 */
import { Node } from '../node/node.js';
import type { NodeConfig } from '../node/config.js';
import type { Logger } from '../node/logger.js';
import { startRpcServer, type RpcServer } from '../rpc/server.js';

export interface RunningNode {
  node: Node;
  rpc: RpcServer;
  /** Resolves when the node has stopped, for whatever reason. */
  stopped: Promise<void>;
  stop(): Promise<void>;
}

export async function runNode(home: string, logger: Logger, overrides: (c: NodeConfig) => NodeConfig): Promise<RunningNode> {
  let stopping: Promise<void> | undefined;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (markStopped = resolve));
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await rpc?.close();
      await node.stop();
      markStopped();
    })();
    return stopping;
  };
  let rpc: RpcServer | undefined;
  const node = await Node.open(home, {
    logger,
    configOverrides: overrides,
    onFatal: () => {
      process.exitCode = 1;
      void stop();
    },
  });
  try {
    rpc = await startRpcServer(node, node.config.rpc, logger.child({ module: 'rpc' }));
  } catch (err) {
    await node.stop();
    throw err;
  }
  await node.start();
  return { node, rpc, stopped, stop };
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

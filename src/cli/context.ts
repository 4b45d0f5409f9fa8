/** Options every command shares: which home, which node. */
import { join } from 'node:path';
import { readConfigFile } from '../node/config.js';
import { defaultHome, homePaths } from '../node/home.js';
import { RpcClient } from '../rpc/client.js';

export interface CommonOptions {
  home?: string;
  node?: string;
}

export function resolveHome(options: CommonOptions): string {
  return homePaths(options.home ?? defaultHome()).root;
}

/** --node, else $CMT_NODE, else the RPC address in the home's config, else the default port. */
export async function resolveNodeUrl(options: CommonOptions): Promise<string> {
  if (options.node) return options.node.replace(/\/+$/, '');
  if (process.env.CMT_NODE) return process.env.CMT_NODE.replace(/\/+$/, '');
  const config = await readConfigFile(join(resolveHome(options), 'config', 'config.json')).catch(() => undefined);
  const host = config?.rpc.host && config.rpc.host !== '0.0.0.0' ? config.rpc.host : '127.0.0.1';
  return `http://${host}:${config?.rpc.port ?? 26657}`;
}

export async function rpcClient(options: CommonOptions): Promise<RpcClient> {
  return new RpcClient(await resolveNodeUrl(options));
}

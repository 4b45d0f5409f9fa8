/** The layout of a node's home directory (same spirit as CometBFT's). */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface HomePaths {
  root: string;
  genesis: string;
  config: string;
  privValidatorKey: string;
  nodeKey: string;
  keys: string;
  data: string;
  chainDb: string;
  stateDb: string;
  privValidatorState: string;
  /** The consensus write-ahead log (spec/wal.md). */
  wal: string;
}

/** `$CMT_HOME`, else the development chain's home, so every command finds the dev chain by default. */
export function defaultHome(): string {
  return process.env.CMT_HOME ?? join(homedir(), '.cmt', 'devnet');
}

export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

export function homePaths(home: string): HomePaths {
  const root = resolve(expandHome(home));
  const data = join(root, 'data');
  return {
    root,
    genesis: join(root, 'config', 'genesis.json'),
    config: join(root, 'config', 'config.json'),
    privValidatorKey: join(root, 'config', 'priv_validator_key.json'),
    nodeKey: join(root, 'config', 'node_key.json'),
    keys: join(root, 'keys'),
    data,
    chainDb: join(data, 'chain'),
    stateDb: join(data, 'state'),
    privValidatorState: join(data, 'priv_validator_state.json'),
    wal: join(data, 'cs.wal'),
  };
}

/**
 * A real 4-validator testnet for the dashboard's browser tests, started and stopped through the
 * CLI a person would type (`cmt testnet start --detach`, `kill`, `restart`, `stop`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, type TestnetManifest, type TestnetNode } from '../../../src/node/testnet-homes.js';
import { cmt } from '../../support/cli.js';
import { tempDir } from '../../support/temp-dir.js';

export interface UiTestnet {
  dir: string;
  manifest: TestnetManifest;
  /** node<i>'s RPC address, e.g. http://127.0.0.1:41234. */
  rpc(name: string): string;
  /** The 0x address of a funded account of the testnet (account0…, delegator0…). */
  account(name: string): string;
  /** A node's validator address as CometBFT shows it: upper-case hex, no 0x. */
  validatorHex(name: string): string;
  /** Runs `cmt ARGS -o json` against node0 with node0's keys and returns the parsed answer. */
  cliJson<T>(args: string[]): Promise<T>;
  /** Runs `cmt testnet ARGS --dir DIR` and fails on a non-zero exit. */
  testnet(args: string[]): Promise<void>;
  stop(): Promise<void>;
}

function nodeOf(manifest: TestnetManifest, name: string): TestnetNode {
  const node = manifest.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`no node ${name} in the testnet`);
  return node;
}

export async function startUiTestnet(blockTimeMs: number): Promise<UiTestnet> {
  const tmp = await tempDir('ui-testnet');
  const dir = join(tmp.path, 'net');
  let started = false;
  const stop = async (): Promise<void> => {
    if (started) await cmt(['testnet', 'stop', '--dir', dir], {}, undefined, 30_000);
    await tmp.cleanup();
  };
  try {
    const start = await cmt(['testnet', 'start', '--dir', dir, '--detach', '--block-time', String(blockTimeMs), '--log-level', 'warn'], {}, undefined, 90_000);
    // Stopped in any case: a start that fails half-way may have left some nodes running.
    started = true;
    if (start.code !== 0) throw new Error(`cmt testnet start exited ${start.code}: ${start.stderr}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as TestnetManifest;
  const rpc = (name: string): string => `http://127.0.0.1:${nodeOf(manifest, name).rpcPort}`;
  return {
    dir,
    manifest,
    rpc,
    account(name) {
      const account = manifest.accounts.find((a) => a.name === name);
      if (!account) throw new Error(`no account ${name} in the testnet`);
      return account.address;
    },
    validatorHex: (name) => nodeOf(manifest, name).validatorAddress.replace(/^0x/, '').toUpperCase(),
    async cliJson<T>(args: string[]): Promise<T> {
      const res = await cmt([...args, '--home', join(dir, 'node0'), '--node', rpc('node0'), '-o', 'json']);
      if (res.code !== 0) throw new Error(`cmt ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
      return JSON.parse(res.stdout) as T;
    },
    async testnet(args) {
      const res = await cmt(['testnet', ...args, '--dir', dir], {}, undefined, 60_000);
      if (res.code !== 0) throw new Error(`cmt testnet ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
    },
    stop,
  };
}

/**
 * The node processes of a local testnet: each runs `cmt start` from its home in its own
 * process group (so Ctrl-C on the testnet command reaches only the command, which then stops
 * the nodes in order), logs to `<home>/node.log` and leaves its pid in `<home>/node.pid`.
 */
import { spawn } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CmtError } from '../codec/errors.js';
import type { TestnetNode } from '../node/testnet-homes.js';
import { RpcClient } from '../rpc/client.js';
import { CLI_MAIN } from './node-process.js';
import { NODE_PROCESS_FLAGS } from '../runtime/node-flags.js';

export interface NodeProbe {
  name: string;
  pid: number | null;
  rpc: string;
  height: number | null;
  round: number | null;
  peers: number | null;
}

const POLL_MS = 250;

export function rpcUrlOf(node: TestnetNode): string {
  return `http://127.0.0.1:${node.rpcPort}`;
}

export { freePort } from '../runtime/free-port.js';

function pidFile(node: TestnetNode): string {
  return join(node.home, 'node.pid');
}

export async function readPid(node: TestnetNode): Promise<number | null> {
  try {
    const pid = Number((await readFile(pidFile(node), 'utf8')).trim());
    return Number.isSafeInteger(pid) && pid > 0 && isAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts the node of `node.home` as a detached process; resolves with its pid once its RPC answers. */
/**
 * `wrapper`: a command line the node runs under (a profiler's, ending in `--`): the pid recorded
 * is the wrapper's, which must pass the stop signal on.
 */
export async function launchNode(node: TestnetNode, options: { logLevel?: string; timeoutMs?: number; execArgv?: string[]; extraArgs?: string[]; wrapper?: string[] } = {}): Promise<number> {
  const running = await readPid(node);
  if (running !== null) return running;
  const log = openSync(join(node.home, 'node.log'), 'a');
  const nodeArgs = [...NODE_PROCESS_FLAGS, ...(options.execArgv ?? []), CLI_MAIN, 'start', '--home', node.home, '--log-format', 'json', '--log-level', options.logLevel ?? 'info', ...(options.extraArgs ?? [])];
  const [command, ...args] = options.wrapper ? [...options.wrapper, process.execPath, ...nodeArgs] : [process.execPath, ...nodeArgs];
  const child = spawn(command as string, args, {
    detached: true,
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  const pid = child.pid as number;
  await writeFile(pidFile(node), `${pid}\n`);
  const client = new RpcClient(rpcUrlOf(node));
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    if (!isAlive(pid)) throw new CmtError('NODE_START_FAILED', `${node.name} exited during start-up; see ${join(node.home, 'node.log')}`);
    try {
      await client.call('health');
      return pid;
    } catch {
      if (Date.now() > deadline) throw new CmtError('NODE_START_FAILED', `${node.name} did not answer on ${rpcUrlOf(node)} within ${options.timeoutMs ?? 30_000} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopNode(node: TestnetNode, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 15_000): Promise<boolean> {
  const pid = await readPid(node);
  if (pid === null) return false;
  process.kill(pid, signal);
  const deadline = Date.now() + graceMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await rm(pidFile(node), { force: true });
  return true;
}

export async function probeNode(node: TestnetNode): Promise<NodeProbe> {
  const pid = await readPid(node);
  const probe: NodeProbe = { name: node.name, pid, rpc: rpcUrlOf(node), height: null, round: null, peers: null };
  if (pid === null) return probe;
  const client = new RpcClient(probe.rpc);
  try {
    const [status, consensus, net] = await Promise.all([
      client.call<{ sync_info: { latest_block_height: string } }>('status'),
      client.call<{ round_state: { round: number } }>('consensus_state'),
      client.call<{ n_peers: string }>('net_info'),
    ]);
    probe.height = Number(status.sync_info.latest_block_height);
    probe.round = consensus.round_state.round;
    probe.peers = Number(net.n_peers);
  } catch {
    // A node that does not answer shows its pid and nothing else.
  }
  return probe;
}

/** Polls until every node in `nodes` reports at least `height`. */
export async function waitForHeights(nodes: TestnetNode[], height: number, timeoutMs: number): Promise<NodeProbe[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probes = await Promise.all(nodes.map(probeNode));
    if (probes.every((p) => (p.height ?? -1) >= height)) return probes;
    if (Date.now() > deadline) {
      const behind = probes.filter((p) => (p.height ?? -1) < height).map((p) => `${p.name} at ${p.height ?? 'unknown'}`);
      throw new CmtError('TESTNET_STALLED', `not every node reached height ${height} within ${timeoutMs / 1000} s: ${behind.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

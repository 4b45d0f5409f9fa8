/**
 * A node running as its own process (`cmt start`), as benchmarks, end-to-end tests and the
 * testnet command need. Readiness is the node's own "node started" log line, not a guess.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { CmtError } from '../codec/errors.js';
import { compiledFile } from '../runtime/compiled-file.js';
import { NODE_PROCESS_FLAGS } from '../runtime/node-flags.js';

export interface NodeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly rpcUrl: string;
  /** Resolves with the exit code (or the signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL: as a power cut would. */
  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface SpawnNodeOptions {
  home: string;
  /** 0 picks a free port. */
  rpcPort?: number;
  /** Readiness is read from info lines, so the level cannot be above info. */
  logLevel?: 'trace' | 'debug' | 'info';
  /** Every log line is appended here too. */
  logFile?: string;
  readyTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Extra node flags, e.g. --cpu-prof for profiling a benchmark's node. */
  execArgv?: string[];
}

export const CLI_MAIN = compiledFile(import.meta.url, 'main');

export async function spawnNode(options: SpawnNodeOptions): Promise<NodeProcess> {
  const args = [...NODE_PROCESS_FLAGS, ...(options.execArgv ?? []), CLI_MAIN, 'start', '--home', options.home, '--rpc-port', String(options.rpcPort ?? 0), '--log-format', 'json', '--log-level', options.logLevel ?? 'info'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } });
  const log: WriteStream | undefined = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      log?.end();
      resolve({ code, signal });
    });
  });
  const tail: string[] = [];
  const remember = (line: string): void => {
    log?.write(line + '\n');
    tail.push(line);
    if (tail.length > 20) tail.shift();
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', remember);

  const rpcUrl = await new Promise<string>((resolve, reject) => {
    let url: string | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new CmtError('NODE_START_FAILED', `node at ${options.home} did not start within ${options.readyTimeoutMs ?? 30_000} ms:\n${tail.join('\n')}`));
    }, options.readyTimeoutMs ?? 30_000);
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      remember(line);
      if (!line.startsWith('{')) return;
      let record: { msg?: string; url?: string };
      try {
        record = JSON.parse(line) as { msg?: string; url?: string };
      } catch {
        return;
      }
      if (record.msg === 'rpc listening') url = record.url;
      if (record.msg === 'node started' && url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new CmtError('NODE_START_FAILED', `node at ${options.home} exited (code ${code}, signal ${signal}) before it started:\n${tail.join('\n')}`));
    });
  });

  const stop = async (graceMs = 10_000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      void exited.then(() => clearTimeout(timer));
    }
    return exited;
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    return exited;
  };
  return { child, pid: child.pid as number, rpcUrl, exited, stop, kill };
}

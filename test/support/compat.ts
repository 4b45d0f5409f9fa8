/**
 * The CometBFT-compatibility suite's fixtures: a node process with a `dev` key the CLI signs
 * with and test keys this process signs with, the `cmt` command pointed at it, and the three
 * raw transports (URI GET, JSON-RPC POST, WebSocket) written the way CometBFT 0.38's clients
 * write them, so one request can be asked three ways and the answers compared.
 */
import { Comet38Client, WebsocketClient } from '@cosmjs/tendermint-rpc';
import WebSocket from 'ws';
import { ONE_CMT } from '../../src/codec/amount.js';
import type { NodeProcess } from '../../src/cli/node-process.js';
import { cmt, type CliResult } from './cli.js';
import { spawnDevKeyNode } from './devnet-node.js';
import { addressOf, testKey } from './nodes.js';

export const COMPAT_CHAIN_ID = 'cmt-compat';

export interface CompatNode {
  node: NodeProcess;
  rpcUrl: string;
  wsUrl: string;
  home: string;
  /** CMT_HOME and CMT_NODE for `cmt`. */
  env: NodeJS.ProcessEnv;
  /** The CLI's passphrase-less `dev` key, 0x form. */
  dev: string;
  stop(): Promise<void>;
}

/** A one-validator chain (staking on, so `cmt query validators` has a record) in a process of its own. */
export async function startCompatNode(label: string, funded = 2): Promise<CompatNode> {
  const started = await spawnDevKeyNode(label, 'node', {
    chainId: COMPAT_CHAIN_ID,
    moniker: 'compat',
    devKey: { name: 'dev', balance: 1_000_000n * ONE_CMT, selfStake: 100_000n * ONE_CMT },
    accounts: Array.from({ length: funded }, (_, i) => ({ address: addressOf(testKey(i)), balance: 1_000n * ONE_CMT })),
    consensusParams: { timeouts: { nextBlockDelay: 100 } },
  });
  return { ...started, rpcUrl: started.node.rpcUrl, wsUrl: started.node.rpcUrl.replace(/^http/, 'ws') };
}

/**
 * CosmJS's Comet38Client over a WebSocket. A request is queued at once, before the socket
 * opens: @cosmjs/socket 0.39's queue, when the socket opens with nothing queued, marks itself
 * busy and never sends a later request (QueueingStreamingSocket.processQueue), so a client
 * created and first used later hangs on every call; applications meet this too, not the node.
 */
export async function cosmjsOverWebSocket(wsBase: string): Promise<Comet38Client> {
  const client = Comet38Client.create(new WebsocketClient(wsBase, (err) => console.error('CosmJS websocket error', err)));
  await client.health();
  return client;
}

/** `cmt … -o json`, failing with the command's stderr when it fails. */
export async function cmtJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const res: CliResult = await cmt([...args, '-o', 'json'], env);
  if (res.code !== 0) throw new Error(`cmt ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return JSON.parse(res.stdout) as T;
}

export interface CliSent {
  hash: string;
  height: string;
  tx_result: { code: number };
}

/** The bytes an address names, in either form (`0x…` lower case, CometBFT's upper-case hex). */
export function addressBytes(text: string): Uint8Array {
  const hex = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
  if (!/^[0-9a-fA-F]{40}$/.test(hex)) throw new Error(`not a 20-byte hex address: ${text}`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function upperHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

export function lowerHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The part of xstream's Stream the suite uses (CosmJS's subscriptions are xstream streams). */
interface EventStream<T> {
  addListener(listener: { next: (value: T) => void; error: (err: unknown) => void; complete: () => void }): void;
  removeListener(listener: { next: (value: T) => void; error: (err: unknown) => void; complete: () => void }): void;
}

/**
 * The first event on `stream` that `wanted` accepts. `timeoutMs` bounds a node that never sends
 * it (the test then fails with the reason instead of hanging); it is not a pause.
 */
export function firstEvent<T>(stream: EventStream<T>, wanted: (value: T) => boolean = () => true, timeoutMs = 20_000, what = 'event'): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const listener = {
      next: (value: T): void => {
        if (!wanted(value)) return;
        done();
        resolve(value);
      },
      error: (err: unknown): void => {
        done();
        reject(err instanceof Error ? err : new Error(`subscription failed: ${typeof err === 'string' ? err : JSON.stringify(err)}`));
      },
      complete: (): void => {
        done();
        reject(new Error(`subscription ended before the ${what}`));
      },
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`no ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (): void => {
      clearTimeout(timer);
      // xstream calls listeners synchronously; removing inside next is safe after the call returns.
      queueMicrotask(() => stream.removeListener(listener));
    };
    stream.addListener(listener);
  });
}

// --- Raw transports ------------------------------------------------------------------------

export interface RpcEnvelope {
  jsonrpc?: string;
  id?: unknown;
  result?: unknown;
  error?: { code: number; message: string; data?: string };
}

/**
 * `GET /method?k=v`, CometBFT's URI form: strings quoted (`query="tm.event='Tx'"`), byte
 * arrays `0x`-hex, integers bare. `params` are given already in that form.
 */
export async function uriCall(rpcUrl: string, method: string, params: Record<string, string> = {}): Promise<{ status: number; body: RpcEnvelope }> {
  const query = Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  const res = await fetch(`${rpcUrl}/${method}${query ? `?${query}` : ''}`);
  return { status: res.status, body: (await res.json()) as RpcEnvelope };
}

let nextId = 1;

/** A JSON-RPC 2.0 `POST /`; `params` in CometBFT's JSON form (byte arrays base64, HexBytes hex). */
export async function postCall(rpcUrl: string, method: string, params: Record<string, unknown> = {}): Promise<RpcEnvelope> {
  const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method, params }) });
  return (await res.json()) as RpcEnvelope;
}

/** A WebSocket on `/websocket` that pairs answers with requests by id and keeps every other message. */
export class RawSocket {
  private readonly waiting = new Map<string, (message: RpcEnvelope) => void>();
  private readonly listeners = new Set<(message: RpcEnvelope) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(data.toString()) as RpcEnvelope;
      const key = JSON.stringify(message.id);
      for (const listen of this.listeners) listen(message);
      const answer = this.waiting.get(key);
      if (answer) {
        this.waiting.delete(key);
        answer(message);
      }
    });
  }

  static async open(wsBase: string): Promise<RawSocket> {
    const ws = new WebSocket(`${wsBase}/websocket`);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new RawSocket(ws);
  }

  /** Sends a request and resolves with the first message carrying its id (its answer). */
  call(method: string, params: Record<string, unknown> = {}, id: string | number = `w${nextId++}`): Promise<RpcEnvelope> {
    const answered = new Promise<RpcEnvelope>((resolve) => this.waiting.set(JSON.stringify(id), resolve));
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return answered;
  }

  /** The next message (after the answers already paired) that `wanted` accepts. */
  next(wanted: (message: RpcEnvelope) => boolean, timeoutMs = 20_000, what = 'message'): Promise<RpcEnvelope> {
    return new Promise((resolve, reject) => {
      const listen = (message: RpcEnvelope): void => {
        if (!wanted(message)) return;
        this.listeners.delete(listen);
        clearTimeout(timer);
        resolve(message);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listen);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.listeners.add(listen);
    });
  }

  close(): void {
    this.ws.close();
  }
}

/**
 * A real node with its RPC as a target for hostile clients: a block holding a large
 * transaction (a deploy whose bundle carries a ~500 KB file), and a contract whose methods
 * throw, recurse or return deep values. Helpers to talk raw HTTP and WebSocket to it.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import WebSocket from 'ws';
import { to0x } from '../../src/codec/bytes.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { NodeConfig } from '../../src/node/config.js';
import { deployTx } from './contract-txs.js';
import { makeTestHome, startTestNode, testKey, type RunningTestNode, type TestHome } from './nodes.js';

export const THROWING_CONTRACT = `
export function fails(why) { throw new Error('refused: ' + why); }
export function ok() { return 1; }
export function deep(n) { let v = []; for (let i = 0; i < n; i++) v = [v]; return v; }
`;

export interface RpcTarget {
  home: TestHome;
  running: RunningTestNode;
  /** Height of the block holding the large deploy. */
  bigHeight: number;
  /** Size of that block's large transaction. */
  bigTxBytes: number;
  /** 0x address of the contract with throwing methods. */
  contract: string;
  stop(): Promise<void>;
}

interface CommitAnswer {
  check_tx: { code: number; log: string };
  tx_result: { code: number; events: { type: string; attributes: { key: string; value: string }[] }[] } | null;
  height: string;
}

function deployedAddress(res: CommitAnswer): string {
  for (const e of res.tx_result?.events ?? []) for (const a of e.attributes) if (a.key === 'address' || a.key === 'contract') return a.value;
  throw new Error(`deploy answered no contract address: ${JSON.stringify(res)}`);
}

/** Starts a node in this process, with `rpc` overriding its RPC settings. */
export async function startRpcTarget(rpc: Partial<NodeConfig['rpc']> = {}): Promise<RpcTarget> {
  const home = await makeTestHome(2, { config: (c) => ({ ...c, rpc: { ...c.rpc, ...rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, verifierThreads: 1 }) });
  const running = await startTestNode(home.home);
  const key = testKey(0);
  // Base64 text does not compress, so the block (and each `block` answer) really is this large.
  const filler = randomBytes(360 * 1024).toString('base64');
  const big = deployTx(key, 0, 'export function ok() { return 1; }', { files: { 'filler.txt': filler }, gasLimit: 100_000_000 });
  const bigRes = await running.client.call<CommitAnswer>('broadcast_tx_commit', { tx: to0x(big) });
  if (bigRes.check_tx.code !== 0) throw new Error(`large deploy refused: ${bigRes.check_tx.log}`);
  const res = await running.client.call<CommitAnswer>('broadcast_tx_commit', { tx: to0x(deployTx(key, 1, THROWING_CONTRACT)) });
  if (res.tx_result?.code !== 0) throw new Error(`deploy failed: ${JSON.stringify(res)}`);
  return {
    home,
    running,
    bigHeight: Number(bigRes.height),
    bigTxBytes: big.length,
    contract: deployedAddress(res),
    async stop() {
      await running.stop();
      await home.cleanup();
    },
  };
}

export function wsUrl(target: RpcTarget): string {
  return `${target.running.rpc.url.replace('http', 'ws')}/websocket`;
}

export async function openWebSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

/** The first message on `ws`, or the close code if the server closes first. */
export function nextMessageOrClose(ws: WebSocket): Promise<{ text: string } | { closed: number }> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      ws.off('close', onClose);
      resolve({ text: data.toString() });
    };
    const onClose = (code: number): void => {
      ws.off('message', onMessage);
      resolve({ closed: code });
    };
    ws.once('message', onMessage);
    ws.once('close', onClose);
  });
}

export { formatAddress };

/** A plain TCP connection to the target's RPC port, for requests written by hand. */
export function rawConnection(target: RpcTarget): Promise<net.Socket> {
  const url = new URL(target.running.rpc.url);
  const socket = net.connect(Number(url.port), url.hostname);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

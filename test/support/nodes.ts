/**
 * Builders for integration tests: a node home in a temp directory, a node started in this
 * process with its RPC on a free loopback port, funded keys, and signed transfers.
 */
import { ONE_CMT } from '../../src/codec/amount.js';
import type { TxBody } from '../../src/codec/tx.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../../src/crypto/ed25519.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { initHome, type InitHomeOptions } from '../../src/node/init-home.js';
import { silentLogger } from '../../src/node/logger.js';
import { Node } from '../../src/node/node.js';
import { RpcClient } from '../../src/rpc/client.js';
import { startRpcServer, type RpcServer } from '../../src/rpc/server.js';
import { tempDir } from './temp-dir.js';

export const TEST_CHAIN_ID = 'cmt-test';
export const MIN_GAS_PRICE = 1_000_000_000n;

/** Deterministic test keys: the same index is the same key in every test. */
export function testKey(index: number): KeyPair {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(28, index + 1);
  return keyPairFromSeed(seed);
}

export function addressOf(key: KeyPair): Uint8Array {
  return addressFromPublicKey(key.publicKey);
}

export interface TransferOptions {
  nonce: number;
  to: Uint8Array;
  amount: bigint;
  gasLimit?: number;
  gasPrice?: bigint;
  chainId?: string;
  memo?: string;
}

export function transfer(key: KeyPair, o: TransferOptions): Uint8Array {
  const body: TxBody = {
    chainId: o.chainId ?? TEST_CHAIN_ID,
    nonce: o.nonce,
    gasLimit: o.gasLimit ?? 50_000,
    gasPrice: o.gasPrice ?? MIN_GAS_PRICE,
    memo: o.memo ?? '',
    msg: { type: 'transfer', to: o.to, amount: o.amount },
  };
  return signTx(body, key).bytes;
}

export const FUNDED_BALANCE = 1_000_000n * ONE_CMT;

export interface TestHome {
  home: string;
  cleanup(): Promise<void>;
}

/** A home whose genesis funds testKey(0..funded-1) with FUNDED_BALANCE each. */
export async function makeTestHome(funded = 4, options: Partial<InitHomeOptions> = {}): Promise<TestHome> {
  const dir = await tempDir('node');
  await initHome({
    home: dir.path,
    chainId: TEST_CHAIN_ID,
    accounts: Array.from({ length: funded }, (_, i) => ({ address: addressOf(testKey(i)), balance: FUNDED_BALANCE })),
    consensusParams: { timeouts: { nextBlockDelay: 50 } },
    config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, verifierThreads: 1 }),
    ...options,
  });
  return { home: dir.path, cleanup: dir.cleanup };
}

export interface RunningTestNode {
  node: Node;
  rpc: RpcServer;
  client: RpcClient;
  stop(): Promise<void>;
}

/** Opens and starts the node of `home` with its RPC on a free port. */
export async function startTestNode(home: string): Promise<RunningTestNode> {
  const node = await Node.open(home, { logger: silentLogger() });
  const rpc = await startRpcServer(node, { ...node.config.rpc, port: 0 }, silentLogger());
  await node.start();
  return {
    node,
    rpc,
    client: new RpcClient(rpc.url),
    async stop() {
      await rpc.close();
      await node.stop();
    },
  };
}

/** Resolves once the node has committed `height`, by listening to its event bus. */
export function waitForHeight(node: Node, height: number): Promise<void> {
  if (node.status().latestBlockHeight >= height) return Promise.resolve();
  return new Promise((resolve) => {
    const onBlock = (): void => {
      if (node.status().latestBlockHeight >= height) {
        node.events.off('newBlock', onBlock);
        resolve();
      }
    };
    node.events.on('newBlock', onBlock);
  });
}

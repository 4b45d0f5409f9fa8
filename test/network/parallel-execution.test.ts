/**
 * Four validator processes with different execution_workers (0 = the sequential reference,
 * 1, 2 and 4 worker threads) commit blocks of contract calls and transfers over shared and
 * private keys, and agree on every block and app hash.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBundle } from '../../src/codec/bundle.js';
import { toHex, utf8 } from '../../src/codec/bytes.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import type { Msg } from '../../src/codec/tx.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { freePort, launchNode, rpcUrlOf, stopNode, waitForHeights } from '../../src/cli/testnet-processes.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { KeyDirectory } from '../../src/crypto/key-directory.js';
import { decryptKey } from '../../src/crypto/keystore.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { readConfigFile, writeConfigFile } from '../../src/node/config.js';
import { homePaths } from '../../src/node/home.js';
import { createTestnet, type TestnetManifest, type TestnetNode } from '../../src/node/testnet-homes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { tempDir } from '../support/temp-dir.js';

const FAST = { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, nextBlockDelay: 300 } };
const WORKERS = [0, 1, 2, 4];
const CONTRACT = `
export function bump(key) {
  let s = 0;
  for (let i = 0; i < 200; i++) s = (s * 31 + i) % 1000003;
  const v = db.get('t', key) ?? 0n;
  db.put('t', key, v + 1n);
  emit('bumped', { key, v });
  return v + 1n;
}
export function first(prefix) { return db.range('t', prefix, 3); }`;

interface BlockView {
  block_id: { hash: string };
  block: { header: { app_hash: string; height: string }; data: { txs: string[] } };
}

describe('validators with different execution worker counts', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: TestnetManifest;

  beforeAll(async () => {
    dir = await tempDir('parallel-net');
    net = await createTestnet({ dir: dir.path, validators: 4, fullNodes: 0, chainId: 'cmt-parallel', freePort, consensusParams: FAST, stakingParams: { signedBlocksWindow: 1_000_000 } });
    await Promise.all(
      net.nodes.map(async (n, i) => {
        const file = homePaths(n.home).config;
        await writeConfigFile(file, { ...(await readConfigFile(file)), executionWorkers: WORKERS[i] as number });
      }),
    );
    await Promise.all(net.nodes.map((n) => launchNode(n)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(net.nodes.map((n) => stopNode(n, 'SIGKILL')));
    await dir.cleanup();
  });

  it('agree on every block of contract calls and transfers', async () => {
    await waitForHeights(net.nodes, 2, 60_000);
    const keys: KeyPair[] = await Promise.all(net.nodes.map((n, i) => new KeyDirectory(homePaths(n.home).keys).get(`account${i}`).then((k) => decryptKey(k, ''))));
    const client = new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode));
    const nonces = [0, 0, 0, 0];
    // Gas limits near what the calls use: a fresh node's proposals hold 1/16 of the block gas
    // limit (31.25 M) until its block budget has timed full blocks, and 32 calls must fit one.
    const sign = (i: number, msg: Msg, gasLimit = 600_000): { bytes: Uint8Array; hash: Uint8Array } => {
      const nonce = nonces[i] as number;
      nonces[i] = nonce + 1;
      return signTx({ chainId: net.chainId, nonce, gasLimit, gasPrice: 1_000_000_000n, memo: '', msg }, keys[i] as KeyPair);
    };
    const deploy = sign(0, { type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: utf8(CONTRACT) }]), initArgs: '', value: 0n }, 5_000_000);
    const deployed = await client.call<{ tx_result: { code: number; log: string } }>('broadcast_tx_commit', { tx: '0x' + Buffer.from(deploy.bytes).toString('hex') });
    expect(deployed.tx_result.log).toBe('');
    const contract = contractAddress(addressFromPublicKey((keys[0] as KeyPair).publicKey), 0);

    const txs: { bytes: Uint8Array; hash: Uint8Array }[] = [];
    for (let t = 0; t < 160; t++) {
      const i = t % 4;
      if (t % 10 === 9) txs.push(sign(i, { type: 'transfer', to: addressFromPublicKey((keys[(i + 1) % 4] as KeyPair).publicKey), amount: 1n }, 50_000));
      else if (t % 17 === 16) txs.push(sign(i, { type: 'callContract', contract, method: 'first', args: '["k"]', value: 0n }));
      else txs.push(sign(i, { type: 'callContract', contract, method: 'bump', args: JSON.stringify([t % 3 === 0 ? 'hot' : `k${t}`]), value: 0n }));
    }
    // Each account's transactions in nonce order, all at once, so blocks fill up.
    const answers = await client.batch(txs.map((tx) => ({ method: 'broadcast_tx_sync', params: { tx: '0x' + Buffer.from(tx.bytes).toString('hex') } })));
    expect(answers.filter((a) => !a.ok || (a.result as { code: number }).code !== 0)).toEqual([]);

    const last = toHex((txs.at(-1) as { hash: Uint8Array }).hash).toUpperCase();
    const deadline = Date.now() + 60_000;
    let found: { height: string; tx_result: { code: number } } | undefined;
    while (!found) {
      found = await client.call<{ height: string; tx_result: { code: number } }>('tx', { hash: last }).catch(() => undefined);
      if (!found && Date.now() > deadline) throw new Error('the transactions were not committed');
      if (!found) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const top = Number(found.height) + 1;
    await waitForHeights(net.nodes, top, 60_000);
    let largest = 0;
    for (let h = 1; h <= top; h++) {
      const views = await Promise.all(net.nodes.map((n) => new RpcClient(rpcUrlOf(n)).call<BlockView>('block', { height: h })));
      expect(new Set(views.map((v) => v.block_id.hash)).size, `block ${h}`).toBe(1);
      expect(new Set(views.map((v) => v.block.header.app_hash)).size, `app hash after ${h}`).toBe(1);
      largest = Math.max(largest, views[0]?.block.data.txs.length ?? 0);
    }
    // At least one block was large enough for the parallel path (32 transactions and more).
    expect(largest).toBeGreaterThanOrEqual(32);
    // Every call succeeded (as the node with the sequential executor reports).
    const results = await Promise.all(txs.map((tx) => new RpcClient(rpcUrlOf(net.nodes[0] as TestnetNode)).call<{ tx_result: { code: number; log: string } }>('tx', { hash: toHex(tx.hash).toUpperCase() })));
    expect(results.filter((r) => r.tx_result.code !== 0).map((r) => r.tx_result.log)).toEqual([]);
  }, 180_000);
});

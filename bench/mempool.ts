/**
 * `npm run bench -- mempool`: how long the re-check after a block holds the mempool (and so
 * the next height) with 50,000 pending transfers. A real app over a real state store: 5,000
 * senders with 10 pending transfers each; a block includes the first 1,000 of them; the
 * remaining 49,000 are re-checked against the new state.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_CMT } from '../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { txHash } from '../src/codec/tx.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { BulkSigner } from '../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../src/crypto/ed25519.js';
import { CmtApp } from '../src/app/cmt-app.js';
import { PoolVerifier } from '../src/app/executor/signature-verifier.js';
import { appGenesisToJson } from '../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { Mempool } from '../src/mempool/mempool.js';
import { StateStore } from '../src/state/store.js';

export async function run(args: string[]): Promise<void> {
  const senders = Number(args[args.indexOf('--senders') + 1] || 5000);
  const perSender = Number(args[args.indexOf('--per-sender') + 1] || 10);
  const dir = await mkdtemp(join(tmpdir(), 'cmt-bench-mempool-'));
  const store = await StateStore.open(dir);
  const verifier = new PoolVerifier();
  try {
    const app = new CmtApp(store, verifier);
    const keys = Array.from({ length: senders }, (_, i) => {
      const seed = new Uint8Array(32);
      new DataView(seed.buffer).setUint32(0, i + 1);
      return keyPairFromSeed(seed);
    });
    await app.initChain({
      chainId: 'cmt-bench',
      time: 1_700_000_000_000,
      initialHeight: 1,
      consensusParams: DEFAULT_CONSENSUS_PARAMS,
      validators: [],
      appState: appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts: keys.map((k) => ({ address: addressFromPublicKey(k.publicKey), balance: 1_000_000n * ONE_CMT })) }),
    });
    const mempool = new Mempool(app, { maxTxs: 1_000_000, maxBytes: 1 << 30, maxTxBytes: 1 << 20, cacheSize: 200_000 }, (txs) => app.verifySignatures(txs));
    const signers = keys.map((k) => new BulkSigner(k));
    const txs: Uint8Array[] = [];
    for (let n = 0; n < perSender; n++) {
      for (let s = 0; s < senders; s++) {
        const to = addressFromPublicKey((keys[(s + 1) % senders] as (typeof keys)[number]).publicKey);
        txs.push((signers[s] as BulkSigner).signTx({ chainId: 'cmt-bench', nonce: n, gasLimit: 30_000, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg: { type: 'transfer', to, amount: 1n } }).bytes);
      }
    }
    let t = performance.now();
    const results = await Promise.all(txs.map((tx) => mempool.add(tx)));
    const rejected = results.filter((r) => r.code !== 0).length;
    console.log(`admitted ${txs.length - rejected} of ${txs.length} transfers in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // A block with the first 1,000 pending transfers (nonce 0 of 1,000 senders), applied as the node applies it.
    const block = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1000);
    let applyMs = 0;
    t = performance.now();
    const res = await mempool.lockForBlock(async (locked) => {
      const started = performance.now();
      const response = await app.finalizeBlock({
        height: 1,
        time: 1_700_000_001_000,
        hash: new Uint8Array(32),
        proposerAddress: new Uint8Array(20),
        txs: block,
        decidedLastCommit: { round: 0, votes: [] },
        misbehavior: [],
      });
      await app.persist();
      applyMs = performance.now() - started;
      locked.update(block.map((b) => txHash(b)));
      return response;
    });
    const blocking = performance.now() - t - applyMs;
    console.log(`block 1: ${block.length} txs, ${res.txResults.filter((r) => r.code === 0).length} succeeded, applied in ${applyMs.toFixed(0)} ms`);
    // What the next proposal pays: reaping a full block re-checks only the senders it reaches.
    t = performance.now();
    const next = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10_000);
    const reapMs = performance.now() - t;
    t = performance.now();
    await mempool.recheckDone();
    const background = performance.now() - t;
    console.log(`after the block: ${blocking.toFixed(1)} ms more holding the mempool (${mempool.size} pending left to re-check in the background)`);
    console.log(`a proposal at once: reaped ${next.length} txs in ${reapMs.toFixed(0)} ms (re-checking at most 2000 stale ones)`);
    console.log(`background re-check of the rest: ${background.toFixed(0)} ms in slices of 2000 (kept ${mempool.size}, evicted ${mempool.evicted})`);
    t = performance.now();
    const full = mempool.reap(Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 10_000);
    console.log(`a proposal after it: reaped ${full.length} txs in ${(performance.now() - t).toFixed(0)} ms`);
  } finally {
    await verifier.close();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

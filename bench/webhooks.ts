/**
 * `npm run bench -- webhooks [--events N] [--calls M]`: what webhooks cost (spec/webhooks.md).
 * On chain: examples/delivery's receipt hook (a method hook, 3 of 4 attesters) on a real
 * application and state store, N events attested by 3 attesters each in blocks of
 * attestations (FinalizeBlock + Commit timed), with the gas of an accepted and of an applying
 * attestation and what the hook account paid back. At the endpoint: M Ed25519-signed calls over
 * real HTTP, 16 at a time, each checked (route, hook, attester, signature, body, chain record,
 * deposit) and turned into a signed attestation, against the cost of one signature check.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ONE_CMT } from '../src/codec/amount.js';
import { encodeBundle } from '../src/codec/bundle.js';
import { toHex, utf8 } from '../src/codec/bytes.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import type { Msg } from '../src/codec/tx.js';
import { contractAddress } from '../src/app/contracts/layout.js';
import { SequentialExecutor } from '../src/app/executor/tx-executor.js';
import { hookAccount } from '../src/app/hooks/records.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey, formatAddress } from '../src/crypto/address.js';
import { keyPairFromSeed, sign, verify, type KeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { Attester, type AttesterNode } from '../src/hooks/attester.js';
import { signHookCall, SIGNATURE_HEADER } from '../src/hooks/auth.js';
import { HookEndpoint, startWebhookServer, type HookNode } from '../src/hooks/server.js';
import { DEFAULT_CONFIG } from '../src/node/config.js';
import { silentLogger } from '../src/node/logger.js';
import { openBenchChain } from './support-chain.js';
import { parseNumericOptions } from './support-options.js';

const CHAIN = 'cmt-bench-hooks';
const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const key = (i: number): KeyPair => {
  const seed = new Uint8Array(32);
  seed[31] = i + 1;
  return keyPairFromSeed(seed);
};

function tx(k: KeyPair, nonce: number, msg: Msg, gasLimit = 3_000_000): Uint8Array {
  return signTx({ chainId: CHAIN, nonce, gasLimit, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg }, k).bytes;
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { events: 3000, calls: 2000 }, 'webhooks.ts');
  const attesters = [0, 1, 2, 3].map(key);
  const owner = key(10);
  const courier = key(11);
  const chain = await openBenchChain(CHAIN, [...attesters, owner], () => new SequentialExecutor());
  try {
    const hooks = JSON.stringify({
      receipt: { auth: 'ed25519', keys: [toHex(courier.publicKey)], attesters: attesters.map((a) => formatAddress(addressFromPublicKey(a.publicKey))), quorum: 3, method: 'receipt' },
    });
    const bundle = encodeBundle([
      { name: 'contract.js', content: utf8(read('examples/delivery/contract.js')) },
      { name: 'delivery.jpdl.xml', content: utf8(read('examples/delivery/delivery.jpdl.xml')) },
      { name: 'hooks.json', content: utf8(hooks) },
    ]);
    const contract = contractAddress(addressFromPublicKey(owner.publicKey), 0);
    let height = 0;
    const block = async (txs: Uint8Array[]): Promise<{ ms: number; gas: number[]; codes: number[] }> => {
      height++;
      const start = performance.now();
      const res = await chain.app.finalizeBlock({ height, time: 1_700_000_000_000 + height * 1000, hash: new Uint8Array(32).fill(height % 256), proposerAddress: new Uint8Array(20), txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
      await chain.app.persist();
      return { ms: performance.now() - start, gas: res.txResults.map((r) => r.gasUsed), codes: res.txResults.map((r) => r.code) };
    };
    await block([
      tx(owner, 0, { type: 'deployContract', bundle, initArgs: '', value: 0n }, 50_000_000),
      tx(owner, 1, { type: 'transfer', to: hookAccount(contract), amount: 10_000n * ONE_CMT }, 50_000),
    ]);
    const nonces = [0, 0, 0];
    const perBlock = 999;
    let ms = 0;
    let attestations = 0;
    const gasAccepted: number[] = [];
    const gasApplied: number[] = [];
    for (let first = 0; first < o.events; first += perBlock / 3) {
      const txs: Uint8Array[] = [];
      for (let e = first; e < Math.min(o.events, first + perBlock / 3); e++) {
        const body = utf8(JSON.stringify({ id: `r${e}`, order: String(e), note: 'delivered to the door' }));
        const signature = Uint8Array.from(Buffer.from(signHookCall(courier, CHAIN, contract, 'receipt', body), 'hex'));
        for (let a = 0; a < 3; a++) txs.push(tx(attesters[a] as KeyPair, (nonces[a] as number)++, { type: 'attestHook', contract, hook: 'receipt', body, signature }));
      }
      const r = await block(txs);
      if (r.codes.some((c) => c !== 0)) throw new Error(`an attestation failed: codes ${[...new Set(r.codes)].join(',')}`);
      ms += r.ms;
      attestations += txs.length;
      r.gas.forEach((g, i) => (i % 3 === 2 ? gasApplied : gasAccepted).push(g));
    }
    const mean = (xs: number[]): number => Math.round(xs.reduce((s, x) => s + x, 0) / xs.length);
    console.log(`on chain: ${attestations} attestations (${o.events} events, 3 of 4 attesters) in ${Math.round(ms)} ms: ${Math.round((attestations / ms) * 1000)} attestations/s, ${Math.round((o.events / ms) * 1000)} events applied/s`);
    console.log(`gas: ${mean(gasAccepted)} an accepted attestation, ${mean(gasApplied)} one that applies (the method runs); paid back from the hook account`);

    // The endpoint: real HTTP, the real checks, the application's state behind it.
    const submitted: Uint8Array[] = [];
    const node: AttesterNode & HookNode = {
      status: () => ({ chainId: CHAIN }) as ReturnType<AttesterNode['status']>,
      account: (address) => ({ address, balance: 0n, nonce: 0, pendingNonce: submitted.length, height }),
      params: () => ({ app: DEFAULT_APP_PARAMS, consensus: DEFAULT_CONSENSUS_PARAMS, baseFee: chain.app.baseFee() }),
      broadcastTx: async (bytes) => {
        submitted.push(bytes);
        return { code: 0, log: '', hash: new Uint8Array(32) } as Awaited<ReturnType<AttesterNode['broadcastTx']>>;
      },
      query: async (request) => chain.app.query(request),
    };
    const config = { ...DEFAULT_CONFIG.webhooks, enabled: true, port: 0, attesterKey: 'bench' };
    const server = await startWebhookServer(new HookEndpoint(node, new Attester(node, attesters[3] as KeyPair), config, silentLogger()), config, silentLogger());
    try {
      const calls = Array.from({ length: o.calls }, (_, i) => {
        const body = utf8(JSON.stringify({ id: `call${i}`, order: String(i) }));
        return { body, signature: signHookCall(courier, CHAIN, contract, 'receipt', body) };
      });
      let next = 0;
      const statuses = new Map<number, number>();
      const start = performance.now();
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < calls.length) {
            const call = calls[next++] as (typeof calls)[number];
            const res = await fetch(`${server.url}/hooks/${formatAddress(contract)}/receipt`, { method: 'POST', body: call.body, headers: { [SIGNATURE_HEADER]: call.signature } });
            await res.arrayBuffer();
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          }
        }),
      );
      const httpMs = performance.now() - start;
      if (statuses.get(202) !== o.calls) throw new Error(`answers: ${JSON.stringify([...statuses])}`);
      const message = utf8('x'.repeat(200));
      const sig = sign(courier.privateKey, message);
      const verifies = 2000;
      const vStart = performance.now();
      for (let i = 0; i < verifies; i++) verify(courier.publicKey, message, sig);
      const verifyMs = (performance.now() - vStart) / verifies;
      console.log(`endpoint: ${o.calls} signed calls over HTTP, 16 at a time, in ${Math.round(httpMs)} ms: ${Math.round((o.calls / httpMs) * 1000)} calls/s, ${(httpMs / o.calls).toFixed(3)} ms a call; one Ed25519 verification ${verifyMs.toFixed(3)} ms (a call costs ${(httpMs / o.calls / verifyMs).toFixed(1)} verifications)`);
    } finally {
      await server.close();
    }
  } finally {
    await chain.executor.close();
    await chain.store.close();
    await rm(chain.dir, { recursive: true, force: true });
  }
}

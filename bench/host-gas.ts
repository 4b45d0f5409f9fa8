/**
 * `npm run bench -- host-gas`: time per unit of gas of a host operation whose cost the sandbox
 * does not see, against an endless loop's (the reference the gas schedule is set against).
 * The case measured is `db.range` stepping over keys deleted earlier in the block or the
 * transaction (spec/hostile-input.md, "Host gas"): charged per key at `rangeSkip`, it should
 * cost no more time per gas than the loop. Options: --keys N (deleted per case, 1000), --ranges N (200).
 */
import { rm } from 'node:fs/promises';
import { encodeBundle } from '../src/codec/bundle.js';
import { utf8 } from '../src/codec/bytes.js';
import { sha256 } from '../src/codec/hash.js';
import type { Msg } from '../src/codec/tx.js';
import { contractAddress } from '../src/app/contracts/layout.js';
import { SequentialExecutor } from '../src/app/executor/tx-executor.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import { keyPairFromSeed } from '../src/crypto/ed25519.js';
import { signTx } from '../src/crypto/sign-tx.js';
import { openBenchChain } from './support-chain.js';
import { RANGE_CONTRACT as CONTRACT } from './support-contract.js';
import { parseNumericOptions } from './support-options.js';

const CHAIN_ID = 'cmt-bench-host-gas';
const GAS = 100_000_000;

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions(args, { keys: 1_000, ranges: 200 }, 'host-gas.ts');
  const key = keyPairFromSeed(sha256(utf8('host gas bench')));
  const chain = await openBenchChain(CHAIN_ID, [key], () => new SequentialExecutor());
  const contract = contractAddress(addressFromPublicKey(key.publicKey), 0);
  let nonce = 0;
  let height = 0;
  const block = async (msgs: Msg[]): Promise<{ ms: number; gas: number }> => {
    const txs = msgs.map((msg) => signTx({ chainId: CHAIN_ID, nonce: nonce++, gasLimit: GAS, gasPrice: DEFAULT_APP_PARAMS.minGasPrice, memo: '', msg }, key).bytes);
    height++;
    const started = performance.now();
    const res = await chain.app.finalizeBlock({ height, time: 1_700_000_000_000 + height * 1000, hash: new Uint8Array(32), proposerAddress: new Uint8Array(20), txs, decidedLastCommit: { round: 0, votes: [] }, misbehavior: [] });
    const ms = performance.now() - started;
    await chain.app.persist();
    return { ms, gas: res.txResults.reduce((s, r) => s + r.gasUsed, 0) };
  };
  const call = (method: string, values: unknown[]): Msg => ({ type: 'callContract', contract, method, args: JSON.stringify(values), value: 0n });
  try {
    await block([{ type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: utf8(CONTRACT) }]), initArgs: '', value: 0n }]);
    const cases: [string, (from: number) => Msg[]][] = [
      ['delete, then range in the same transaction', (from) => [call('dropAndScan', [from, o.keys, o.ranges, 1])]],
      ['delete, then range later in the block', (from) => [call('drop', [from, o.keys]), call('scan', [o.ranges, 1])]],
    ];
    await block([call('fill', [0, o.keys * cases.length * 2])]);
    await block([call('spin', [])]); // warm-up
    let from = 0;
    console.log(`host gas: ${o.keys} deleted keys stepped over by each of ${o.ranges} ranges; time per gas against an endless loop's`);
    for (const [name, msgs] of cases) {
      for (let rep = 0; rep < 2; rep++) {
        const loop = await block([call('spin', [])]);
        const scan = await block(msgs(from));
        from += o.keys;
        const loopNs = (loop.ms * 1e6) / loop.gas;
        const scanNs = (scan.ms * 1e6) / scan.gas;
        if (rep === 1) console.log(`  ${name}: ${scanNs.toFixed(2)} ns/gas (${scan.gas.toLocaleString('en-US')} gas in ${scan.ms.toFixed(0)} ms); loop ${loopNs.toFixed(2)} ns/gas; ratio ${(scanNs / loopNs).toFixed(2)} (above 1: underpriced)`);
      }
    }
  } finally {
    await chain.store.close();
    await rm(chain.dir, { recursive: true, force: true });
  }
}

/**
 * A synthetic block run through a worker's execution path when the pool starts: a funded
 * account deploys a small contract and calls it a few hundred times, executed as a speculative
 * batch over an in-memory state. V8 optimizes code once it has run enough; without this a
 * node's first contract blocks run the worker's transaction path (checks, overlays, the
 * contract host, the engine) on unoptimized code, about twice as slow. Nothing of it is kept.
 * Its transactions are signed with the fast signer: their signatures count as checked.
 */
import { encodeBundle } from '../../codec/bundle.js';
import { utf8 } from '../../codec/bytes.js';
import type { Msg } from '../../codec/tx.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import { keyPairFromSeed } from '../../crypto/ed25519.js';
import { sha256 } from '../../codec/hash.js';
import { BulkSigner } from '../../crypto/bulk-signer.js';
import { Overlay } from '../../state/overlay.js';
import { writeAccount } from '../bank/accounts.js';
import { contractAddress } from '../contracts/layout.js';
import { deliverTx } from '../deliver-tx.js';
import { DEFAULT_APP_PARAMS } from '../params.js';
import { DEFAULT_STAKING_PARAMS } from '../staking/params.js';
import type { TxLimits } from '../tx-checks.js';
import { executeBatch, PreBlockReader } from './speculative-batch.js';

const WARM_UP_BLOCK_CALLS = 300;

const CONTRACT = `
export function work(key, n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003;
  const row = db.get('t', key) ?? { count: 0n, names: [] };
  row.count += BigInt(s % 7);
  row.names = [...row.names.slice(-4), 'n' + s].map((x) => x.toUpperCase());
  db.put('t', key, { ...row, size: new Map(row.names.map((x, i) => [x, i])).size });
  db.put('u', key + s, s);
  emit('worked', { key, s });
  return row.count;
}`;

const LIMITS: TxLimits = {
  chainId: 'cmt-warm-up',
  maxTxBytes: 1 << 20,
  blockMaxGas: Number.MAX_SAFE_INTEGER,
  params: DEFAULT_APP_PARAMS,
  height: 1,
  time: 0,
  staking: DEFAULT_STAKING_PARAMS,
  baseFee: DEFAULT_APP_PARAMS.minGasPrice,
};

/** Runs the synthetic block; throws if a transaction of it fails (the execution path is broken). */
export function runWarmUpBlock(calls = WARM_UP_BLOCK_CALLS): void {
  const key = keyPairFromSeed(sha256(utf8('cmt execution warm-up')));
  const sender = addressFromPublicKey(key.publicKey);
  const signer = new BulkSigner(key);
  const signed = (nonce: number, msg: Msg): Uint8Array => signer.signTx({ chainId: LIMITS.chainId, nonce, gasLimit: 10_000_000, gasPrice: LIMITS.baseFee, memo: '', msg }).bytes;
  const genesis = new Overlay({ get: () => undefined });
  writeAccount(genesis, sender, { balance: 10n ** 30n, nonce: 0 });
  const deployed = deliverTx(genesis, signed(0, { type: 'deployContract', bundle: encodeBundle([{ name: 'contract.js', content: utf8(CONTRACT) }]), initArgs: '', value: 0n }), LIMITS, { isVerified: () => true });
  if (deployed.result.code !== 0) throw new Error(`the execution warm-up cannot deploy its contract: ${deployed.result.log}`);
  const contract = contractAddress(sender, 0);
  const txs = Array.from({ length: calls }, (_, i) => signed(i + 1, { type: 'callContract', contract, method: 'work', args: JSON.stringify([`k${i % 16}`, 300]), value: 0n }));
  const { keys, values } = genesis.writeEntries();
  const base = new Map(keys.map((k, i) => [k, values[i] ?? null]));
  const results = executeBatch(new PreBlockReader(base, () => undefined), { indexes: txs.map((_, i) => i), txs, verified: txs.map(() => true), limits: LIMITS });
  const failed = results.find((r) => r.result.code !== 0);
  if (failed) throw new Error(`the execution warm-up fails: ${failed.result.log}`);
}

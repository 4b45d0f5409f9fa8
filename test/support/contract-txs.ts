/** Signed deploy and call transactions for tests. */
import { encodeBundle } from '../../src/codec/bundle.js';
import type { Msg, TxBody } from '../../src/codec/tx.js';
import type { KeyPair } from '../../src/crypto/ed25519.js';
import { signTx } from '../../src/crypto/sign-tx.js';
import { MIN_GAS_PRICE, TEST_CHAIN_ID } from './nodes.js';

export const CONTRACT_GAS_LIMIT = 5_000_000;

/** A counter contract's methods (init, add, count) that several tests build on. */
export const COUNTER_METHODS = `
export function init(start) { db.put('state', 'count', start); }
export function add(n) {
  if (typeof n !== 'bigint') throw new TypeError('n must be a BigInt');
  const next = db.get('state', 'count') + n;
  db.put('state', 'count', next);
  emit('added', { by: ctx.sender, n, next });
  return next;
}
export function count() { return db.get('state', 'count'); }
`;

/** JSON with BigInt tagged the way contracts receive it. */
export function contractJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function signedMsg(key: KeyPair, nonce: number, msg: Msg, gasLimit = CONTRACT_GAS_LIMIT): Uint8Array {
  const body: TxBody = { chainId: TEST_CHAIN_ID, nonce, gasLimit, gasPrice: MIN_GAS_PRICE, memo: '', msg };
  return signTx(body, key).bytes;
}

export function deployTx(key: KeyPair, nonce: number, code: string, o: { initArgs?: unknown[]; value?: bigint; files?: Record<string, string>; gasLimit?: number } = {}): Uint8Array {
  const files = [{ name: 'contract.js', content: new TextEncoder().encode(code) }, ...Object.entries(o.files ?? {}).map(([name, text]) => ({ name, content: new TextEncoder().encode(text) }))];
  const msg: Msg = { type: 'deployContract', bundle: encodeBundle(files), initArgs: o.initArgs ? contractJson(o.initArgs) : '', value: o.value ?? 0n };
  return signedMsg(key, nonce, msg, o.gasLimit);
}

export function callTx(key: KeyPair, nonce: number, contract: Uint8Array, method: string, args: unknown[] = [], o: { value?: bigint; gasLimit?: number } = {}): Uint8Array {
  const msg: Msg = { type: 'callContract', contract, method, args: contractJson(args), value: o.value ?? 0n };
  return signedMsg(key, nonce, msg, o.gasLimit);
}

/**
 * How a webhook's caller proves itself (spec/webhooks.md, "Calling a hook"), in the one header
 * `X-Cmt-Signature`: for an Ed25519 hook, 128 hex digits of the caller's signature over
 * hookSignBytes, which names the chain (every validator checks it again on chain); for an HMAC hook, `sha256=` and 64
 * hex digits of HMAC-SHA256(secret, body), as GitHub signs its webhooks (checked by the node only).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { fromHex, toHex } from '../codec/bytes.js';
import { hookSignBytes } from '../codec/hook.js';
import { sign, type KeyPair } from '../crypto/ed25519.js';

export const SIGNATURE_HEADER = 'x-cmt-signature';

export function signHookCall(key: KeyPair, chainId: string, contract: Uint8Array, hook: string, body: Uint8Array): string {
  return toHex(sign(key.privateKey, hookSignBytes(chainId, contract, hook, body)));
}

export function hmacHookCall(secret: string, body: Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** The signature bytes of an Ed25519 header, or undefined when it is not 128 hex digits. */
export function ed25519Header(header: string | undefined): Uint8Array | undefined {
  return header !== undefined && /^[0-9a-fA-F]{128}$/.test(header) ? fromHex(header) : undefined;
}

export function hmacMatches(secret: string, body: Uint8Array, header: string | undefined): boolean {
  if (header === undefined || !/^sha256=[0-9a-fA-F]{64}$/.test(header)) return false;
  const want = Buffer.from(hmacHookCall(secret, body).slice(7), 'hex');
  return timingSafeEqual(want, Buffer.from(header.slice(7), 'hex'));
}

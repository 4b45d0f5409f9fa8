/**
 * A transaction's hash as CometBFT names it: sha256 of its bytes, upper-case hex. @cosmjs/crypto's
 * sha256 rather than crypto.subtle, which browsers withhold from plain-http pages not on
 * localhost (a testnet's dashboard opened by IP).
 */
import { sha256 } from '@cosmjs/crypto';
import { toHex } from '@cosmjs/encoding';

export function txHash(tx: Uint8Array): string {
  return toHex(sha256(tx)).toUpperCase();
}

import { fromHex, to0x } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { sha256 } from '../codec/hash.js';

export const ADDRESS_LENGTH = 20;

export class InvalidAddressError extends CmtError {
  constructor(input: string) {
    super('INVALID_ADDRESS', `invalid address ${JSON.stringify(input.slice(0, 80))}: expected 0x followed by 40 hex digits`);
  }
}

/** The first 20 bytes of sha256(public key). */
export function addressFromPublicKey(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, ADDRESS_LENGTH);
}

/** Lower-case `0x` hex: the one display form. */
export function formatAddress(address: Uint8Array): string {
  return to0x(address);
}

/** Accepts `0x` + 40 hex digits in any letter case (no checksum is enforced). */
export function parseAddress(text: string): Uint8Array {
  const trimmed = text.trim();
  if (!/^0[xX][0-9a-fA-F]{40}$/.test(trimmed)) throw new InvalidAddressError(text);
  return fromHex(trimmed);
}

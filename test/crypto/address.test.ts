import { describe, expect, it } from 'vitest';
import { sha256 } from '../../src/codec/hash.js';
import { addressFromPublicKey, formatAddress, parseAddress } from '../../src/crypto/address.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';

describe('addresses', () => {
  it('is the first 20 bytes of sha256(public key)', () => {
    const { publicKey } = generateKeyPair();
    expect(addressFromPublicKey(publicKey)).toEqual(sha256(publicKey).slice(0, 20));
  });

  it('formats as lower-case 0x hex and parses any letter case', () => {
    const addr = addressFromPublicKey(generateKeyPair().publicKey);
    const text = formatAddress(addr);
    expect(text).toMatch(/^0x[0-9a-f]{40}$/);
    expect(parseAddress(text.toUpperCase().replace('0X', '0x'))).toEqual(addr);
    expect(parseAddress(` ${text} `)).toEqual(addr);
  });

  it.each(['', '0x', '0x123', 'abcdef0123456789abcdef0123456789abcdef01', `0x${'g'.repeat(40)}`, `0x${'a'.repeat(42)}`])(
    'rejects %j with a clear error',
    (bad) => {
      expect(() => parseAddress(bad)).toThrow(/invalid address/);
    },
  );
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/codec/bytes.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { generateKeyPair, isValidPublicKey, keyPairFromSeed, sign, verify } from '../../src/crypto/ed25519.js';

interface Vector { name: string; publicKey: string; message: string; signature: string; valid: boolean }
const { vectors } = JSON.parse(readFileSync(new URL('./ed25519-vectors.json', import.meta.url), 'utf8')) as { vectors: Vector[] };

describe('ed25519 protocol verifier', () => {
  it.each(vectors)('$name -> valid=$valid', (v) => {
    expect(verify(fromHex(v.publicKey), fromHex(v.message), fromHex(v.signature))).toBe(v.valid);
  });

  it('verifies what noble signs, and nothing else', () => {
    const pair = generateKeyPair();
    const msg = new TextEncoder().encode('transfer 5 CMT');
    const sig = sign(pair.privateKey, msg);
    expect(verify(pair.publicKey, msg, sig)).toBe(true);
    const other = generateKeyPair();
    expect(verify(other.publicKey, msg, sig)).toBe(false);
  });

  it('derives the same public key from the same seed', () => {
    const seed = new Uint8Array(32).fill(9);
    expect(keyPairFromSeed(seed).publicKey).toEqual(keyPairFromSeed(seed).publicKey);
  });

  it('rejects small-order and malformed public keys', () => {
    expect(isValidPublicKey(new Uint8Array(32))).toBe(false);
    expect(isValidPublicKey(new Uint8Array(31))).toBe(false);
    expect(isValidPublicKey(generateKeyPair().publicKey)).toBe(true);
  });
});

describe('bulk signer', () => {
  it('gives the same signature bytes as @noble/ed25519', () => {
    const pair = generateKeyPair();
    const msg = new TextEncoder().encode('same bytes from both signers');
    expect(new BulkSigner(pair).sign(msg)).toEqual(sign(pair.privateKey, msg));
  });
});

import { describe, expect, it } from 'vitest';
import { decodeFresh, decoderWith } from '../../src/app/tx-decoder.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';
import { callTx } from '../support/contract-txs.js';

describe('decoding with what another thread decoded', () => {
  const key = keyPairFromSeed(new Uint8Array(32).fill(3));
  const a = callTx(key, 0, new Uint8Array(20).fill(1), 'add', [1n]);
  const b = callTx(key, 1, new Uint8Array(20).fill(1), 'add', [2n]);

  it('answers the shipped decoding for the very array it came with, and decodes the rest afresh', () => {
    const shippedA = decodeFresh(a);
    const decode = decoderWith([a, b], [{ tx: shippedA.tx, hash: shippedA.hash, sender: shippedA.sender }, null]);
    expect(decode(a).tx).toBe(shippedA.tx);
    // The same bytes in another array are not the shipped transaction: decoded again.
    expect(decode(Uint8Array.from(a)).tx).not.toBe(shippedA.tx);
    expect(decode(b)).toEqual(decodeFresh(b));
  });

  it('computes the sign bytes of a shipped transaction when asked, as a fresh decoding does', () => {
    const fresh = decodeFresh(a);
    const decode = decoderWith([a], [{ tx: fresh.tx, hash: fresh.hash, sender: fresh.sender }]);
    expect(Buffer.from(decode(a).signBytes).equals(Buffer.from(fresh.signBytes))).toBe(true);
  });
});

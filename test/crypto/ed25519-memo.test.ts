/**
 * With the simulator's verification memo on, what this thread signs is remembered as valid
 * when it is signed. That must not make anything else valid: another key, another message, or
 * a changed signature still fails, exactly as without the memo.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPairFromSeed, memoizeVerification, sign, verify } from '../../src/crypto/ed25519.js';

describe('the verification memo', () => {
  it('says valid for what was signed here and nothing else', () => {
    memoizeVerification();
    const seed = fc.uint8Array({ minLength: 32, maxLength: 32 });
    fc.assert(
      fc.property(seed, seed, fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(63), (a, b, message, other, at) => {
        fc.pre(a.some((x, i) => x !== b[i]));
        const signer = keyPairFromSeed(a);
        const stranger = keyPairFromSeed(b);
        const signature = sign(signer.privateKey, message);
        expect(verify(signer.publicKey, message, signature)).toBe(true);
        expect(verify(stranger.publicKey, message, signature)).toBe(false);
        const changed = Uint8Array.from(signature);
        changed[at] = (changed[at] as number) ^ 1;
        expect(verify(signer.publicKey, message, changed)).toBe(false);
        if (other.length !== message.length || other.some((x, i) => x !== message[i])) expect(verify(signer.publicKey, other, signature)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

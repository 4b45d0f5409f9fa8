/**
 * The signature worker pool's lanes (src/app/executor/signature-verifier.ts): however many
 * admission batches the mempool has queued, a block's batch waits behind at most one admission
 * chunk per thread, and every answer is still right.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateKeyPair, sign } from '../../src/crypto/ed25519.js';
import { PoolVerifier, type SignatureJob } from '../../src/app/executor/signature-verifier.js';

const key = generateKeyPair();
function jobs(n: number, tag: number, bad = -1): SignatureJob[] {
  return Array.from({ length: n }, (_, i) => {
    const message = Uint8Array.of(tag, i >> 8, i & 0xff);
    const signature = sign(key.privateKey, message);
    if (i === bad) signature[0] = (signature[0] ?? 0) ^ 1;
    return { publicKey: key.publicKey, message, signature };
  });
}

describe('signature pool lanes', () => {
  const pool = new PoolVerifier(1);
  afterAll(() => pool.close());

  it("answers a block's batch before the admissions queued ahead of it, but one", async () => {
    const done: string[] = [];
    const admissions = Array.from({ length: 8 }, (_, a) => pool.verifyBatch(jobs(256, a, 7), 'admission').then((ok) => (done.push(`a${a}`), ok)));
    const block = pool.verifyBatch(jobs(256, 99, 3), 'block').then((ok) => (done.push('block'), ok));
    const [blockOk, ...admissionOk] = await Promise.all([block, ...admissions]);
    expect(done.indexOf('block')).toBeLessThanOrEqual(1);
    expect(blockOk?.filter((ok) => !ok)).toHaveLength(1);
    expect(blockOk?.[3]).toBe(false);
    for (const ok of admissionOk) expect(ok.map((good, i) => good || i)).toEqual(ok.map((_, i) => (i === 7 ? 7 : true)));
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeTx, type Msg } from '../../src/codec/tx.js';
import { decodeTx } from '../../ui/src/chain/tx-decode.js';

const address = fc.uint8Array({ minLength: 20, maxLength: 20 });
const amount = fc.bigInt({ min: 0n, max: 2n ** 256n - 1n });
const hex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;

/** Messages with what the page must read from them: kind and fields by name. */
const messages: fc.Arbitrary<{ msg: Msg; fields: Record<string, string> }> = fc.oneof(
  fc.record({ to: address, amount }).map(({ to, amount }) => ({ msg: { type: 'transfer' as const, to, amount }, fields: { to: hex(to), amount: amount.toString() } })),
  fc.record({ candidate: address, amount }).map(({ candidate, amount }) => ({ msg: { type: 'unbond' as const, candidate, amount }, fields: { candidate: hex(candidate), amount: amount.toString() } })),
  fc.record({ from: address, to: address, amount }).map(({ from, to, amount }) => ({ msg: { type: 'redelegate' as const, from, to, amount }, fields: { from: hex(from), to: hex(to), amount: amount.toString() } })),
  fc.record({ proposalId: fc.nat(), option: fc.integer({ min: 0, max: 2 }) }).map(({ proposalId, option }) => ({ msg: { type: 'vote' as const, proposalId, option }, fields: { proposalId: String(proposalId), option: ['yes', 'no', 'abstain'][option]! } })),
  fc.record({ contract: address, method: fc.string({ maxLength: 20 }), args: fc.string({ maxLength: 50 }), value: amount }).map(({ contract, method, args, value }) => ({
    msg: { type: 'callContract' as const, contract, method, args, value },
    fields: { contract: hex(contract), method, args, value: value.toString() },
  })),
  fc.constant({ msg: { type: 'unjail' as const }, fields: {} }),
  fc.record({ recipient: address, amount, deposit: amount }).map(({ recipient, amount, deposit }) => ({
    msg: { type: 'submitProposal' as const, title: 't', description: 'd', change: { type: 'communitySpend' as const, recipient, amount }, deposit, effectiveHeight: 0 },
    fields: { title: 't', description: 'd', change: 'communitySpend', deposit: deposit.toString(), effectiveHeight: '0' },
  })),
);

const signed = fc.record({
  chainId: fc.string({ maxLength: 50 }),
  nonce: fc.nat(),
  gasLimit: fc.nat(),
  gasPrice: amount,
  memo: fc.string({ maxLength: 80 }),
  message: messages,
  publicKey: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

describe('decodeTx (the page reading a transaction)', () => {
  it('reads back what the node encodes: body, sender, message kind and fields', () => {
    fc.assert(
      fc.property(signed, ({ chainId, nonce, gasLimit, gasPrice, memo, message, publicKey }) => {
        const bytes = encodeTx({ body: { chainId, nonce, gasLimit, gasPrice, memo, msg: message.msg }, publicKey, signature: new Uint8Array(64) });
        const d = decodeTx(bytes);
        expect(d).toBeDefined();
        expect(d).toMatchObject({ chainId, nonce: String(nonce), gasLimit: String(gasLimit), gasPrice: gasPrice.toString(), memo, kind: message.msg.type });
        expect(d!.sender).toBe(`0x${createHash('sha256').update(publicKey).digest('hex').slice(0, 40)}`);
        expect(Object.fromEntries(d!.fields.map((f) => [f.name, f.value]))).toEqual(message.fields);
      }),
      { numRuns: 300 },
    );
  });

  it('gives undefined, never a throw, for a cut or corrupted transaction and for any bytes', () => {
    const bytes = encodeTx({ body: { chainId: 'c', nonce: 1, gasLimit: 2, gasPrice: 3n, memo: '', msg: { type: 'transfer', to: new Uint8Array(20), amount: 5n } }, publicKey: new Uint8Array(32), signature: new Uint8Array(64) });
    for (let n = 0; n < bytes.length; n++) expect(decodeTx(bytes.subarray(0, n)), `cut at ${n}`).toBeUndefined();
    expect(decodeTx(Uint8Array.of(...bytes, 0))).toBeUndefined();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (junk, at, value) => {
        decodeTx(junk);
        const flipped = Uint8Array.from(bytes);
        flipped[at % flipped.length] = value;
        const d = decodeTx(flipped);
        if (d) expect(typeof d.kind).toBe('string');
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses a length prefix claiming more than the bytes hold', () => {
    expect(decodeTx(Uint8Array.of(0xfb, 0xff, 0xff, 0xff, 0xff))).toBeUndefined();
    expect(decodeTx(Uint8Array.of(0xbf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/codec/schema.js';
import { Account, decodeAccount, encodeAccount } from '../../src/app/bank/accounts.js';
import { prng } from '../support/state-fixtures.js';

describe('the direct account codec', () => {
  it('gives the bytes of the generic codec, and decodes them back, for accounts of every size', () => {
    const rand = prng(7);
    for (let i = 0; i < 3000; i++) {
      let balance = 0n;
      const bytes = Math.floor(rand() * 33);
      for (let b = 0; b < bytes; b++) balance = (balance << 8n) | BigInt(Math.floor(rand() * 256));
      const nonce = [0, 1, 0x7f, 0x80, 255, 256, Number.MAX_SAFE_INTEGER, Math.floor(rand() * 2 ** 40)][i % 8] as number;
      const account = { balance, nonce };
      const generic = encode(Account, account);
      expect(encodeAccount(account)).toEqual(generic);
      expect(decodeAccount(generic)).toEqual(account);
    }
  });

  it('refuses exactly what the generic decoder refuses', () => {
    const bad = [
      Uint8Array.of(0xc2, 0x00, 0x01), // leading zero integer
      Uint8Array.of(0xc3, 0x81, 0x05, 0x01), // single byte below 0x80 in long form
      Uint8Array.of(0xc2, 0x01, 0x01, 0x01), // trailing byte
      Uint8Array.of(0xc1, 0x01), // one field
      Uint8Array.of(0xc3, 0x01, 0x01, 0x01), // three fields
      Uint8Array.of(0xc9, 0x01, 0x88, 0x20, 0, 0, 0, 0, 0, 0), // nonce above 2^53
      Uint8Array.of(0x01),
    ];
    for (const raw of bad) {
      expect(() => decode(Account, raw, 'account')).toThrow();
      expect(() => decodeAccount(raw)).toThrow();
    }
  });
});

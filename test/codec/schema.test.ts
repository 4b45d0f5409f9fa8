import { describe, expect, it } from 'vitest';
import { fromHex } from '../../src/codec/bytes.js';
import { rlpEncode } from '../../src/codec/rlp.js';
import { boolean, bytes, decode, encode, fixedBytes, list, optionalRound, safeUint, struct, text, uint, union } from '../../src/codec/schema.js';

const Point = struct('Point', { x: safeUint, y: uint(64), label: text(8) });

describe('schema codecs', () => {
  it('round-trips a struct', () => {
    const p = { x: 7, y: 2n ** 64n - 1n, label: 'héllo' };
    expect(decode(Point, encode(Point, p))).toEqual(p);
  });

  it('encodes integers canonically: zero is empty, no leading zeros', () => {
    expect(encode(safeUint, 0)).toEqual(fromHex('80'));
    expect(encode(safeUint, 1)).toEqual(fromHex('01'));
    expect(encode(safeUint, 256)).toEqual(fromHex('820100'));
  });

  it('rejects non-canonical integers', () => {
    expect(() => decode(safeUint, rlpEncode(fromHex('0001')))).toThrow(/leading zero/);
    expect(() => decode(safeUint, rlpEncode(fromHex('00')))).toThrow(/leading zero/);
  });

  it('rejects integers wider than declared', () => {
    expect(() => decode(uint(64), rlpEncode(fromHex('010000000000000000')))).toThrow(/longer than 64 bits/);
    expect(() => decode(safeUint, rlpEncode(fromHex('20000000000000')))).toThrow(/exceeds/);
  });

  it('rejects trailing bytes', () => {
    const bytesOk = encode(Point, { x: 1, y: 2n, label: 'a' });
    expect(() => decode(Point, Uint8Array.from([...bytesOk, 0]))).toThrow(/trailing bytes/);
  });

  it('rejects wrong field counts', () => {
    expect(() => decode(Point, rlpEncode([fromHex('01'), fromHex('02')]))).toThrow(/expected 3 fields, got 2/);
    expect(() => decode(Point, rlpEncode([fromHex('01'), fromHex('02'), fromHex('61'), fromHex('01')]))).toThrow(/expected 3 fields, got 4/);
  });

  it('rejects a list where bytes are expected and the reverse', () => {
    expect(() => decode(Point, rlpEncode(fromHex('01')))).toThrow(/expected a list/);
    expect(() => decode(Point, rlpEncode([[], fromHex('02'), fromHex('61')]))).toThrow(/Point.x: expected a byte string/);
  });

  it('rejects non-canonical RLP length prefixes', () => {
    // 0x81 0x05: a single byte below 0x80 must not be prefixed.
    expect(() => decode(bytes(4), fromHex('8105'))).toThrow(/RLP/);
    // long-form length for a 2-byte string
    expect(() => decode(bytes(4), fromHex('b8020102'))).toThrow(/RLP/);
  });

  it('rejects truncated input and empty input', () => {
    expect(() => decode(Point, fromHex('c501'))).toThrow(/RLP/);
    expect(() => decode(Point, new Uint8Array(0))).toThrow(/empty input/);
  });

  it('enforces lengths, UTF-8 and booleans', () => {
    expect(() => decode(fixedBytes(4), rlpEncode(fromHex('010203')))).toThrow(/expected 4 bytes/);
    expect(() => decode(text(8), rlpEncode(fromHex('c328')))).toThrow(/invalid UTF-8/);
    expect(() => decode(text(2), rlpEncode(new TextEncoder().encode('abc')))).toThrow(/longer than 2/);
    expect(() => decode(boolean, rlpEncode(fromHex('02')))).toThrow(/boolean/);
    expect(() => decode(list(safeUint, 2), rlpEncode([fromHex('01'), fromHex('02'), fromHex('03')]))).toThrow(/more than 2 items/);
  });

  it('encodes round -1 as 0 and decodes it back', () => {
    expect(encode(optionalRound, -1)).toEqual(fromHex('80'));
    expect(decode(optionalRound, encode(optionalRound, 3))).toBe(3);
    expect(decode(optionalRound, encode(optionalRound, -1))).toBe(-1);
  });

  it('tags unions and rejects unknown tags', () => {
    const Shape = union('Shape', { dot: [1, struct('Dot', { x: safeUint })], line: [2, struct('Line', { a: safeUint, b: safeUint })] });
    const line = { type: 'line' as const, a: 1, b: 2 };
    expect(decode(Shape, encode(Shape, line))).toEqual(line);
    expect(() => decode(Shape, rlpEncode([fromHex('09'), []]))).toThrow(/unknown Shape tag 9/);
  });
});

describe('integer fast paths', () => {
  /** The plain definition: minimal big-endian bytes through hex. */
  const reference = (v: bigint): Uint8Array => {
    if (v === 0n) return new Uint8Array(0);
    let hex = v.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    return new Uint8Array(Buffer.from(hex, 'hex'));
  };
  let seed = 12345;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };

  it('encode and decode every byte length exactly as the definition says', () => {
    const u256 = uint(256);
    for (let bytes = 0; bytes <= 32; bytes++) {
      for (let i = 0; i < 50; i++) {
        let v = 0n;
        for (let b = 0; b < bytes; b++) v = (v << 8n) | BigInt(Math.floor(rand() * 256));
        if (bytes > 0) v |= 1n << BigInt(8 * bytes - 1 - Math.floor(rand() * 8));
        expect(u256.toItem(v)).toEqual(reference(v));
        expect(decode(u256, encode(u256, v))).toBe(v);
        if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
          expect(safeUint.toItem(Number(v))).toEqual(reference(v));
          expect(decode(safeUint, encode(safeUint, Number(v)))).toBe(Number(v));
        }
      }
    }
    expect(safeUint.toItem(Number.MAX_SAFE_INTEGER)).toEqual(reference(BigInt(Number.MAX_SAFE_INTEGER)));
    expect(() => decode(safeUint, encode(uint(64), 2n ** 53n))).toThrow(/exceeds uint53/);
    expect(() => decode(safeUint, Uint8Array.of(0x82, 0x00, 0x01))).toThrow(/leading zero/);
  });
});

describe('transaction sign bytes from the raw encoding', () => {
  it('equal the sign bytes of the decoded body, for small and large transactions', async () => {
    const { decodeTx, encodeTx, txSignBytes, txSignBytesOfDecoded } = await import('../../src/codec/tx.js');
    for (const memoLength of [0, 1, 40, 60, 200, 256]) {
      const body = { chainId: 'c', nonce: memoLength, gasLimit: 100_000, gasPrice: 10n ** 9n, memo: 'm'.repeat(memoLength), msg: { type: 'transfer' as const, to: new Uint8Array(20).fill(3), amount: 5n } };
      const bytes = encodeTx({ body, publicKey: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) });
      expect(txSignBytesOfDecoded(bytes)).toEqual(txSignBytes(decodeTx(bytes).body));
    }
  });
});

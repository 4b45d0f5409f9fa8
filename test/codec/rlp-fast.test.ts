/**
 * The hand-written RLP codec against the library it replaced: @ethereumjs/rlp's encoder gives
 * the reference bytes, and the reference decoder is the old `rlpDecode` (library decode, a
 * round-trip canonical check, a trailing-byte check and the nesting bound), kept here verbatim
 * in substance. Consensus depends on both agreeing byte for byte and accept for accept.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { RLP } from '@ethereumjs/rlp';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError } from '../../src/codec/errors.js';
import { MAX_RLP_DEPTH, rlpDecode, rlpEncode, type RlpItem } from '../../src/codec/rlp.js';

// --- the reference: the previous implementation of rlpDecode -------------------------------

function refHeader(bytes: Uint8Array, offset: number): { payloadStart: number; end: number; list: boolean } {
  const first = bytes[offset] as number;
  if (first < 0x80) return { payloadStart: offset, end: offset + 1, list: false };
  const list = first >= 0xc0;
  const shortBase = list ? 0xc0 : 0x80;
  if (first <= shortBase + 55) return { payloadStart: offset + 1, end: offset + 1 + (first - shortBase), list };
  const lengthOfLength = first - shortBase - 55;
  let length = 0;
  for (let i = 1; i <= lengthOfLength; i++) length = length * 256 + (bytes[offset + i] ?? 256);
  return { payloadStart: offset + 1 + lengthOfLength, end: offset + 1 + lengthOfLength + length, list };
}

function refCheckNesting(bytes: Uint8Array): void {
  const ends: number[] = [bytes.length];
  let at = 0;
  while (at < bytes.length) {
    const h = refHeader(bytes, at);
    if (h.end > (ends[ends.length - 1] as number)) throw new DecodeError('malformed RLP: runs past');
    if (h.list) {
      if (ends.length > MAX_RLP_DEPTH) throw new DecodeError('nesting');
      ends.push(h.end);
      at = h.payloadStart;
    } else {
      at = h.end;
    }
    while (ends.length > 1 && at === ends[ends.length - 1]) ends.pop();
  }
}

function refDecode(bytes: Uint8Array): RlpItem {
  if (bytes.length === 0) throw new DecodeError('empty input');
  refCheckNesting(bytes);
  let item: RlpItem;
  try {
    item = RLP.decode(bytes, false) as RlpItem;
  } catch (err) {
    throw new DecodeError(`malformed RLP: ${String(err)}`);
  }
  if (!Buffer.from(RLP.encode(item)).equals(Buffer.from(bytes))) throw new DecodeError('non-canonical RLP encoding');
  return item;
}

type Outcome = { ok: true; item: RlpItem } | { ok: false; error: unknown };

function attempt(decodeFn: (b: Uint8Array) => RlpItem, bytes: Uint8Array): Outcome {
  try {
    return { ok: true, item: decodeFn(bytes) };
  } catch (error) {
    return { ok: false, error };
  }
}

function sameItem(a: RlpItem, b: RlpItem): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameItem(x, b[i] as RlpItem));
  }
  return Buffer.from(a).equals(Buffer.from(b));
}

/** Every byte string of a decoded tree is a plain Uint8Array owning its memory (a copy). */
function allCopies(item: RlpItem, input: Uint8Array): boolean {
  if (Array.isArray(item)) return item.every((x) => allCopies(x, input));
  return item.constructor === Uint8Array && item.byteOffset === 0 && item.buffer !== input.buffer && item.buffer.byteLength === item.length;
}

/** New decoder agrees with the reference: same items, or both refuse (the new one with a DecodeError). */
function expectAgreement(bytes: Uint8Array): void {
  const ref = attempt(refDecode, bytes);
  const got = attempt(rlpDecode, bytes);
  if (ref.ok) {
    if (!got.ok) throw new Error(`reference accepts ${Buffer.from(bytes).toString('hex')} but the new decoder refuses: ${String(got.error)}`);
    expect(sameItem(got.item, ref.item)).toBe(true);
    expect(allCopies(got.item, bytes)).toBe(true);
  } else {
    if (got.ok) throw new Error(`reference refuses ${Buffer.from(bytes).toString('hex')} (${String(ref.error)}) but the new decoder accepts`);
    expect(got.error).toBeInstanceOf(DecodeError);
  }
}

// --- generators -------------------------------------------------------------------------------

/** Lengths around every boundary of the encoding: short/long form and each length-of-length step. */
const BOUNDARY_LENGTHS = [0, 1, 2, 54, 55, 56, 57, 255, 256, 257, 65535, 65536, 65537];

const patterned = fc
  .tuple(fc.constantFrom(...BOUNDARY_LENGTHS), fc.integer({ min: 0, max: 255 }))
  .map(([n, seed]) => Uint8Array.from({ length: n }, (_, i) => (seed + i * 31) & 0xff));

const leaf: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 0x7f }).map((b) => Uint8Array.of(b)) },
  { weight: 3, arbitrary: fc.integer({ min: 0x80, max: 0xff }).map((b) => Uint8Array.of(b)) },
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 70 }) },
  { weight: 1, arbitrary: patterned },
);

const tree: fc.Arbitrary<RlpItem> = fc.letrec<{ item: RlpItem }>((tie) => ({
  item: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.array(tie('item'), { maxLength: 8 })),
})).item;

/** Many small items: list payloads cross 55, 255 and 65535 bytes. */
const wide: fc.Arbitrary<RlpItem> = fc
  .tuple(fc.integer({ min: 0, max: 30_000 }), fc.integer({ min: 0, max: 255 }))
  .map(([n, seed]) => Array.from({ length: n }, (_, i) => (i % 3 === 0 ? Uint8Array.of((seed + i) & 0x7f) : Uint8Array.of(0x80 | ((seed + i) & 0x7f), i & 0xff))));

/** A tree wrapped in up to 40 single-item lists (past MAX_RLP_DEPTH, which the encoder does not bound). */
const deep: fc.Arbitrary<RlpItem> = fc.tuple(tree, fc.integer({ min: 0, max: 40 })).map(([inner, n]) => {
  let item = inner;
  for (let i = 0; i < n; i++) item = i % 2 === 0 ? [item] : [Uint8Array.of(i), item, new Uint8Array(0)];
  return item;
});

const anyTree = fc.oneof({ weight: 5, arbitrary: tree }, { weight: 1, arbitrary: wide }, { weight: 2, arbitrary: deep });

/** Bytes that hit headers of every kind: mostly random, but often valid-looking structure. */
const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0xb7, 0xb8, 0xb9, 0xba, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0x37, 0x38];
const headerish = fc.array(fc.oneof(fc.constantFrom(...INTERESTING), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 40 }).map((a) => Uint8Array.from(a));

type Mutation =
  | { kind: 'flip'; at: number; mask: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'extend'; extra: Uint8Array }
  | { kind: 'insert'; at: number; value: number }
  | { kind: 'delete'; at: number }
  | { kind: 'bump'; at: number; delta: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), value: fc.constantFrom(...INTERESTING) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  // Length bytes: a header byte (or the byte after it) moved up or down by one.
  fc.record({ kind: fc.constant('bump' as const), at: fc.nat(), delta: fc.constantFrom(-1, 1) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  const out = Array.from(bytes);
  const at = out.length === 0 ? 0 : ('at' in m ? m.at : 0) % out.length;
  switch (m.kind) {
    case 'flip': out[at] = (out[at] ?? 0) ^ m.mask; break;
    case 'set': out[at] = m.value; break;
    case 'truncate': out.length = at; break;
    case 'extend': out.push(...m.extra); break;
    case 'insert': out.splice(at, 0, m.value); break;
    case 'delete': out.splice(at, 1); break;
    case 'bump': out[at] = ((out[at] ?? 0) + m.delta + 256) & 0xff; break;
  }
  return Uint8Array.from(out);
}

/** Byte offsets of every item header in a canonical encoding (mutations aimed at length bytes). */
function headerOffsets(bytes: Uint8Array): number[] {
  const offsets: number[] = [];
  const walk = (at: number, end: number): void => {
    while (at < end) {
      offsets.push(at);
      const h = refHeader(bytes, at);
      if (h.list) walk(h.payloadStart, h.end);
      at = h.end;
    }
  };
  walk(0, bytes.length);
  return offsets;
}

/** Big-endian bytes of a length, no leading zero. */
function lengthBytes(length: number): number[] {
  const out: number[] = [];
  for (let v = length; v > 0; v = Math.floor(v / 256)) out.unshift(v % 256);
  return out;
}

/**
 * An encoding of `item` whose headers are sometimes in a wrong but well-formed form (so every
 * length still adds up): long form for a short length, a leading zero in a long length, a
 * single byte below 0x80 behind a 0x81 prefix. `choices` picks per item, cyclically; `sloppy`
 * says whether any wrong form was used.
 */
function sloppyEncode(item: RlpItem, choices: number[]): { bytes: Uint8Array; sloppy: boolean } {
  let next = 0;
  let sloppy = false;
  const header = (length: number, base: number, choice: number): number[] => {
    if (choice === 1) {
      sloppy ||= length < 56;
      const lb = length === 0 ? [0] : lengthBytes(length);
      if (length === 0) sloppy = true;
      return [base + 55 + lb.length, ...lb];
    }
    if (choice === 2) {
      sloppy = true;
      const lb = [0, ...lengthBytes(length)];
      return [base + 55 + lb.length, ...lb];
    }
    return length < 56 ? [base + length] : [base + 55 + lengthBytes(length).length, ...lengthBytes(length)];
  };
  const walk = (it: RlpItem): number[] => {
    const c = choices[next++ % choices.length] as number;
    const choice = c < 7 ? 0 : c - 6; // mostly canonical: 1 long form, 2 leading zero, 3 wrapped byte
    if (Array.isArray(it)) {
      const payload = it.flatMap(walk);
      return [...header(payload.length, 0xc0, choice), ...payload];
    }
    if (it.length === 1 && (it[0] as number) < 0x80) {
      if (choice === 3) {
        sloppy = true;
        return [0x81, it[0] as number];
      }
      if (choice === 0) return [it[0] as number];
    }
    return [...header(it.length, 0x80, choice === 3 ? 0 : choice), ...it];
  };
  const bytes = Uint8Array.from(walk(item));
  return { bytes, sloppy };
}

/** `count` lists nested in one another around an empty list, every header canonical. */
function nestedLists(count: number): Uint8Array {
  const headers: number[][] = [];
  let payload = 1; // the innermost 0xc0
  for (let i = 0; i < count; i++) {
    const header = payload < 56 ? [0xc0 + payload] : (() => {
      const lengthBytes: number[] = [];
      for (let v = payload; v > 0; v = Math.floor(v / 256)) lengthBytes.unshift(v % 256);
      return [0xf7 + lengthBytes.length, ...lengthBytes];
    })();
    headers.push(header);
    payload += header.length;
  }
  const out = new Uint8Array(payload);
  let at = 0;
  for (let i = headers.length - 1; i >= 0; i--) for (const b of headers[i] as number[]) out[at++] = b;
  out[at] = 0xc0;
  return out;
}

// --- tests ------------------------------------------------------------------------------------

describe('rlpEncode: byte-identical to @ethereumjs/rlp', () => {
  it('on generated trees: deep, wide, and byte strings of every length class', () => {
    fc.assert(
      fc.property(anyTree, (item) => {
        const ours = rlpEncode(item);
        const theirs = RLP.encode(item);
        expect(ours.constructor).toBe(Uint8Array);
        expect(Buffer.from(ours).equals(Buffer.from(theirs))).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('at every boundary length, as a string and as a list payload', () => {
    for (const n of [...BOUNDARY_LENGTHS, 16_777_215, 16_777_216]) {
      const s = new Uint8Array(n).fill(0xab);
      expect(Buffer.from(rlpEncode(s)).equals(Buffer.from(RLP.encode(s)))).toBe(true);
      if (n >= 1) {
        // A list whose payload is exactly n bytes: a string of n - header bytes.
        const inner = new Uint8Array(Math.max(0, n - (n - 1 < 56 ? 1 : n - 1 < 256 ? 2 : n - 1 < 65536 ? 3 : 4))).fill(0x99);
        expect(Buffer.from(rlpEncode([inner])).equals(Buffer.from(RLP.encode([inner])))).toBe(true);
      }
    }
    for (let b = 0; b < 256; b++) expect(Buffer.from(rlpEncode(Uint8Array.of(b))).equals(Buffer.from(RLP.encode(Uint8Array.of(b))))).toBe(true);
  });

  it('encodes Buffers like plain arrays and always returns a fresh plain Uint8Array', () => {
    const b = Buffer.from([5]);
    const out = rlpEncode(b);
    expect(out).not.toBe(b);
    expect(out.constructor).toBe(Uint8Array);
    expect(Array.from(rlpEncode([Buffer.from('dog'), [Buffer.alloc(0)]]))).toEqual(Array.from(RLP.encode([Buffer.from('dog'), [Buffer.alloc(0)]])));
  });
});

describe('rlpDecode: accepts exactly what the reference accepts', () => {
  it('round-trips generated trees (within the nesting bound) to the same items', () => {
    fc.assert(
      fc.property(anyTree, (item) => {
        expectAgreement(RLP.encode(item));
      }),
      { numRuns: 300 },
    );
  });

  it('on random bytes and header-heavy bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 80 }), (bytes) => expectAgreement(bytes)), { numRuns: 2000 });
    fc.assert(fc.property(headerish, (bytes) => expectAgreement(bytes)), { numRuns: 4000 });
  });

  it('on mutations of valid encodings: flip, set, truncate, extend, insert, delete', () => {
    fc.assert(
      fc.property(tree, fc.array(mutation, { minLength: 1, maxLength: 3 }), (item, ms) => {
        let bytes = RLP.encode(item);
        for (const m of ms) bytes = mutate(bytes, m);
        expectAgreement(bytes);
      }),
      { numRuns: 1500 },
    );
  });

  it('on changes to the length bytes of every header', () => {
    fc.assert(
      fc.property(fc.oneof(tree, deep), fc.nat(), fc.nat(), fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: 255 }), (item, pick, lengthByte, delta, value) => {
        const bytes = RLP.encode(item);
        const offsets = headerOffsets(bytes);
        const at = offsets[pick % offsets.length] as number;
        const first = bytes[at] as number;
        const longForm = (first >= 0xb8 && first < 0xc0) || first >= 0xf8;
        const target = longForm ? at + 1 + (lengthByte % ((first >= 0xf8 ? first - 0xf7 : first - 0xb7) + 1)) - 1 : at;
        const bumped = bytes.slice();
        bumped[target] = ((bumped[target] as number) + delta + 256) & 0xff;
        expectAgreement(bumped);
        const set = bytes.slice();
        set[target] = value;
        expectAgreement(set);
      }),
      { numRuns: 3000 },
    );
  });

  it('on well-formed encodings with non-canonical headers (long form for short lengths, leading zeros, wrapped bytes)', () => {
    const small = fc.letrec<{ item: RlpItem }>((tie) => ({
      item: fc.oneof(
        { depthSize: 'small' },
        leaf.filter((b) => b.length < 300),
        // Right at the short/long boundary, where a long form is wrong by one.
        fc.tuple(fc.integer({ min: 53, max: 57 }), fc.integer({ min: 0, max: 255 })).map(([n, seed]) => new Uint8Array(n).fill(seed)),
        fc.array(tie('item'), { maxLength: 6 }),
      ),
    })).item;
    fc.assert(
      fc.property(small, fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 30 }), (item, choices) => {
        const { bytes, sloppy } = sloppyEncode(item, choices);
        expectAgreement(bytes);
        // Any wrong form is refused; an encoding with none is the canonical one.
        if (sloppy) expect(() => rlpDecode(bytes)).toThrow(DecodeError);
        else expect(Buffer.from(bytes).equals(Buffer.from(rlpEncode(item)))).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });

  it('on hand-picked non-canonical and malformed forms, with the documented messages', () => {
    const cases: [string, RegExp][] = [
      ['8105', /non-canonical/], // single byte < 0x80 wrapped
      ['b8020102', /non-canonical/], // long form for a 2-byte string
      ['b90002' + '00'.repeat(2), /non-canonical/], // leading zero in the length
      ['f800', /non-canonical/], // long-form list of length 0
      ['b838' + '00'.repeat(55), /malformed RLP/], // runs past the input
      ['c2820102', /malformed RLP/], // item runs past its list
      ['0000', /trailing bytes/],
      ['c0c0', /trailing bytes/],
      ['bf', /malformed RLP/],
      ['', /empty input/],
    ];
    for (const [hex, message] of cases) {
      const bytes = Uint8Array.from(Buffer.from(hex, 'hex'));
      expect(() => rlpDecode(bytes), hex).toThrow(DecodeError);
      expect(() => rlpDecode(bytes), hex).toThrow(message);
      expectAgreement(bytes);
    }
  });

  it('returns copies: decoded strings survive the input being overwritten, and Buffers decode to plain arrays', () => {
    const input = Buffer.from(rlpEncode([Uint8Array.of(1, 2, 3), new Uint8Array(60).fill(7), Uint8Array.of(9)]));
    const item = rlpDecode(input) as Uint8Array[];
    input.fill(0);
    expect(Array.from(item[0] as Uint8Array)).toEqual([1, 2, 3]);
    expect((item[1] as Uint8Array).every((b) => b === 7)).toBe(true);
    expect(Array.from(item[2] as Uint8Array)).toEqual([9]);
    expect(item.every((b) => b.constructor === Uint8Array)).toBe(true);
  });

  it(`bounds nesting at ${MAX_RLP_DEPTH} lists, like the reference`, () => {
    expect(() => rlpDecode(nestedLists(MAX_RLP_DEPTH - 1))).not.toThrow();
    expect(() => rlpDecode(nestedLists(MAX_RLP_DEPTH))).toThrow(/nest deeper/);
    for (let n = MAX_RLP_DEPTH - 3; n <= MAX_RLP_DEPTH + 3; n++) expectAgreement(nestedLists(n));
  });

  it('refuses 100,000 nested lists with a DecodeError on the main thread', () => {
    const bytes = nestedLists(100_000);
    expect(() => rlpDecode(bytes)).toThrow(DecodeError);
    expect(() => rlpDecode(bytes)).toThrow(/nest deeper/);
  });

  it('refuses 100,000 nested lists with a DecodeError in a worker with a small stack', async () => {
    // The worker runs the very source under test, compiled on the fly (a worker cannot load .ts);
    // half a megabyte is about the least stack a Node worker boots with (the default is 4).
    const dir = mkdtempSync(join(tmpdir(), 'cmt-rlp-worker-'));
    try {
      execFileSync(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '--ignoreConfig', '--outDir', dir, '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck', '--noCheck', '--types', 'node', 'src/codec/rlp.ts']);
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
      const moduleUrl = pathToFileURL(join(dir, 'rlp.js')).href;
      const source = `
        const { parentPort, workerData } = require('node:worker_threads');
        import(workerData.moduleUrl).then((m) => {
          try { m.rlpDecode(workerData.bytes); parentPort.postMessage({ accepted: true }); }
          catch (err) { parentPort.postMessage({ accepted: false, name: err.constructor.name, code: err.code, message: err.message }); }
        });`;
      const result = await new Promise<{ accepted: boolean; name?: string; code?: string; message?: string }>((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { moduleUrl, bytes: nestedLists(100_000) }, resourceLimits: { stackSizeMb: 0.5 } });
        worker.once('message', (m) => {
          resolve(m as { accepted: boolean });
          void worker.terminate();
        });
        worker.once('error', reject);
      });
      expect(result).toMatchObject({ accepted: false, name: 'DecodeError', code: 'DECODE_ERROR' });
      expect(result.message).toMatch(/nest deeper/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

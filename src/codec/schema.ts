/**
 * One definition per wire type: a `Codec<T>` built from these combinators gives both the
 * TypeScript type (`Infer<typeof X>`) and the canonical RLP encoding, so they cannot drift.
 * Decoding is strict: exact field counts, canonical integers, bounded lengths.
 */
import { DecodeError, EncodeError } from './errors.js';
import { rlpDecode, rlpEncode, type RlpItem } from './rlp.js';
import { fitUtf8 } from './utf8-fit.js';

export interface Codec<T> {
  /** A short description used in error messages and in the spec tables. */
  readonly describe: string;
  toItem(value: T): RlpItem;
  fromItem(item: RlpItem, path: string): T;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

export function encode<T>(codec: Codec<T>, value: T): Uint8Array {
  return rlpEncode(codec.toItem(value));
}

/** Decodes bytes that hold exactly one value of `codec`; `what` names it in errors. */
export function decode<T>(codec: Codec<T>, bytes: Uint8Array, what = codec.describe): T {
  return codec.fromItem(rlpDecode(bytes), what);
}

function expectBytes(item: RlpItem, path: string): Uint8Array {
  if (Array.isArray(item)) throw new DecodeError(`${path}: expected a byte string, got a list`);
  return item;
}

function expectList(item: RlpItem, path: string): RlpItem[] {
  if (!Array.isArray(item)) throw new DecodeError(`${path}: expected a list, got a byte string`);
  return item;
}

/** Big-endian bytes of a safe integer, no leading zeros (zero is empty): the hot path of every encoding. */
function numberToBytes(value: number): Uint8Array {
  let length = 0;
  for (let v = value; v > 0; v = Math.floor(v / 256)) length++;
  const out = new Uint8Array(length);
  for (let i = length - 1, v = value; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

/** Minimal big-endian bytes of a non-negative integer (zero is empty): the uint wire form. */
export function bigintToBytes(value: bigint): Uint8Array {
  if (value <= BigInt(Number.MAX_SAFE_INTEGER)) return numberToBytes(Number(value));
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The value of canonical big-endian bytes of at most 6 bytes (exact in a double). */
function smallBytesToNumber(b: Uint8Array): number {
  let v = 0;
  for (const byte of b) v = v * 256 + byte;
  return v;
}

/** Unsigned integer of at most `bits` bits: big-endian, no leading zero bytes, zero is empty. */
export function uint(bits: number): Codec<bigint> {
  const max = (1n << BigInt(bits)) - 1n;
  const maxLen = Math.ceil(bits / 8);
  return {
    describe: `uint${bits}`,
    toItem(value) {
      if (typeof value !== 'bigint' || value < 0n || value > max) throw new EncodeError(`value out of range for uint${bits}`);
      return bigintToBytes(value);
    },
    fromItem(item, path) {
      const b = expectBytes(item, path);
      if (b.length > maxLen) throw new DecodeError(`${path}: integer longer than ${bits} bits`);
      if (b.length > 0 && b[0] === 0) throw new DecodeError(`${path}: non-canonical integer (leading zero byte)`);
      const value = b.length === 0 ? 0n : b.length <= 6 ? BigInt(smallBytesToNumber(b)) : BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex'));
      if (value > max) throw new DecodeError(`${path}: integer exceeds uint${bits}`);
      return value;
    },
  };
}

const UINT53 = uint(53);

/** A non-negative safe integer (heights, rounds, indices, counts) as a JS number. */
export const safeUint: Codec<number> = {
  describe: 'uint53',
  toItem(value) {
    if (!Number.isSafeInteger(value) || value < 0) throw new EncodeError(`expected a non-negative safe integer, got ${value}`);
    return numberToBytes(value);
  },
  fromItem(item, path) {
    const b = expectBytes(item, path);
    if (b.length <= 6) {
      if (b.length > 0 && b[0] === 0) throw new DecodeError(`${path}: non-canonical integer (leading zero byte)`);
      return smallBytesToNumber(b);
    }
    return Number(UINT53.fromItem(item, path));
  },
};

export const boolean: Codec<boolean> = {
  describe: 'bool',
  toItem: (value) => (value ? Uint8Array.of(1) : new Uint8Array(0)),
  fromItem(item, path) {
    const b = expectBytes(item, path);
    if (b.length === 0) return false;
    if (b.length === 1 && b[0] === 1) return true;
    throw new DecodeError(`${path}: boolean must be empty or 0x01`);
  },
};

/** A byte string of exactly `length` bytes. */
export function fixedBytes(length: number): Codec<Uint8Array> {
  return {
    describe: `bytes${length}`,
    toItem(value) {
      if (!(value instanceof Uint8Array) || value.length !== length) throw new EncodeError(`expected ${length} bytes`);
      return value;
    },
    fromItem(item, path) {
      const b = expectBytes(item, path);
      if (b.length !== length) throw new DecodeError(`${path}: expected ${length} bytes, got ${b.length}`);
      return b;
    },
  };
}

/** A byte string of at most `maxLength` bytes. */
export function bytes(maxLength: number): Codec<Uint8Array> {
  return {
    describe: `bytes(<=${maxLength})`,
    toItem(value) {
      if (!(value instanceof Uint8Array) || value.length > maxLength) throw new EncodeError(`expected at most ${maxLength} bytes`);
      return value;
    },
    fromItem(item, path) {
      const b = expectBytes(item, path);
      if (b.length > maxLength) throw new DecodeError(`${path}: longer than ${maxLength} bytes`);
      return b;
    },
  };
}

const utf8Encoder = new TextEncoder();

/**
 * UTF-8 of short strings, which repeat in every block (event types, attribute keys, chain
 * ids): kept, and emptied when full, so strings nobody repeats cost one lookup more. The
 * arrays are only ever copied into encodings, never modified.
 */
const shortUtf8 = new Map<string, Uint8Array>();
const SHORT_UTF8_CHARS = 32;
const SHORT_UTF8_KEPT = 4096;

function utf8Of(value: string): Uint8Array {
  if (value.length > SHORT_UTF8_CHARS) return utf8Encoder.encode(value);
  let b = shortUtf8.get(value);
  if (b === undefined) {
    if (shortUtf8.size >= SHORT_UTF8_KEPT) shortUtf8.clear();
    b = utf8Encoder.encode(value);
    shortUtf8.set(value, b);
  }
  return b;
}
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function decodeText(item: RlpItem, path: string, maxBytes: number): string {
  const b = expectBytes(item, path);
  if (b.length > maxBytes) throw new DecodeError(`${path}: text longer than ${maxBytes} bytes`);
  try {
    return strictUtf8.decode(b);
  } catch {
    throw new DecodeError(`${path}: invalid UTF-8`);
  }
}

/** UTF-8 text of at most `maxBytes` bytes; invalid UTF-8 is rejected, not replaced. */
export function text(maxBytes: number): Codec<string> {
  return {
    describe: `string(<=${maxBytes})`,
    toItem(value) {
      const b = utf8Of(value);
      if (b.length > maxBytes) throw new EncodeError(`text longer than ${maxBytes} bytes`);
      return b;
    },
    fromItem: (item, path) => decodeText(item, path, maxBytes),
  };
}

/**
 * Text with the wire form and strict decoding of `text(maxBytes)`, whose encoding never fails:
 * longer text is cut to fit (fitUtf8), lone surrogates become U+FFFD. For what the app reports
 * about a decided block, which must be stored whatever a producer let through.
 */
export function clampedText(maxBytes: number): Codec<string> {
  return {
    describe: `string(<=${maxBytes})`,
    toItem(value) {
      const b = utf8Of(value);
      return b.length <= maxBytes ? b : utf8Encoder.encode(fitUtf8(value, maxBytes));
    },
    fromItem: (item, path) => decodeText(item, path, maxBytes),
  };
}

/** A list of at most `maxItems` values of one codec. */
export function list<T>(of: Codec<T>, maxItems: number): Codec<T[]> {
  return {
    describe: `list<${of.describe}>(<=${maxItems})`,
    toItem(values) {
      if (values.length > maxItems) throw new EncodeError(`list longer than ${maxItems} items`);
      return values.map((v) => of.toItem(v));
    },
    fromItem(item, path) {
      const items = expectList(item, path);
      if (items.length > maxItems) throw new DecodeError(`${path}: more than ${maxItems} items`);
      return items.map((it, i) => of.fromItem(it, `${path}[${i}]`));
    },
  };
}

/** A list with the wire form and strict decoding of `list(of, maxItems)`, whose encoding keeps the first `maxItems` values. */
export function clampedList<T>(of: Codec<T>, maxItems: number): Codec<T[]> {
  const strict = list(of, maxItems);
  return {
    describe: strict.describe,
    toItem: (values) => strict.toItem(values.length <= maxItems ? values : values.slice(0, maxItems)),
    fromItem: strict.fromItem,
  };
}

type Fields = Record<string, Codec<unknown>>;
export type InferFields<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** A record encoded as an RLP list of its fields in declaration order; the field count must match. */
export function struct<F extends Fields>(name: string, fields: F): Codec<InferFields<F>> & { fields: F } {
  // Every encode and decode of every wire type runs these loops: plain arrays and indices, the
  // `.key` path suffixes built once, no per-call closures or destructuring.
  const keys = Object.keys(fields);
  const codecs = keys.map((key) => fields[key] as Codec<unknown>);
  const suffixes = keys.map((key) => `.${key}`);
  const count = keys.length;
  return {
    describe: name,
    fields,
    toItem(value) {
      const record = value as Record<string, unknown>;
      const out: RlpItem[] = [];
      for (let i = 0; i < count; i++) {
        const key = keys[i] as string;
        try {
          out.push((codecs[i] as Codec<unknown>).toItem(record[key]));
        } catch (err) {
          if (err instanceof EncodeError) throw new EncodeError(`${name}.${key}: ${err.message}`);
          throw err;
        }
      }
      return out;
    },
    fromItem(item, path) {
      const items = expectList(item, path);
      if (items.length !== count) {
        throw new DecodeError(`${path}: expected ${count} fields, got ${items.length}`);
      }
      const out: Record<string, unknown> = {};
      for (let i = 0; i < count; i++) {
        out[keys[i] as string] = (codecs[i] as Codec<unknown>).fromItem(items[i] as RlpItem, path + (suffixes[i] as string));
      }
      return out as InferFields<F>;
    },
  };
}

type Variants = Record<string, readonly [number, Codec<object>]>;
export type InferUnion<V extends Variants> = { [K in keyof V]: { type: K } & Infer<V[K][1]> }[keyof V];

/**
 * A tagged union encoded as `[tag, body]`. Values carry their variant name in `type`; the tag
 * number is what goes on the wire, so names can change without breaking encodings.
 */
export function union<V extends Variants>(name: string, variants: V): Codec<InferUnion<V>> {
  const byTag = new Map<number, [string, Codec<object>]>();
  for (const [variant, [tag, codec]] of Object.entries(variants)) byTag.set(tag, [variant, codec]);
  // A struct body reads only its own fields, so unless it has one named `type` it can encode
  // the tagged value itself: no copy of the value without `type` on every encode.
  const readsOnlyFields = new Set(
    Object.keys(variants).filter((variant) => {
      const codec = (variants[variant] as readonly [number, Codec<object>])[1] as Codec<object> & { fields?: Fields };
      return codec.fields !== undefined && !Object.hasOwn(codec.fields, 'type');
    }),
  );
  return {
    describe: name,
    toItem(value) {
      const variant = variants[value.type as string];
      if (!variant) throw new EncodeError(`${name}: unknown variant ${String(value.type)}`);
      if (readsOnlyFields.has(value.type as string)) return [safeUint.toItem(variant[0]), variant[1].toItem(value)];
      const { type: _type, ...body } = value as { type: string } & Record<string, unknown>;
      return [safeUint.toItem(variant[0]), variant[1].toItem(body)];
    },
    fromItem(item, path) {
      const items = expectList(item, path);
      if (items.length !== 2) throw new DecodeError(`${path}: expected [tag, body]`);
      const tag = safeUint.fromItem(items[0] as RlpItem, `${path}.tag`);
      const entry = byTag.get(tag);
      if (!entry) throw new DecodeError(`${path}: unknown ${name} tag ${tag}`);
      const body = entry[1].fromItem(items[1] as RlpItem, `${path}.${entry[0]}`);
      return { type: entry[0], ...body } as InferUnion<V>;
    },
  };
}

/** A codec whose wire form is another codec's, through a pair of conversions. */
export function mapped<T, W>(inner: Codec<W>, describe: string, to: (value: T) => W, from: (wire: W, path: string) => T): Codec<T> {
  return {
    describe,
    toItem: (value) => inner.toItem(to(value)),
    fromItem: (item, path) => from(inner.fromItem(item, path), path),
  };
}

/** A round number that may be -1 (none): encoded as round + 1 so that it stays unsigned. */
export const optionalRound: Codec<number> = mapped(
  safeUint,
  'round|-1',
  (round) => {
    if (!Number.isSafeInteger(round) || round < -1) throw new EncodeError(`invalid round ${round}`);
    return round + 1;
  },
  (wire) => wire - 1,
);

/** A signed safe integer, zigzag-mapped onto an unsigned integer (0, -1, 1, -2, ... -> 0, 1, 2, 3, ...). */
export const signedSafeInt: Codec<number> = mapped(
  uint(64),
  'int53',
  (value: number) => {
    if (!Number.isSafeInteger(value)) throw new EncodeError(`expected a safe integer, got ${value}`);
    const v = BigInt(value);
    return v >= 0n ? v * 2n : -v * 2n - 1n;
  },
  (wire, path) => {
    const v = wire % 2n === 0n ? wire / 2n : -(wire + 1n) / 2n;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new DecodeError(`${path}: integer out of safe range`);
    return Number(v);
  },
);

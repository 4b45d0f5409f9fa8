/**
 * Transactions an attacker can send, generated field by field: every message type with each
 * field drawn from the values that break things (zero, one, the largest, past the largest,
 * any Unicode, one byte over a limit, wrong lengths), then optionally mutated at the RLP level
 * (wrong types, missing or extra fields, non-canonical integers) and signed again over the
 * mutated body, so the bytes get past the signature to whatever parses them. A recipe is
 * built into bytes only when its block runs, with the sender's current nonce.
 */
import fc from 'fast-check';
import { MAX_AMOUNT, ONE_CMT } from '../../src/codec/amount.js';
import { concatBytes, utf8 } from '../../src/codec/bytes.js';
import { encodeBundle } from '../../src/codec/bundle.js';
import { rlpEncode, type RlpItem } from '../../src/codec/rlp.js';
import { bigintToBytes, type Codec } from '../../src/codec/schema.js';
import * as txCodecs from '../../src/codec/tx.js';
import { LIST_EXPORTS } from '../../src/contracts/sandbox-types.js';
import { sign, type KeyPair } from '../../src/crypto/ed25519.js';
import { PARAM_NAMES } from '../../src/app/gov/param-registry.js';
import { DEFAULT_STAKING_PARAMS, type StakingParams } from '../../src/app/staking/params.js';
import { hostileText } from './unicode-text.js';
import { COUNTER_METHODS, contractJson } from './contract-txs.js';
import { addressOf, MIN_GAS_PRICE, TEST_CHAIN_ID, testKey } from './nodes.js';

/** The attackers (funded), and keys whose public keys serve as consensus keys. */
export const ATTACKERS: KeyPair[] = [0, 1, 2, 3].map(testKey);
export const CONSENSUS_KEYS: Uint8Array[] = [20, 21, 22].map((i) => testKey(i).publicKey);
/** Filled in by the test: addresses that mean something in its state (funded, a candidate, a contract). */
export const KNOWN_ADDRESSES: Uint8Array[] = ATTACKERS.map(addressOf);

/** Staking parameters with small minimums and short periods, so generated messages reach the handlers' deeper paths. */
export const SMALL_MINIMUMS: StakingParams = {
  ...DEFAULT_STAKING_PARAMS,
  inflationBps: 0,
  minSelfStake: ONE_CMT,
  minDelegation: ONE_CMT,
  govDeposit: ONE_CMT,
  govVotingBlocks: 3,
  unbondingBlocks: 3,
  blocksPerDay: 2,
  epochBlocks: 2,
  signedBlocksWindow: 4,
  downtimeJailBlocks: 2,
};

export const COUNTER_BUNDLE = encodeBundle([{ name: 'contract.js', content: utf8(COUNTER_METHODS) }]);

/** Each message's struct codec by wire tag, as codec/tx.ts defines them. */
const MESSAGES: readonly [number, { fields: Record<string, Codec<unknown>> }][] = [
  [1, txCodecs.TransferMsg],
  [2, txCodecs.DeclareCandidacyMsg],
  [3, txCodecs.DelegateMsg],
  [4, txCodecs.UnbondMsg],
  [5, txCodecs.WithdrawRewardsMsg],
  [6, txCodecs.UpdateCandidacyMsg],
  [7, txCodecs.WithdrawCandidacyMsg],
  [8, txCodecs.RedelegateMsg],
  [9, txCodecs.SetCommissionMsg],
  [10, txCodecs.UnjailMsg],
  [11, txCodecs.SubmitProposalMsg],
  [12, txCodecs.VoteMsg],
  [13, txCodecs.DeployContractMsg],
  [14, txCodecs.CallContractMsg],
];
export const MESSAGE_TAGS = MESSAGES.map(([tag]) => tag);

/** A value for one field: chosen by the generator, turned into an item when the block is built. */
type FieldValue =
  | { kind: 'uint'; value: bigint }
  | { kind: 'text'; value: string }
  | { kind: 'bytes'; value: Uint8Array }
  | { kind: 'address'; index: number }
  | { kind: 'params'; changes: RlpItem[] }
  | { kind: 'spend'; to: FieldValue; amount: bigint };

const bigUint = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 20n * ONE_CMT }) },
  fc.constantFrom(0n, 1n, ONE_CMT, 2n * ONE_CMT, 10n * ONE_CMT, 1000n * ONE_CMT, MAX_AMOUNT, MAX_AMOUNT - 1n, 1n << 255n, BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) + 1n),
  fc.bigInt({ min: 0n, max: MAX_AMOUNT }),
);
/** Integers past 256 bits: only the item path can carry them. */
const hugeUint = fc.bigInt({ min: MAX_AMOUNT + 1n, max: (1n << 300n) });
const smallUint = fc.oneof({ weight: 4, arbitrary: fc.bigInt({ min: 0n, max: 3n }) }, { weight: 2, arbitrary: fc.bigInt({ min: 0n, max: 10_000n }) }, fc.constantFrom(0n, 1n, 2n, 3n, 100n, 10_000n, 10_001n, BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER) + 1n), fc.bigInt({ min: 0n, max: BigInt(Number.MAX_SAFE_INTEGER) }));

function textOf(maxBytes: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 16, arbitrary: hostileText(Math.max(8, Math.ceil(maxBytes / 8))) },
    // Exactly at the limit and one byte past it.
    { weight: 1, arbitrary: fc.constantFrom(maxBytes, maxBytes + 1, Math.max(0, maxBytes - 1)).map((n) => 'x'.repeat(n)) },
    { weight: 1, arbitrary: fc.constantFrom(Math.floor(maxBytes / 3), Math.floor(maxBytes / 3) + 1).map((n) => '€'.repeat(n)) },
  );
}

const address: fc.Arbitrary<FieldValue> = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((index): FieldValue => ({ kind: 'address', index })) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 20, maxLength: 20 }).map((value): FieldValue => ({ kind: 'bytes', value })) },
  { weight: 1, arbitrary: fc.constantFrom(new Uint8Array(20), new Uint8Array(20).fill(0xff)).map((value): FieldValue => ({ kind: 'bytes', value })) },
  // Addresses of the wrong length: empty, one short, one long, a public key's.
  { weight: 1, arbitrary: fc.constantFrom(0, 19, 21, 32).map((n): FieldValue => ({ kind: 'bytes', value: new Uint8Array(n).fill(7) })) },
);

/** Bytes that are not UTF-8: an encoded surrogate, an overlong NUL, a stray continuation byte, 0xff, a cut 3-byte character. */
const notUtf8 = fc.constantFrom(Uint8Array.of(0xed, 0xa0, 0x80), Uint8Array.of(0xc0, 0x80), Uint8Array.of(0x61, 0x80), Uint8Array.of(0xff), Uint8Array.of(0xe2, 0x82));

const consensusKey: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.constantFrom(...CONSENSUS_KEYS).map((value): FieldValue => ({ kind: 'bytes', value })),
  fc.uint8Array({ minLength: 32, maxLength: 32 }).map((value): FieldValue => ({ kind: 'bytes', value })),
  // The identity point (small order) and all zeros.
  fc.constantFrom(Uint8Array.of(1, ...new Array<number>(31).fill(0)), new Uint8Array(32)).map((value): FieldValue => ({ kind: 'bytes', value })),
);

const paramChange = fc.tuple(
  fc.oneof(fc.constantFrom(...PARAM_NAMES), textOf(64)),
  fc.oneof(smallUint.map(String), bigUint.map(String), fc.constantFrom('', '-1', '01', '1.5', '1e3', ' 1', '9'.repeat(79)), textOf(80)),
).map(([name, value]): RlpItem => [utf8(name), utf8(value)]);

const proposalChange: fc.Arbitrary<FieldValue> = fc.oneof(
  fc.array(paramChange, { minLength: 0, maxLength: 4 }).map((changes): FieldValue => ({ kind: 'params', changes })),
  fc.tuple(address, bigUint).map(([to, amount]): FieldValue => ({ kind: 'spend', to, amount })),
);

const contractArgs = fc.oneof(
  fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }).map((n) => contractJson([n])),
  fc.constantFrom('', '[]', '[1]', '{}', 'null', '[{"$bigint":"x"}]', '[{"$bigint":"1e999"}]', '["__proto__"]', '['.repeat(5000), '['.repeat(600) + ']'.repeat(600)),
  hostileText(2000),
);

const methodName = fc.oneof(fc.constantFrom('add', 'count', 'init', LIST_EXPORTS, '', 'constructor', '__proto__', 'toString', 'x'.repeat(64), 'x'.repeat(65)), textOf(64));

const bundle = fc.oneof(
  fc.constant(COUNTER_BUNDLE),
  fc.uint8Array({ maxLength: 64 }),
  fc.constantFrom(new Uint8Array(0), encodeBundle([{ name: 'contract.js', content: utf8('export const x = 1;') }]), encodeBundle([{ name: 'contract.js', content: utf8('export function init() { throw new TypeError("no"); }') }])),
);

/** A value for a field, from the field's codec description. */
function fieldValue(name: string, describe: string): fc.Arbitrary<FieldValue> {
  if (describe === 'bytes20') return address;
  if (describe === 'bytes32' || describe === 'ed25519 key') return consensusKey;
  if (describe === 'uint256') return fc.oneof({ weight: 30, arbitrary: bigUint.map((value): FieldValue => ({ kind: 'uint', value })) }, { weight: 1, arbitrary: hugeUint.map((value): FieldValue => ({ kind: 'uint', value })) });
  if (describe === 'uint53' || describe === 'uint53 < 3') return fc.oneof({ weight: 30, arbitrary: smallUint.map((value): FieldValue => ({ kind: 'uint', value })) }, { weight: 1, arbitrary: hugeUint.map((value): FieldValue => ({ kind: 'uint', value })) });
  if (describe === 'ProposalChange') return proposalChange;
  if (name === 'bundle') return bundle.map((value): FieldValue => ({ kind: 'bytes', value }));
  if (name === 'method') return methodName.map((value): FieldValue => ({ kind: 'text', value }));
  if (name === 'args' || name === 'initArgs') return contractArgs.map((value): FieldValue => ({ kind: 'text', value }));
  const text = /^string\(<=(\d+)\)$/.exec(describe);
  if (text) {
    return fc.oneof(
      { weight: 20, arbitrary: textOf(Number(text[1])).map((value): FieldValue => ({ kind: 'text', value })) },
      { weight: 1, arbitrary: notUtf8.map((value): FieldValue => ({ kind: 'bytes', value })) },
    );
  }
  throw new Error(`no generator for field ${name}: ${describe}`);
}

export type Mutation =
  | { kind: 'none' }
  | { kind: 'replaceWithBytes'; at: number; bytes: Uint8Array }
  | { kind: 'wrapInList'; at: number }
  | { kind: 'replaceWithList'; at: number }
  | { kind: 'leadingZero'; at: number }
  | { kind: 'extraField'; at: number; bytes: Uint8Array }
  | { kind: 'dropField'; at: number }
  | { kind: 'wrongTag'; tag: number };

/**
 * How the transaction is signed: well; a zero or flipped signature; by another key; with S + L
 * in place of S (the same signature to a lax verifier, so a second hash of one transaction);
 * or with a public key that is not a usable Ed25519 point.
 */
export type Signing = 'good' | 'zero' | 'otherKey' | 'flipped' | 'malleable' | 'identityKey' | 'keyOffCurve';

/** The order of the Ed25519 base point. */
const GROUP_ORDER = (1n << 252n) + 27742317777372353535851937790883648493n;
/** An encoding with y = p (not reduced): no valid point; the identity point (small order). */
const KEY_OFF_CURVE = Uint8Array.of(0xed, ...new Array<number>(30).fill(0xff), 0x7f);
const IDENTITY_KEY = Uint8Array.of(1, ...new Array<number>(31).fill(0));

/** The signature with S replaced by S + L (little-endian S in the last 32 bytes); S + L < 2^256 always. */
export function malleable(signature: Uint8Array): Uint8Array {
  const s = BigInt('0x' + Buffer.from(signature.subarray(32)).reverse().toString('hex')) + GROUP_ORDER;
  const bytes = Buffer.from(s.toString(16).padStart(64, '0'), 'hex').reverse();
  return concatBytes(signature.subarray(0, 32), bytes);
}

export interface TxRecipe {
  sender: number;
  /** Added to the sender's next nonce. */
  nonceDelta: number;
  chainId: string;
  gasLimit: number;
  gasPrice: bigint;
  memo: string;
  tag: number;
  fields: FieldValue[];
  mutation: Mutation;
  signing: Signing;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 40, arbitrary: fc.constant<Mutation>({ kind: 'none' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceWithBytes' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrapInList' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('replaceWithList' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('leadingZero' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extraField' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dropField' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrongTag' as const), tag: fc.oneof(fc.constantFrom(0, 15, 255, 256), fc.nat()) }) },
);

const gasLimit = fc.oneof(
  { weight: 30, arbitrary: fc.constant(5_000_000) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 21_000, 50_000, 200_000, 500_000_000, 500_000_001, Number.MAX_SAFE_INTEGER) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 600_000_000 }) },
);
const gasPrice = fc.oneof(
  { weight: 30, arbitrary: fc.constant(MIN_GAS_PRICE) },
  { weight: 2, arbitrary: fc.constantFrom(0n, MIN_GAS_PRICE - 1n, MIN_GAS_PRICE + 1n, MAX_AMOUNT, MAX_AMOUNT / 5_000_000n, 10n ** 30n) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: MAX_AMOUNT }) },
);

export const txRecipe: fc.Arbitrary<TxRecipe> = fc.constantFrom(...MESSAGES).chain(([tag, codec]) =>
  fc.record({
    sender: fc.nat({ max: ATTACKERS.length - 1 }),
    nonceDelta: fc.oneof({ weight: 30, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1, 2, 1000) }),
    chainId: fc.oneof({ weight: 40, arbitrary: fc.constant(TEST_CHAIN_ID) }, { weight: 1, arbitrary: fc.constantFrom('', 'cmt-test ', 'CMT-TEST', 'cmt-test\u0000', 'x'.repeat(51)) }, { weight: 1, arbitrary: textOf(50) }),
    gasLimit,
    gasPrice,
    memo: fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: textOf(txCodecs.MAX_MEMO_BYTES) }),
    tag: fc.constant(tag),
    fields: fc.tuple(...Object.entries(codec.fields).map(([name, field]) => fieldValue(name, field.describe))),
    mutation,
    signing: fc.oneof({ weight: 40, arbitrary: fc.constant<Signing>('good') }, { weight: 2, arbitrary: fc.constantFrom<Signing>('zero', 'otherKey', 'flipped', 'malleable', 'identityKey', 'keyOffCurve') }),
  }),
);

/** What the sender's next nonce is, and which addresses the recipe's `address` indexes pick from. */
export interface BuildContext {
  nonceOf(sender: Uint8Array): number;
  addresses: readonly Uint8Array[];
}

function pick(addresses: readonly Uint8Array[], index: number): Uint8Array {
  return addresses[index % addresses.length] as Uint8Array;
}

function itemOf(value: FieldValue, ctx: BuildContext): RlpItem {
  switch (value.kind) {
    case 'uint':
      return bigintToBytes(value.value);
    case 'text':
      return utf8(value.value);
    case 'bytes':
      return value.value;
    case 'address':
      return pick(ctx.addresses, value.index);
    case 'params':
      // A copy: mutations edit lists in place, and fast-check replays the recipe when it shrinks.
      return [bigintToBytes(1n), [value.changes.map((c) => (Array.isArray(c) ? [...c] : c))]];
    case 'spend':
      return [bigintToBytes(2n), [itemOf(value.to, ctx), bigintToBytes(value.amount)]];
  }
}

/** Every list in the tree with the index path to it, depth first (the root first). */
function lists(item: RlpItem, out: RlpItem[][] = []): RlpItem[][] {
  if (Array.isArray(item)) {
    out.push(item);
    for (const child of item) lists(child, out);
  }
  return out;
}

function mutate(body: RlpItem[], m: Mutation): void {
  if (m.kind === 'none') return;
  if (m.kind === 'wrongTag') {
    const msg = body[5] as RlpItem[];
    msg[0] = bigintToBytes(BigInt(m.tag));
    return;
  }
  const parents = lists(body);
  const parent = parents[m.at % parents.length] as RlpItem[];
  if (m.kind === 'extraField') {
    parent.push(m.bytes);
    return;
  }
  if (parent.length === 0) {
    parent.push(new Uint8Array(0));
    return;
  }
  const i = m.at % parent.length;
  const child = parent[i] as RlpItem;
  switch (m.kind) {
    case 'replaceWithBytes':
      parent[i] = m.bytes;
      return;
    case 'wrapInList':
      parent[i] = [child];
      return;
    case 'replaceWithList':
      parent[i] = Array.isArray(child) ? new Uint8Array(0) : [child];
      return;
    case 'leadingZero':
      parent[i] = Array.isArray(child) ? child : Uint8Array.of(0, ...child);
      return;
    case 'dropField':
      parent.splice(i, 1);
      return;
  }
}

const SIGN_DOMAIN = utf8('cmt/tx/v1\0');

/** The recipe's signed bytes: the (mutated) body is signed as it is, so only decoding can reject it. */
export function buildTx(recipe: TxRecipe, ctx: BuildContext): Uint8Array {
  const key = ATTACKERS[recipe.sender] as KeyPair;
  const nonce = Math.max(0, ctx.nonceOf(addressOf(key)) + recipe.nonceDelta);
  const msg: RlpItem[] = [bigintToBytes(BigInt(recipe.tag)), recipe.fields.map((f) => itemOf(f, ctx))];
  const body: RlpItem[] = [utf8(recipe.chainId), bigintToBytes(BigInt(nonce)), bigintToBytes(BigInt(recipe.gasLimit)), bigintToBytes(recipe.gasPrice), utf8(recipe.memo), msg];
  mutate(body, recipe.mutation);
  const signBytes = concatBytes(SIGN_DOMAIN, rlpEncode(body));
  let signer = key;
  if (recipe.signing === 'otherKey') signer = ATTACKERS[(recipe.sender + 1) % ATTACKERS.length] as KeyPair;
  let signature = recipe.signing === 'zero' ? new Uint8Array(64) : sign(signer.privateKey, signBytes);
  if (recipe.signing === 'flipped') signature = Uint8Array.from(signature, (b, i) => (i === 7 ? b ^ 1 : b));
  if (recipe.signing === 'malleable') signature = malleable(signature);
  const publicKey = recipe.signing === 'identityKey' ? IDENTITY_KEY : recipe.signing === 'keyOffCurve' ? KEY_OFF_CURVE : key.publicKey;
  return rlpEncode([body, publicKey, signature]);
}

/** An RLP list nested `depth` deep: what a decoder that recurses per level must refuse early. */
export function nestedList(depth: number): Uint8Array {
  // Headers from the inside out (each covers what it wraps), then written outside in: linear, not quadratic.
  const headers: Uint8Array[] = [];
  let length = 1;
  for (let i = 0; i < depth; i++) {
    const size = bigintToBytes(BigInt(length));
    const header = length <= 55 ? Uint8Array.of(0xc0 + length) : Uint8Array.of(0xf7 + size.length, ...size);
    headers.push(header);
    length += header.length;
  }
  return concatBytes(...headers.reverse(), Uint8Array.of(0xc0));
}

/** Bytes that are not a signed transaction, or are one broken after signing. */
export function rawBytes(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.constantFrom(1000, 5000, 6000, 8000, 20_000, 100_000).map(nestedList),
    fc.tuple(base, fc.nat(), fc.integer({ min: 1, max: 255 })).map(([tx, at, x]) => Uint8Array.from(tx, (b, i) => (i === at % tx.length ? b ^ x : b))),
    fc.tuple(base, fc.nat()).map(([tx, n]) => tx.subarray(0, n % tx.length)),
    fc.tuple(base, fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([tx, extra]) => concatBytes(tx, extra)),
    base.map(longerLengthPrefix),
  );
}

/** The same transaction with its outer length written on one byte more (a leading zero): a second encoding of one value. */
function longerLengthPrefix(tx: Uint8Array): Uint8Array {
  const first = tx[0] as number;
  if (first <= 0xf7) return tx;
  const lengthOfLength = first - 0xf7;
  return concatBytes(Uint8Array.of(first + 1, 0), tx.subarray(1, 1 + lengthOfLength), tx.subarray(1 + lengthOfLength));
}

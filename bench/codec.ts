/**
 * `npm run bench -- codec [--ms M]`
 *
 * RLP and the schema codecs on the values the node encodes and decodes most: a vote, a signed
 * transfer, and blocks of 4 and 1,000 transfers. For each, ops/s of the RLP layer alone and of
 * the full codec (schema + RLP), "before" (@ethereumjs/rlp, decode followed by the re-encode
 * canonical check, as src/codec/rlp.ts was) and "after" (the hand-written codec). Each figure
 * is the best of five runs of M milliseconds (default 200), before and after interleaved.
 */
import { RLP } from '@ethereumjs/rlp';
import { Block, type Block as BlockValue } from '../src/codec/block.js';
import { DecodeError } from '../src/codec/errors.js';
import { rlpDecode, rlpEncode, type RlpItem } from '../src/codec/rlp.js';
import { decode, encode, type Codec } from '../src/codec/schema.js';
import { SignedTx, type SignedTx as SignedTxValue } from '../src/codec/tx.js';
import { PRECOMMIT, Vote, type Vote as VoteValue } from '../src/codec/vote.js';
import { parseNumericOptions } from './support-options.js';

/** The previous rlpDecode's work: library decode, then a full re-encode to check canonical form. */
function libraryDecode(bytes: Uint8Array): RlpItem {
  const item = RLP.decode(bytes, false) as RlpItem;
  const again = RLP.encode(item);
  if (!Buffer.from(again).equals(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length))) throw new DecodeError('non-canonical');
  return item;
}

const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (seed * 131 + i * 7) & 0xff);

function transfer(i: number): SignedTxValue {
  return {
    body: { chainId: 'cmt-bench', nonce: i, gasLimit: 50_000, gasPrice: 1_000_000_000n, memo: '', msg: { type: 'transfer', to: filled(20, i), amount: 12_345_678_900_000_000_000n + BigInt(i) } },
    publicKey: filled(32, i + 1),
    signature: filled(64, i + 2),
  };
}

function vote(i: number): VoteValue {
  return { type: PRECOMMIT, height: 123_456, round: 0, blockHash: filled(32, 9), validatorAddress: filled(20, i), validatorIndex: i, signature: filled(64, i) };
}

function block(txCount: number): BlockValue {
  const hash = filled(32, 3);
  return {
    header: {
      version: 1, chainId: 'cmt-bench', height: 123_456, time: 1_765_000_000_000, lastBlockHash: hash, lastCommitHash: hash, dataHash: hash,
      validatorsHash: hash, nextValidatorsHash: hash, consensusParamsHash: hash, appHash: hash, lastResultsHash: hash, evidenceHash: hash, proposerAddress: filled(20, 4),
    },
    txs: Array.from({ length: txCount }, (_, i) => encode(SignedTx, transfer(i))),
    evidence: [],
    lastCommit: { height: 123_455, round: 0, blockHash: hash, signatures: Array.from({ length: 4 }, (_, i) => ({ flag: 2, validatorAddress: filled(20, i), signature: filled(64, i) })) },
  };
}

/** Ops/s of `fn` over one run of about `ms` milliseconds. */
function timed(fn: () => unknown, ms: number): number {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 10; i++) fn();
    ops += 10;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

/**
 * Best ops/s of `before` and of `after` over five runs each, interleaved so that a burst of
 * load from other processes on the machine hits both sides alike.
 */
function row(label: string, before: () => unknown, after: () => unknown, ms: number): void {
  for (let i = 0; i < 50; i++) {
    before();
    after();
  }
  let b = 0;
  let a = 0;
  for (let run = 0; run < 5; run++) {
    b = Math.max(b, timed(before, ms));
    a = Math.max(a, timed(after, ms));
  }
  const f = (n: number): string => Math.round(n).toLocaleString('en-US').padStart(12);
  console.log(`${label.padEnd(34)}${f(b)}${f(a)}${(a / b).toFixed(2).padStart(8)}x`);
}

function benchCase<T>(name: string, codec: Codec<T>, value: T, ms: number): void {
  const item = codec.toItem(value);
  const bytes = encode(codec, value);
  if (!Buffer.from(RLP.encode(item)).equals(Buffer.from(bytes))) throw new Error(`${name}: the encodings differ`);
  console.log(`${name} (${bytes.length.toLocaleString('en-US')} bytes)`);
  row('  rlp encode', () => RLP.encode(item), () => rlpEncode(item), ms);
  row('  rlp decode', () => libraryDecode(bytes), () => rlpDecode(bytes), ms);
  row('  codec encode (schema + rlp)', () => RLP.encode(codec.toItem(value)), () => encode(codec, value), ms);
  row('  codec decode (schema + rlp)', () => codec.fromItem(libraryDecode(bytes), name), () => decode(codec, bytes), ms);
}

export async function run(args: string[]): Promise<void> {
  const o = parseNumericOptions<{ ms: number }>(args, { ms: 200 }, 'codec.ts');
  console.log(`${'ops/s'.padEnd(34)}${'before'.padStart(12)}${'after'.padStart(12)}${'speedup'.padStart(9)}`);
  benchCase('vote', Vote, vote(1), o.ms);
  benchCase('signed transfer', SignedTx, transfer(1), o.ms);
  benchCase('block of 4 transfers', Block, block(4), o.ms);
  benchCase('block of 1,000 transfers', Block, block(1000), o.ms);
  await Promise.resolve();
}

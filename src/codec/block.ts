/**
 * Blocks. The block id is sha256(RLP(header)); the header commits to everything else in the
 * block (transactions, evidence, last commit) and carries the app hash of the PREVIOUS block's
 * state, as in CometBFT.
 */
import { bytesEqual } from './bytes.js';
import { sha256 } from './hash.js';
import { merkleRoot } from './merkle.js';
import { bytes, decode, encode, fixedBytes, list, safeUint, struct, text, type Infer } from './schema.js';
import { MAX_CHAIN_ID_LENGTH, txHash } from './tx.js';
import { Commit, Evidence, hashOrNil } from './vote.js';

export const BLOCK_VERSION = 1;
/** Structural caps that bound decoding; the real limits are consensus parameters. */
const MAX_BLOCK_TXS = 1_000_000;
/** A transaction's structural cap; consensus parameter maxTxBytes is the real limit. */
export const MAX_TX_BYTES_STRUCTURAL = 16 * 1024 * 1024;
/** A block's structural cap; consensus parameter blockMaxBytes is the real limit. */
export const MAX_BLOCK_BYTES_STRUCTURAL = 64 * 1024 * 1024;
const MAX_BLOCK_EVIDENCE = 10_000;

export const BlockHeader = struct('Header', {
  version: safeUint,
  chainId: text(MAX_CHAIN_ID_LENGTH),
  height: safeUint,
  /** Milliseconds since the Unix epoch, set by the proposer, strictly increasing. */
  time: safeUint,
  /** Empty at height 1. */
  lastBlockHash: hashOrNil,
  lastCommitHash: fixedBytes(32),
  dataHash: fixedBytes(32),
  validatorsHash: fixedBytes(32),
  nextValidatorsHash: fixedBytes(32),
  consensusParamsHash: fixedBytes(32),
  /** State root after executing the previous block (after genesis at height 1). */
  appHash: fixedBytes(32),
  lastResultsHash: fixedBytes(32),
  evidenceHash: fixedBytes(32),
  proposerAddress: fixedBytes(20),
});
export type BlockHeader = Infer<typeof BlockHeader>;

export const Block = struct('Block', {
  header: BlockHeader,
  txs: list(bytes(MAX_TX_BYTES_STRUCTURAL), MAX_BLOCK_TXS),
  evidence: list(Evidence, MAX_BLOCK_EVIDENCE),
  /** The +2/3 precommits for the previous block; empty (height 0, no signatures) at height 1. */
  lastCommit: Commit,
});
export type Block = Infer<typeof Block>;

export function headerHash(header: BlockHeader): Uint8Array {
  return sha256(encode(BlockHeader, header));
}

export function encodeBlock(block: Block): Uint8Array {
  return encode(Block, block);
}

export function decodeBlock(data: Uint8Array): Block {
  return decode(Block, data, 'block');
}

/**
 * The last few blocks decoded, by the very byte arrays given: a proposal's bytes are checked
 * against its id, validated and then applied, each from the same array, one after the other,
 * and are decoded once. Only a few: held proposals (future heights, other rounds) must not
 * keep their decoded form, which for a block of tiny transactions is hundreds of times its
 * bytes. Blocks and the arrays they come from are never modified once made.
 */
const recent: { data: Uint8Array; block: Block }[] = [];
const RECENT_BLOCKS = 2;

/** Records that `data` is the encoding of `block` (a block this node built and encoded), so it is not decoded again. */
export function rememberEncoding(data: Uint8Array, block: Block): void {
  recent.unshift({ data, block });
  recent.length = Math.min(recent.length, RECENT_BLOCKS);
}

export function decodeBlockOnce(data: Uint8Array): Block {
  const hit = recent.find((r) => r.data === data);
  if (hit) return hit.block;
  const block = decodeBlock(data);
  rememberEncoding(data, block);
  return block;
}

const txHashesOf = new WeakMap<Block, readonly Uint8Array[]>();

/** The ids of a block's transactions (txHash of each), computed once per block object. */
export function blockTxHashes(block: Block): readonly Uint8Array[] {
  let hashes = txHashesOf.get(block);
  if (hashes === undefined) {
    hashes = block.txs.map((tx) => txHash(tx));
    txHashesOf.set(block, hashes);
  }
  return hashes;
}

/**
 * A block this node builds, with its header's data hash made from the transactions' ids, which
 * are kept for the block: its body is then checked once, here, without hashing them again.
 */
export function buildBlock(header: Omit<BlockHeader, 'dataHash'>, txs: Uint8Array[], evidence: Evidence[], lastCommit: Commit): Block {
  const hashes = txs.map((tx) => txHash(tx));
  const block: Block = { header: { ...header, dataHash: merkleRoot(hashes) }, txs, evidence, lastCommit };
  txHashesOf.set(block, hashes);
  bodyVerdicts.set(block, checkBody(block, block.header.dataHash));
  return block;
}

/** Merkle root of the transactions' hashes (CometBFT's Txs.Hash). */
export function dataHash(txs: readonly Uint8Array[]): Uint8Array {
  return merkleRoot(txs.map((tx) => txHash(tx)));
}

export function commitHash(commit: Commit): Uint8Array {
  return sha256(encode(Commit, commit));
}

export function evidenceHash(evidence: readonly Evidence[]): Uint8Array {
  return merkleRoot(evidence.map((e) => encode(Evidence, e)));
}

/**
 * Why `block`'s body (transactions, evidence, last commit) is not the body its header commits
 * to, or null. A signature over the header hash vouches for the body only through these three
 * hashes, so a body is proven to belong to a signed block id exactly when this returns null.
 */
export function bodyMismatch(block: Block): string | null {
  let verdict = bodyVerdicts.get(block);
  if (verdict === undefined) {
    verdict = checkBody(block);
    bodyVerdicts.set(block, verdict);
  }
  return verdict;
}

/** Each block object's verdict on its body, so the paths that look at one block hash it once. */
const bodyVerdicts = new WeakMap<Block, string | null>();

function checkBody(block: Block, txsRoot = merkleRoot(blockTxHashes(block))): string | null {
  const h = block.header;
  if (!bytesEqual(h.dataHash, txsRoot)) return 'data hash does not match the transactions';
  if (!bytesEqual(h.evidenceHash, evidenceHash(block.evidence))) return 'evidence hash does not match the evidence';
  if (!bytesEqual(h.lastCommitHash, commitHash(block.lastCommit))) return 'last commit hash does not match the last commit';
  return null;
}

export const EMPTY_COMMIT: Commit = { height: 0, round: 0, blockHash: new Uint8Array(0), signatures: [] };

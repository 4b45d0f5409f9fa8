/** Blocks for block-store and event-index tests: a valid shape with zeroed hashes, no signing. */
import { BLOCK_VERSION, EMPTY_COMMIT, type Block } from '../../src/codec/block.js';
import { EMPTY_HASH } from '../../src/codec/hash.js';
import { COMMIT_FLAG_COMMIT } from '../../src/codec/vote.js';

/** A block at `height` holding `txs`; its last commit is one commit signature over a zero hash (none at height 1). */
export function storeTestBlock(height: number, txs: Uint8Array[] = []): Block {
  const zero = new Uint8Array(32);
  return {
    header: {
      version: BLOCK_VERSION, chainId: 't', height, time: 1000 + height, lastBlockHash: height === 1 ? new Uint8Array(0) : zero,
      lastCommitHash: zero, dataHash: zero, validatorsHash: zero, nextValidatorsHash: zero, consensusParamsHash: zero,
      appHash: zero, lastResultsHash: EMPTY_HASH, evidenceHash: zero, proposerAddress: new Uint8Array(20),
    },
    txs,
    evidence: [],
    lastCommit: height === 1 ? EMPTY_COMMIT : { height: height - 1, round: 0, blockHash: zero, signatures: [{ flag: COMMIT_FLAG_COMMIT, validatorAddress: new Uint8Array(20), signature: new Uint8Array(64) }] },
  };
}

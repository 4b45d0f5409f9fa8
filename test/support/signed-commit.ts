/**
 * Commits for the chain of signed-consensus.ts: +2/3 (or less) of its validators' precommits
 * for a block, or the same shape signed by keys outside the set, for tests of block sync.
 */
import { utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { COMMIT_FLAG_ABSENT, COMMIT_FLAG_COMMIT, PRECOMMIT, voteSignBytes, type Commit } from '../../src/codec/vote.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';
import type { ChainState } from '../../src/node/chain-state.js';
import { CHAIN_ID, setAt, signedVote } from './signed-consensus.js';

/** Four keys that are not validators of the chain. */
const outsiders = [0, 1, 2, 3].map((i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`outsider-${i}`)))));

export interface CommitShape {
  /** Which members sign (the rest are absent). */
  present: boolean[];
  /** The hash the signatures are over; the block's own unless given. */
  signedHash?: Uint8Array;
  /** The hash the commit claims; `signedHash` unless given. */
  claimedHash?: Uint8Array;
  /** Signed by keys outside the set, under their own addresses or under the members'. */
  outsiders?: 'own addresses' | 'members addresses';
}

export function commitFor(chain: ChainState, height: number, blockHash: Uint8Array, shape: CommitShape): Commit {
  const set = setAt(chain, height);
  const signedHash = shape.signedHash ?? blockHash;
  const signatures = set.validators.map((validator, i): Commit['signatures'][number] => {
    if (!shape.present[i]) return { flag: COMMIT_FLAG_ABSENT, validatorAddress: new Uint8Array(0), signature: new Uint8Array(0) };
    if (!shape.outsiders) {
      const vote = signedVote(chain, { height, round: 0, type: PRECOMMIT, member: i, blockHash: signedHash });
      return { flag: COMMIT_FLAG_COMMIT, validatorAddress: validator.address, signature: vote.signature };
    }
    const outsider = outsiders[i] as BulkSigner;
    const signature = outsider.sign(voteSignBytes(CHAIN_ID, { type: PRECOMMIT, height, round: 0, blockHash: signedHash }));
    const validatorAddress = shape.outsiders === 'own addresses' ? addressFromPublicKey(outsider.keyPair.publicKey) : validator.address;
    return { flag: COMMIT_FLAG_COMMIT, validatorAddress, signature };
  });
  return { height, round: 0, blockHash: shape.claimedHash ?? signedHash, signatures };
}

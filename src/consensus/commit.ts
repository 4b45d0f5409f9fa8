/**
 * Commits: the +2/3 precommits that finalize a block, one entry per validator in set order
 * (CometBFT's Commit with BlockIDFlag). Building one from collected precommits and checking
 * one against a validator set, which is all a light client needs besides the header.
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import {
  COMMIT_FLAG_ABSENT,
  COMMIT_FLAG_COMMIT,
  COMMIT_FLAG_NIL,
  PRECOMMIT,
  type Commit,
  type CommitSig,
  type Vote,
  voteSignBytes,
} from '../codec/vote.js';
import { verify } from '../crypto/ed25519.js';
import type { ValidatorSet } from './validator-set.js';
import { isTwoThirds } from './vote-set.js';

export class InvalidCommitError extends CmtError {
  constructor(message: string) {
    super('INVALID_COMMIT', message);
  }
}

const EMPTY = new Uint8Array(0);

export function absentCommitSig(): CommitSig {
  return { flag: COMMIT_FLAG_ABSENT, validatorAddress: EMPTY, signature: EMPTY };
}

/**
 * The entry a precommit contributes to a commit for `blockHash`: its signature under the
 * commit flag, the nil flag, or absent when it voted for another block (its signature would
 * not verify against this commit's block).
 */
export function commitSigOf(vote: Vote, blockHash: Uint8Array): CommitSig {
  if (vote.blockHash.length === 0) return { flag: COMMIT_FLAG_NIL, validatorAddress: vote.validatorAddress, signature: vote.signature };
  if (bytesEqual(vote.blockHash, blockHash)) return { flag: COMMIT_FLAG_COMMIT, validatorAddress: vote.validatorAddress, signature: vote.signature };
  return absentCommitSig();
}

/** A commit from the precommits of one round, indexed by validator. */
export function buildCommit(
  validators: ValidatorSet,
  height: number,
  round: number,
  blockHash: Uint8Array,
  precommitAt: (index: number) => Vote | undefined,
): Commit {
  const signatures = validators.validators.map((_, i) => {
    const vote = precommitAt(i);
    return vote ? commitSigOf(vote, blockHash) : absentCommitSig();
  });
  return { height, round, blockHash, signatures };
}

/**
 * Throws InvalidCommitError unless `commit` finalizes `blockHash` at `height`: one entry per
 * validator, every present signature valid for its validator, and the commit-flagged ones
 * holding more than 2/3 of the set's power. Nil signatures are checked too, as CometBFT does,
 * so a commit carries no forged entries.
 */
export function verifyCommit(chainId: string, validators: ValidatorSet, height: number, blockHash: Uint8Array, commit: Commit): void {
  if (commit.height !== height) throw new InvalidCommitError(`commit is for height ${commit.height}, expected ${height}`);
  if (blockHash.length === 0 || !bytesEqual(commit.blockHash, blockHash)) {
    throw new InvalidCommitError(`commit is for block ${toHex(commit.blockHash) || 'nil'}, expected ${toHex(blockHash)}`);
  }
  if (commit.signatures.length !== validators.size) {
    throw new InvalidCommitError(`commit has ${commit.signatures.length} signatures for ${validators.size} validators`);
  }
  const forBlock = voteSignBytes(chainId, { type: PRECOMMIT, height, round: commit.round, blockHash });
  const forNil = voteSignBytes(chainId, { type: PRECOMMIT, height, round: commit.round, blockHash: EMPTY });
  let signed = 0;
  commit.signatures.forEach((sig, i) => {
    const validator = validators.getByIndex(i);
    if (!validator) throw new InvalidCommitError(`no validator at index ${i}`);
    if (sig.flag === COMMIT_FLAG_ABSENT) {
      if (sig.validatorAddress.length !== 0 || sig.signature.length !== 0) throw new InvalidCommitError(`absent entry ${i} carries an address or signature`);
      return;
    }
    if (!bytesEqual(sig.validatorAddress, validator.address)) throw new InvalidCommitError(`entry ${i} is not signed by the validator at that index`);
    const message = sig.flag === COMMIT_FLAG_COMMIT ? forBlock : forNil;
    if (sig.signature.length !== 64 || !verify(validator.publicKey, message, sig.signature)) {
      throw new InvalidCommitError(`bad signature from validator ${toHex(validator.address)} (entry ${i})`);
    }
    if (sig.flag === COMMIT_FLAG_COMMIT) signed += validator.power;
  });
  if (!isTwoThirds(signed, validators.totalPower)) {
    throw new InvalidCommitError(`commit is signed by ${signed} of ${validators.totalPower} voting power, which is not more than 2/3`);
  }
}

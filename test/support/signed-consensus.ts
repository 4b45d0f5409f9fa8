/**
 * A chain state with four validators and the signed consensus messages a peer can send about
 * it: blocks whose header commits to their body, proposals signed by the round's proposer,
 * votes signed by a member. For tests of the checks messages pass before the core sees them.
 */
import { BLOCK_VERSION, commitHash, dataHash, encodeBlock, evidenceHash, headerHash, type Block, type BlockHeader } from '../../src/codec/block.js';
import { bytesEqual, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { COMMIT_FLAG_COMMIT, PRECOMMIT, proposalSignBytes, voteSignBytes, type Commit, type Evidence, type Proposal, type Vote, type VoteType } from '../../src/codec/vote.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';
import type { ChainState } from '../../src/node/chain-state.js';

export const CHAIN_ID = 'cmt-signed-test';
/** The chain has committed this height; the one being decided is the next. */
export const LAST_HEIGHT = 4;

export const signers = [0, 1, 2, 3].map((i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`signed-consensus-${i}`)))));
const validators = ValidatorSet.fromGenesis(signers.map((s) => ({ publicKey: s.keyPair.publicKey, power: 10 })));

export function chainState(): ChainState {
  return {
    chainId: CHAIN_ID,
    initialHeight: 1,
    lastBlockHeight: LAST_HEIGHT,
    lastBlockHash: new Uint8Array(32).fill(4),
    lastBlockTime: 1_700_000_000_000,
    validators,
    nextValidators: validators.copyIncrementProposerPriority(1),
    lastValidators: validators,
    lastHeightValidatorsChanged: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    lastResultsHash: new Uint8Array(32),
    appHash: new Uint8Array(32).fill(9),
  };
}

function signerOf(address: Uint8Array): BulkSigner {
  const found = signers.find((s) => bytesEqual(addressFromPublicKey(s.keyPair.publicKey), address));
  if (!found) throw new Error('no signer for that address');
  return found;
}

/** The set that signs at `height` in `chain`: the current one, or the next one for height + 1. */
export function setAt(chain: ChainState, height: number): ValidatorSet {
  return height === chain.lastBlockHeight + 2 ? chain.nextValidators : chain.validators;
}

export function signedVote(chain: ChainState, o: { height: number; round: number; type?: VoteType; member?: number; blockHash?: Uint8Array }): Vote {
  const set = setAt(chain, o.height);
  const validator = set.validators[o.member ?? 0];
  if (!validator) throw new Error('no such member');
  const unsigned = { type: o.type ?? PRECOMMIT, height: o.height, round: o.round, blockHash: o.blockHash ?? new Uint8Array(32).fill(1) };
  const signature = signerOf(validator.address).sign(voteSignBytes(CHAIN_ID, unsigned));
  return { ...unsigned, validatorAddress: validator.address, validatorIndex: o.member ?? 0, signature };
}

/** A last commit for LAST_HEIGHT: signatures need not verify, checkProposal never reads them. */
export function lastCommitOf(chain: ChainState, fill = 7): Commit {
  return {
    height: LAST_HEIGHT,
    round: 0,
    blockHash: chain.lastBlockHash,
    signatures: chain.validators.validators.map((v, i) => ({ flag: COMMIT_FLAG_COMMIT, validatorAddress: v.address, signature: new Uint8Array(64).fill(fill + i) })),
  };
}

export function duplicateVote(chain: ChainState, seed: number): Evidence {
  const a = signedVote(chain, { height: LAST_HEIGHT + 1, round: seed, blockHash: new Uint8Array(32).fill(1) });
  const b = signedVote(chain, { height: LAST_HEIGHT + 1, round: seed, blockHash: new Uint8Array(32).fill(2) });
  return { type: 'duplicateVote', voteA: a, voteB: b, totalVotingPower: 40, validatorPower: 10, time: 1_700_000_000_000 };
}

/** A block for `height` whose header commits to exactly this body. */
export function blockFor(chain: ChainState, height: number, body: Pick<Block, 'txs' | 'evidence' | 'lastCommit'>): Block {
  const header: BlockHeader = {
    version: BLOCK_VERSION,
    chainId: CHAIN_ID,
    height,
    time: chain.lastBlockTime + 1000,
    lastBlockHash: chain.lastBlockHash,
    lastCommitHash: commitHash(body.lastCommit),
    dataHash: dataHash(body.txs),
    validatorsHash: chain.validators.hash(),
    nextValidatorsHash: chain.nextValidators.hash(),
    consensusParamsHash: new Uint8Array(32),
    appHash: chain.appHash,
    lastResultsHash: chain.lastResultsHash,
    evidenceHash: evidenceHash(body.evidence),
    proposerAddress: setAt(chain, height).proposer.address,
  };
  return { header, ...body };
}

/** The proposal of `block` signed by the proposer of `round` at the block's height. */
export function signedProposal(chain: ChainState, block: Block, round: number, polRound = -1): Proposal {
  const set = setAt(chain, block.header.height);
  const proposer = set.proposerForRound(round);
  const unsigned = { height: block.header.height, round, polRound, blockHash: headerHash(block.header) };
  return { ...unsigned, signature: signerOf(proposer.address).sign(proposalSignBytes(CHAIN_ID, unsigned)) };
}

/** A proposal message as gossip carries it: the signed proposal and the encoded block. */
export function proposalMessage(chain: ChainState, block: Block, round: number): { proposal: Proposal; block: Uint8Array } {
  return { proposal: signedProposal(chain, block, round), block: encodeBlock(block) };
}

/**
 * The pieces of CometBFT 0.38's JSON that cmt has no field for, filled the way clients expect
 * (spec/rpc.md says what each means): block ids with a part set header, validator addresses,
 * node ids, consensus parameters and genesis in CometBFT's shape, and evidence.
 */
import { peerIdFromString } from '@libp2p/peer-id';
import { toHex } from '../codec/bytes.js';
import { sha256 } from '../codec/hash.js';
import type { ConsensusParams } from '../codec/params.js';
import { encode } from '../codec/schema.js';
import { Evidence, type Vote } from '../codec/vote.js';
import { addressFromPublicKey } from '../crypto/address.js';
import type { GenesisDoc } from '../node/genesis.js';
import { MAX_EVIDENCE_PER_BLOCK } from '../node/evidence-pool.js';
import { pubKeyJson } from '../app/query/json.js';

const upper = (bytes: Uint8Array): string => toHex(bytes).toUpperCase();

/** CometBFT's zero time: the timestamp of a commit signature that is absent. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/**
 * A validator's address as CometBFT's own methods show it: the 20 bytes (sha256 of the
 * Ed25519 public key, truncated) in upper-case hex without 0x. cmt's own methods show the same
 * bytes as a 0x account address.
 */
export function validatorAddressView(address: Uint8Array): string {
  return upper(address);
}

/** CometBFT's `block_id`: `{hash, parts: {total, hash}}`. */
export interface BlockIdView {
  hash: string;
  parts: { total: number; hash: string };
}

/**
 * cmt gossips a block whole, never in parts: its block id shows one part (total 1) whose hash
 * is the block hash (the header, which commits to every byte of the body). A missing block
 * (nil vote, the first block's last_block_id) is CometBFT's empty id.
 */
export function blockIdView(hash: Uint8Array): BlockIdView {
  if (hash.length === 0) return { hash: '', parts: { total: 0, hash: '' } };
  const h = upper(hash);
  return { hash: h, parts: { total: 1, hash: h } };
}

/** CometBFT's node id of a libp2p peer: lower-case hex of the first 20 bytes of sha256 of its Ed25519 public key. */
export function nodeIdOfPublicKey(publicKey: Uint8Array): string {
  return toHex(sha256(publicKey).slice(0, 20));
}

/** The node id of a libp2p peer id (`12D3KooW…` names an Ed25519 key inline); '' when the id names no inline key. */
export function nodeIdOfPeer(peerId: string): string {
  try {
    const key = peerIdFromString(peerId).publicKey;
    return key ? nodeIdOfPublicKey(key.raw) : '';
  } catch {
    return '';
  }
}

/** The protocol versions: p2p (cmt's gossip protocol), block (the header version), app. */
export const P2P_PROTOCOL_VERSION = 1;

/** Largest canonical encoding of one piece of evidence: every number at its largest. */
const MAX_EVIDENCE_BYTES = (() => {
  const vote: Vote = { type: 2, height: Number.MAX_SAFE_INTEGER, round: Number.MAX_SAFE_INTEGER, blockHash: new Uint8Array(32), validatorAddress: new Uint8Array(20), validatorIndex: Number.MAX_SAFE_INTEGER, signature: new Uint8Array(64) };
  const big = Number.MAX_SAFE_INTEGER;
  return encode(Evidence, { type: 'duplicateVote', voteA: vote, voteB: vote, totalVotingPower: big, validatorPower: big, time: big }).length;
})();

/**
 * Consensus parameters in CometBFT 0.38's shape. cmt bounds evidence by age in blocks and by
 * count per block: max_age_duration is "0" (no time bound) and max_bytes the bytes of the most
 * evidence a block may carry. Only ed25519 keys; no vote extensions (enable height 0).
 */
export function consensusParamsView(p: ConsensusParams): Record<string, unknown> {
  return {
    block: { max_bytes: String(p.blockMaxBytes), max_gas: String(p.blockMaxGas) },
    evidence: { max_age_num_blocks: String(p.evidenceMaxAgeBlocks), max_age_duration: '0', max_bytes: String(MAX_EVIDENCE_PER_BLOCK * MAX_EVIDENCE_BYTES) },
    validator: { pub_key_types: ['ed25519'] },
    version: { app: '0' },
    abci: { vote_extensions_enable_height: '0' },
  };
}

/**
 * The genesis document in CometBFT's shape (a view: the file keeps cmt's format, which
 * `cmt` reads). cmt's genesis has no app hash: the app computes it at InitChain, so `app_hash` is "".
 */
export function genesisView(doc: GenesisDoc): Record<string, unknown> {
  return {
    genesis_time: new Date(doc.genesisTime).toISOString(),
    chain_id: doc.chainId,
    initial_height: String(doc.initialHeight),
    consensus_params: consensusParamsView(doc.consensusParams),
    validators: doc.validators.map((v) => ({
      address: validatorAddressView(addressFromPublicKey(v.publicKey)),
      pub_key: pubKeyJson(v.publicKey),
      power: String(v.power),
      name: v.name,
    })),
    app_hash: '',
    app_state: doc.appState,
  };
}

/**
 * A vote as CometBFT's JSON shows one. cmt's votes carry no timestamp: `timestamp` is the time
 * given (the evidence's block time). Its block id is the voted block's, as everywhere.
 */
export function voteView(v: Vote, time: string): Record<string, unknown> {
  return {
    type: v.type,
    height: String(v.height),
    round: v.round,
    block_id: blockIdView(v.blockHash),
    timestamp: time,
    validator_address: validatorAddressView(v.validatorAddress),
    validator_index: v.validatorIndex,
    signature: Buffer.from(v.signature).toString('base64'),
    extension: null,
    extension_signature: null,
  };
}

/**
 * Evidence in a block: CometBFT's DuplicateVoteEvidence (vote_a, vote_b, TotalVotingPower,
 * ValidatorPower, Timestamp), plus cmt's summary fields the CLI reads (validator_address,
 * height, round, vote_type, block_hashes, total_voting_power, validator_power, timestamp).
 */
export function evidenceView(e: Evidence): Record<string, unknown> {
  const time = new Date(e.time).toISOString();
  return {
    type: 'tendermint/DuplicateVoteEvidence',
    value: {
      vote_a: voteView(e.voteA, time),
      vote_b: voteView(e.voteB, time),
      TotalVotingPower: String(e.totalVotingPower),
      ValidatorPower: String(e.validatorPower),
      Timestamp: time,
      validator_address: validatorAddressView(e.voteA.validatorAddress),
      height: String(e.voteA.height),
      round: e.voteA.round,
      vote_type: e.voteA.type,
      block_hashes: [upper(e.voteA.blockHash), upper(e.voteB.blockHash)],
      total_voting_power: String(e.totalVotingPower),
      validator_power: String(e.validatorPower),
      timestamp: time,
    },
  };
}

/** CometBFT's `evidence.Hash()` stand-in: sha256 of cmt's canonical encoding (the pool's key), upper-case hex. */
export function evidenceHashView(e: Evidence): string {
  return upper(sha256(encode(Evidence, e)));
}

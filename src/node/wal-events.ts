/**
 * The consensus inputs the write-ahead log records, as canonical RLP: every event the core
 * takes except startHeight (which the chain state gives back on restart).
 */
import { MAX_BLOCK_BYTES_STRUCTURAL } from '../codec/block.js';
import { DecodeError } from '../codec/errors.js';
import { boolean, bytes, decode, encode, fixedBytes, mapped, safeUint, struct, text, union } from '../codec/schema.js';
import { Proposal, Vote, voteType } from '../codec/vote.js';
import { MAX_PEER_ID_BYTES } from '../codec/gossip.js';
import type { ConsensusEvent, TimeoutStep } from '../consensus/types.js';

// The index is the wire value: the order is fixed whatever the steps are called.
const STEPS: readonly TimeoutStep[] = ['newHeight', 'propose', 'prevote', 'precommit'];

const timeoutStep = mapped(safeUint, 'timeoutStep', (s: TimeoutStep) => STEPS.indexOf(s), (wire, path) => {
  const step = STEPS[wire];
  if (step === undefined) throw new DecodeError(`${path}: unknown timeout step ${wire}`);
  return step;
});

const WalEvent = union('WalEvent', {
  proposal: [1, struct('WalProposal', { proposal: Proposal, block: bytes(MAX_BLOCK_BYTES_STRUCTURAL) })],
  vote: [2, struct('WalVote', { vote: Vote })],
  timeout: [3, struct('WalTimeout', { height: safeUint, round: safeUint, step: timeoutStep })],
  proposalValidated: [4, struct('WalValidated', { height: safeUint, round: safeUint, blockHash: fixedBytes(32), valid: boolean })],
  proposalBuilt: [5, struct('WalBuilt', { height: safeUint, round: safeUint, block: bytes(MAX_BLOCK_BYTES_STRUCTURAL), blockHash: fixedBytes(32) })],
  // Claims decide which conflicting votes count, so a replay must see them to rebuild the same locks.
  maj23Claim: [6, struct('WalMaj23Claim', { peer: text(MAX_PEER_ID_BYTES), height: safeUint, round: safeUint, voteType, blockHash: fixedBytes(32) })],
});

export type LoggedEvent = Exclude<ConsensusEvent, { type: 'startHeight' }>;

export function encodeWalEvent(event: LoggedEvent): Uint8Array {
  return encode(WalEvent, event);
}

export function decodeWalEvent(record: Uint8Array): LoggedEvent {
  return decode(WalEvent, record, 'WAL record');
}

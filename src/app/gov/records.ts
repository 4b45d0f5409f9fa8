/**
 * Governance state (spec/governance.md, "State"), all under `gov/`. The state store has no
 * range scans, so everything a block or query must enumerate is a record of its own: the id
 * counter (ids are 1..n), the list of proposals still voting, each proposal's voter list, and
 * the proposals to execute at each height.
 */
import { concatBytes, u64be, utf8 } from '../../codec/bytes.js';
import { CmtError, DecodeError } from '../../codec/errors.js';
import { encode, fixedBytes, list, mapped, safeUint, struct, text, uint, type Codec, type Infer } from '../../codec/schema.js';
import { ProposalChange, VOTE_OPTIONS, type VoteOption } from '../../codec/tx.js';
import type { Overlay, StateReader } from '../../state/overlay.js';
import { readRecord } from '../../state/read-record.js';

export const PROPOSAL_STATUSES = ['voting', 'passed', 'rejected', 'rejected-no-quorum', 'executed', 'failed'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** An enumeration stored as its index, so a record stays small and a name can be reworded in code only. */
function enumCodec<T extends string>(name: string, values: readonly T[]): Codec<T> {
  return mapped<T, number>(
    safeUint,
    name,
    (value) => values.indexOf(value),
    (index, path) => {
      const value = values[index];
      if (value === undefined) throw new DecodeError(`${path}: unknown ${name} ${index}`);
      return value;
    },
  );
}

export const ProposalStatusCodec = enumCodec<ProposalStatus>('ProposalStatus', PROPOSAL_STATUSES);
export const VoteOptionCodec = enumCodec<VoteOption>('VoteOption', VOTE_OPTIONS);

/** Stake behind each option, and the bonded stake the quorum is measured against. */
export const Tally = struct('GovTally', {
  yes: uint(256),
  no: uint(256),
  abstain: uint(256),
  bonded: uint(256),
});
export type Tally = Infer<typeof Tally>;

export const EMPTY_TALLY: Tally = Object.freeze({ yes: 0n, no: 0n, abstain: 0n, bonded: 0n });

export const Proposal = struct('Proposal', {
  id: safeUint,
  proposer: fixedBytes(20),
  title: text(140),
  description: text(2048),
  change: ProposalChange,
  deposit: uint(256),
  submitHeight: safeUint,
  /** The last height at which votes are accepted; the tally runs at the end of this block. */
  votingEndHeight: safeUint,
  /** The block at whose end a passed proposal is executed (≥ votingEndHeight). */
  effectiveHeight: safeUint,
  status: ProposalStatusCodec,
  /** EMPTY_TALLY while voting; the final tally afterwards. */
  tally: Tally,
  /** Why execution failed (status `failed`), else empty. */
  failure: text(512),
});
export type Proposal = Infer<typeof Proposal>;

/** Distinct voters per proposal: the tally reads every voter's delegations, so their number is bounded. */
export const MAX_VOTERS = 10_000;
const Ids = list(safeUint, 1_000_000);
/** An open proposal with its end of voting, so EndBlock finds the ending ones without reading each proposal. */
export const OpenProposal = struct('OpenProposal', { id: safeUint, votingEndHeight: safeUint });
export type OpenProposal = Infer<typeof OpenProposal>;
const OpenProposals = list(OpenProposal, 1_000_000);
const Voters = list(fixedBytes(20), MAX_VOTERS);

const K = {
  lastId: utf8('gov/last-id'),
  proposal: utf8('gov/p/'),
  open: utf8('gov/open'),
  deposits: utf8('gov/deposits'),
  voters: utf8('gov/voters/'),
  vote: utf8('gov/v/'),
  execute: utf8('gov/exec/'),
};

/** The id of the newest proposal (0: none yet); ids are 1..lastProposalId. */
export function readLastProposalId(state: StateReader): number {
  return readRecord(state, K.lastId, safeUint, 'last proposal id') ?? 0;
}

export function writeLastProposalId(state: Overlay, id: number): void {
  state.set(K.lastId, encode(safeUint, id));
}

export function readProposal(state: StateReader, id: number): Proposal | undefined {
  return readRecord(state, concatBytes(K.proposal, u64be(id)), Proposal, 'proposal');
}

export function writeProposal(state: Overlay, p: Proposal): void {
  state.set(concatBytes(K.proposal, u64be(p.id)), encode(Proposal, p));
}

/** The size of the open proposals record as stored, without decoding it (what rewriting it costs). */
export function openProposalsBytes(state: StateReader): number {
  return state.get(K.open)?.length ?? 0;
}

/** The size of a proposal's voter list as stored, without decoding it (what rewriting it costs). */
export function votersBytes(state: StateReader, id: number): number {
  return state.get(concatBytes(K.voters, u64be(id)))?.length ?? 0;
}

/** Proposals still voting, by ascending id: EndBlock reads this one record each block. */
export function readOpenProposals(state: StateReader): OpenProposal[] {
  return readRecord(state, K.open, OpenProposals, 'open proposals') ?? [];
}

export function writeOpenProposals(state: Overlay, open: OpenProposal[]): void {
  if (open.length === 0) state.delete(K.open);
  else state.set(K.open, encode(OpenProposals, open));
}

/** CMT held as deposits of proposals not yet settled: counted by the supply invariant. */
export function readDeposits(state: StateReader): bigint {
  return readRecord(state, K.deposits, uint(256), 'governance deposits') ?? 0n;
}

export function addToDeposits(state: Overlay, delta: bigint): void {
  const next = readDeposits(state) + delta;
  if (next < 0n) throw new CmtError('GOV_INVARIANT', 'the governance deposits pool would go negative');
  state.set(K.deposits, encode(uint(256), next));
}

export function readVoters(state: StateReader, id: number): Uint8Array[] {
  return readRecord(state, concatBytes(K.voters, u64be(id)), Voters, 'voters') ?? [];
}

export function writeVoters(state: Overlay, id: number, voters: Uint8Array[]): void {
  state.set(concatBytes(K.voters, u64be(id)), encode(Voters, voters));
}

export function readVote(state: StateReader, id: number, voter: Uint8Array): VoteOption | undefined {
  return readRecord(state, concatBytes(K.vote, u64be(id), voter), VoteOptionCodec, 'vote');
}

export function writeVote(state: Overlay, id: number, voter: Uint8Array, option: VoteOption): void {
  state.set(concatBytes(K.vote, u64be(id), voter), encode(VoteOptionCodec, option));
}

/** Passed proposals to execute at the end of block `height`, ascending. */
export function readExecutionQueue(state: StateReader, height: number): number[] {
  return readRecord(state, concatBytes(K.execute, u64be(height)), Ids, 'execution queue') ?? [];
}

export function writeExecutionQueue(state: Overlay, height: number, ids: number[]): void {
  const key = concatBytes(K.execute, u64be(height));
  if (ids.length === 0) state.delete(key);
  else state.set(key, encode(Ids, ids));
}

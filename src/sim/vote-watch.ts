/**
 * What a host watching the consensus gossip makes of it — the chaos runner's listener on real
 * processes and the simulator's wire (spec/faults.md): every vote, proposal and piece of
 * evidence on the chain's topics, each checked
 * against the genesis validators' keys before it counts — the bytes come from the nodes under
 * test, a Byzantine one among them, and a forged vote must not make a correct validator look
 * like a double signer. Two different signed votes of one validator for one height, round and
 * type name it in `evidence`; when the validator is correct it is also a double sign (which
 * the checkers report as a violation). Every distinct signed vote (by signature: ed25519 is
 * deterministic, so a copy of a vote has the same one) is also kept as a `VoteRecord`, the
 * accountability checker's input across rounds. Memory is bounded: past MAX_RECORDED_VOTES
 * distinct (validator, height, round, type) keys, new keys are counted in `overflow` and not
 * kept; past MAX_VOTE_RECORDS records, new ones are counted in `droppedRecords` (a checker
 * that needs them must then say its analysis is incomplete).
 */
import { bytesKey, toHex } from '../codec/bytes.js';
import { decode } from '../codec/schema.js';
import { decodeProposalMessage } from '../codec/gossip.js';
import { decodeVote, Evidence, proposalSignBytes, voteSignBytes, type Vote } from '../codec/vote.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { verify } from '../crypto/ed25519.js';
import type { VoteRecord } from './run-types.js';

export const MAX_RECORDED_VOTES = 1_000_000;
/** About 100 bytes each: a few runs in explore's workers stay far below a worker's heap. */
export const MAX_VOTE_RECORDS = 200_000;

export interface WatchedValidator {
  name: string;
  publicKey: Uint8Array;
  /** False for a validator the scenario makes Byzantine. */
  correct: boolean;
}

export interface DoubleSign {
  node: number;
  height: number;
  round: number;
  type: number;
}

export interface WatchStats {
  votes: number;
  proposals: number;
  evidence: number;
  /** Messages that did not decode or whose signature did not verify. */
  unverified: number;
  /** Keys not kept because MAX_RECORDED_VOTES was reached. */
  overflow: number;
  /** Distinct signed votes not kept in `records` because MAX_VOTE_RECORDS was reached. */
  droppedRecords: number;
}

export class VoteWatch {
  readonly doubleSigns: DoubleSign[] = [];
  /** Hex addresses (lower case, no 0x) of validators seen signing two conflicting votes. */
  readonly evidence: string[] = [];
  /** Proposers seen signing two different proposals for one height and round. */
  readonly conflictingProposals: { name: string; height: number; round: number }[] = [];
  readonly stats: WatchStats = { votes: 0, proposals: 0, evidence: 0, unverified: 0, overflow: 0, droppedRecords: 0 };
  /** Every distinct verified vote, in the order first seen. */
  readonly records: VoteRecord[] = [];
  private readonly byAddress = new Map<string, number>();
  private readonly addresses: string[] = [];
  private readonly signatures = new Set<string>();
  private readonly votes = new Map<string, string>();
  private readonly proposals = new Map<string, string>();
  private readonly doubled = new Set<string>();

  constructor(
    private readonly chainId: string,
    private readonly validators: readonly WatchedValidator[],
    private readonly maxRecorded = MAX_RECORDED_VOTES,
    private readonly maxRecords = MAX_VOTE_RECORDS,
  ) {
    validators.forEach((v, i) => {
      const address = toHex(addressFromPublicKey(v.publicKey));
      this.addresses.push(address);
      this.byAddress.set(address, i);
    });
  }

  /** Bytes from the vote topic; `at` is when it was seen (the simulator's virtual ms). */
  vote(data: Uint8Array, at = 0): void {
    let vote: Vote;
    try {
      vote = decodeVote(data);
    } catch {
      this.stats.unverified++;
      return;
    }
    const signer = this.signerOf(vote);
    if (signer === null) return;
    this.stats.votes++;
    this.record(signer, vote, at);
  }

  /** Bytes from the proposal topic: the proposer is whichever validator's key verifies it. */
  proposal(data: Uint8Array): void {
    let proposal;
    try {
      proposal = decodeProposalMessage(data).proposal;
    } catch {
      this.stats.unverified++;
      return;
    }
    const doc = proposalSignBytes(this.chainId, proposal);
    const signer = this.validators.findIndex((v) => verify(v.publicKey, doc, proposal.signature));
    if (signer < 0) {
      this.stats.unverified++;
      return;
    }
    this.stats.proposals++;
    const key = `${signer}/${proposal.height}/${proposal.round}`;
    const hash = bytesKey(proposal.blockHash);
    const seen = this.proposals.get(key);
    if (seen === undefined) {
      if (this.proposals.size < this.maxRecorded) this.proposals.set(key, hash);
      else this.stats.overflow++;
    } else if (seen !== hash && !this.conflictingProposals.some((p) => p.name === this.validators[signer]?.name && p.height === proposal.height && p.round === proposal.round)) {
      this.conflictingProposals.push({ name: this.validators[signer]?.name as string, height: proposal.height, round: proposal.round });
    }
  }

  /** Bytes from the evidence topic: both votes must verify and conflict. */
  evidenceMessage(data: Uint8Array, at = 0): void {
    let evidence: Evidence;
    try {
      evidence = decode(Evidence, data, 'evidence');
    } catch {
      this.stats.unverified++;
      return;
    }
    const a = this.signerOf(evidence.voteA);
    const b = this.signerOf(evidence.voteB);
    if (a === null || b === null) return;
    this.stats.evidence++;
    this.record(a, evidence.voteA, at);
    this.record(b, evidence.voteB, at);
  }

  private signerOf(vote: Vote): number | null {
    const index = this.byAddress.get(toHex(vote.validatorAddress));
    const validator = index === undefined ? undefined : this.validators[index];
    if (index === undefined || !validator || !verify(validator.publicKey, voteSignBytes(this.chainId, vote), vote.signature)) {
      this.stats.unverified++;
      return null;
    }
    return index;
  }

  private record(signer: number, vote: Vote, at: number): void {
    this.keep(signer, vote, at);
    const key = `${signer}/${vote.height}/${vote.round}/${vote.type}`;
    const hash = bytesKey(vote.blockHash);
    const seen = this.votes.get(key);
    if (seen === undefined) {
      if (this.votes.size < this.maxRecorded) this.votes.set(key, hash);
      else this.stats.overflow++;
      return;
    }
    if (seen === hash || this.doubled.has(key)) return;
    this.doubled.add(key);
    const address = this.addresses[signer] as string;
    if (!this.evidence.includes(address)) this.evidence.push(address);
    if (this.validators[signer]?.correct) this.doubleSigns.push({ node: signer, height: vote.height, round: vote.round, type: vote.type });
  }

  private keep(signer: number, vote: Vote, at: number): void {
    const signature = bytesKey(vote.signature);
    if (this.signatures.has(signature)) return;
    if (this.records.length >= this.maxRecords) {
      this.stats.droppedRecords++;
      return;
    }
    this.signatures.add(signature);
    this.records.push({ at, validator: this.addresses[signer] as string, height: vote.height, round: vote.round, type: vote.type, blockHash: toHex(vote.blockHash) });
  }
}

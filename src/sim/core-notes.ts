/**
 * What the run's timeline shows besides heights (src/sim/run-timeline.ts): each node's lock and
 * valid round as they change, the proposals nodes send, and the proposals they accept. The
 * simulator calls `core` after every agenda item of a node and `wire` for every message a node
 * originates; both are cheap when nothing changed (a few comparisons), and both lists are
 * capped so a long stuck run cannot grow them without bound.
 */
import { toHex } from '../codec/bytes.js';
import { decodeProposalMessage } from '../codec/gossip.js';
import type { ConsensusState } from '../consensus/state.js';
import type { LockRecord, ProposalRecord } from './run-types.js';

/** Records kept per list; past it they are counted in `dropped`, not stored. */
export const MAX_NOTES = 100_000;

interface Seen {
  height: number;
  lockedRound: number;
  validRound: number;
  /** Proposals of `height` already looked at (the core's map only grows within a height). */
  proposals: number;
}

export class CoreNotes {
  readonly locks: LockRecord[] = [];
  readonly proposals: ProposalRecord[] = [];
  dropped = 0;
  private readonly seen: (Seen | undefined)[] = [];

  /** `addresses[i]`: node i's validator address in hex ('' for a node with no key). */
  constructor(private readonly addresses: readonly string[]) {}

  core(node: number, at: number, s: Readonly<ConsensusState>): void {
    let last = this.seen[node];
    if (!last) {
      last = { height: s.height, lockedRound: -1, validRound: -1, proposals: 0 };
      this.seen[node] = last;
    }
    if (last.height !== s.height) {
      last.height = s.height;
      last.proposals = 0;
    }
    if (last.lockedRound !== s.lockedRound || last.validRound !== s.validRound) {
      last.lockedRound = s.lockedRound;
      last.validRound = s.validRound;
      this.push(this.locks, { at, node, height: s.height, lockedRound: s.lockedRound, lockedValue: s.lockedValue ? toHex(s.lockedValue) : '', validRound: s.validRound });
    }
    if (s.proposals.size === last.proposals) return;
    let i = 0;
    const self = this.addresses[node];
    for (const [round, p] of s.proposals) {
      if (i++ < last.proposals) continue;
      // The core computes proposers on demand; an observer computes without caching (pure).
      const proposer = s.proposers.get(round) ?? s.validators?.proposerForRound(round);
      const address = proposer ? toHex(proposer.address) : '';
      // Its own proposal was noted as it left (wire).
      if (address !== '' && address === self) continue;
      this.push(this.proposals, { at, node, height: p.height, round: p.round, polRound: p.polRound, blockHash: toHex(p.blockHash), proposer: address, made: false });
    }
    last.proposals = s.proposals.size;
  }

  /** A proposal message leaving `node`: one it made (a Byzantine proposer may make several). */
  wire(node: number, at: number, data: Uint8Array): void {
    let proposal;
    try {
      proposal = decodeProposalMessage(data).proposal;
    } catch {
      return;
    }
    this.push(this.proposals, { at, node, height: proposal.height, round: proposal.round, polRound: proposal.polRound, blockHash: toHex(proposal.blockHash), proposer: this.addresses[node] ?? '', made: true });
  }

  private push<T>(list: T[], record: T): void {
    if (list.length >= MAX_NOTES) this.dropped++;
    else list.push(record);
  }
}

/**
 * What the link model and a test's intercept know about a gossip message (spec/faults.md, "The
 * engine"): a proposal or vote is decoded once, where it leaves its author — relays pass the
 * same bytes object on, so every crossing finds it here — and never when nothing asks.
 */
import { toHex } from '../codec/bytes.js';
import { decodeProposalMessage } from '../codec/gossip.js';
import { decodeVote, proposalSignBytes, type Proposal, type Vote } from '../codec/vote.js';
import { verify } from '../crypto/ed25519.js';
import type { SimMessage } from './network.js';

export interface Decoded {
  message: SimMessage;
  vote?: Vote;
  proposal?: Proposal;
}

export class MessageInfo {
  private readonly decoded = new WeakMap<Uint8Array, Decoded>();
  private readonly byAddress = new Map<string, number>();

  /**
   * `keys[i]` is validator i's public key and `addresses[i]` its hex address; `signsAs(node)`
   * the validator whose key a node signs with (-1: none).
   */
  constructor(
    private readonly chainId: string,
    private readonly topics: { vote: string; proposal: string },
    private readonly keys: readonly Uint8Array[],
    addresses: readonly string[],
    private readonly signsAs: (node: number) => number,
  ) {
    addresses.forEach((a, i) => this.byAddress.set(a, i));
  }

  /** Bytes leaving node `from` on `topic`. Junk (a flooder's) decodes to nothing: no filter selects it. */
  leaving(from: number, topic: string, data: Uint8Array): void {
    try {
      if (topic === this.topics.vote) {
        const vote = decodeVote(data);
        const kind = vote.type === 1 ? 'prevote' : 'precommit';
        this.decoded.set(data, { vote, message: { kind, height: vote.height, round: vote.round, signer: this.byAddress.get(toHex(vote.validatorAddress)) ?? -1 } });
      } else if (topic === this.topics.proposal) {
        const proposal = decodeProposalMessage(data).proposal;
        this.decoded.set(data, { proposal, message: { kind: 'proposal', height: proposal.height, round: proposal.round, signer: this.proposalSigner(from, proposal) } });
      }
    } catch {
      // Not a consensus message.
    }
  }

  of(data: Uint8Array): Decoded | undefined {
    return this.decoded.get(data);
  }

  /** Whose key signed a proposal: its sender's, usually (one check); else whichever validator's verifies it (-1: none). */
  private proposalSigner(from: number, proposal: Proposal): number {
    const doc = proposalSignBytes(this.chainId, proposal);
    const own = this.signsAs(from);
    if (own >= 0 && verify(this.keys[own] as Uint8Array, doc, proposal.signature)) return own;
    return this.keys.findIndex((key) => verify(key, doc, proposal.signature));
  }
}

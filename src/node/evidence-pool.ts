/**
 * Evidence waiting to go into a block. Conflicting votes consensus saw at a height not yet
 * committed wait until that block exists (the evidence carries its time); verified evidence
 * is proposed in the next blocks and forgotten once a block carried it (the block store
 * remembers that, so it is never accepted twice). Locally found evidence is announced.
 */
import { toHex } from '../codec/bytes.js';
import type { Block } from '../codec/block.js';
import type { Evidence, Vote } from '../codec/vote.js';
import type { BlockStore } from '../store/block-store.js';
import type { ChainState } from './chain-state.js';
import { checkEvidence, duplicateVoteEvidence, evidenceKey, type EvidenceContext } from './evidence.js';
import type { Logger } from './logger.js';
import { membersAt } from './validator-history.js';

/** At most this many pieces of evidence per block (CometBFT bounds it by bytes; this is simpler). */
export const MAX_EVIDENCE_PER_BLOCK = 50;
const MAX_WAITING = 1000;

export type AddEvidenceResult = { kind: 'added' } | { kind: 'known' } | { kind: 'invalid'; reason: string };

export class EvidencePool {
  private readonly pending = new Map<string, Evidence>();
  private waiting: { a: Vote; b: Vote }[] = [];

  constructor(
    private readonly blockStore: BlockStore,
    private readonly logger: Logger,
    /** Called with evidence this node found itself, to gossip it. */
    private readonly announce: (evidence: Evidence) => void,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  context(state: ChainState): EvidenceContext {
    return {
      state,
      // Evidence needs members and powers only, never priorities: one read, whatever the height.
      validatorsAt: (height) => membersAt(this.blockStore, state, height),
      blockTimeAt: async (height) => (await this.blockStore.loadBlock(height))?.header.time,
    };
  }

  /** Two conflicting votes from one validator, both with verified signatures, seen by consensus. */
  async reportConflict(a: Vote, b: Vote, state: ChainState): Promise<void> {
    if (a.height > state.lastBlockHeight) {
      if (this.waiting.length < MAX_WAITING) this.waiting.push({ a, b });
      return;
    }
    await this.fromConflict(a, b, state);
  }

  /** Evidence from a peer or found here; verified before it is kept. */
  async add(evidence: Evidence, state: ChainState, options: { announce?: boolean } = {}): Promise<AddEvidenceResult> {
    const key = toHex(evidenceKey(evidence));
    if (this.pending.has(key) || (await this.blockStore.committedEvidenceHeight(evidenceKey(evidence))) !== undefined) return { kind: 'known' };
    const reason = await checkEvidence(evidence, this.context(state));
    if (reason) return { kind: 'invalid', reason };
    this.pending.set(key, evidence);
    this.logger.warn(
      { validator: toHex(evidence.voteA.validatorAddress), height: evidence.voteA.height, round: evidence.voteA.round },
      'evidence of double signing',
    );
    if (options.announce) this.announce(evidence);
    return { kind: 'added' };
  }

  /** Evidence for the next proposal. */
  proposable(): Evidence[] {
    return [...this.pending.values()].slice(0, MAX_EVIDENCE_PER_BLOCK);
  }

  /** Why a proposed block's evidence is not acceptable, or null. */
  async checkBlockEvidence(state: ChainState, evidence: readonly Evidence[]): Promise<string | null> {
    if (evidence.length > MAX_EVIDENCE_PER_BLOCK) return `more than ${MAX_EVIDENCE_PER_BLOCK} pieces of evidence`;
    const seen = new Set<string>();
    for (const e of evidence) {
      const key = evidenceKey(e);
      if (seen.has(toHex(key))) return 'the same evidence twice';
      seen.add(toHex(key));
      if ((await this.blockStore.committedEvidenceHeight(key)) !== undefined) return 'evidence already committed';
      const reason = await checkEvidence(e, this.context(state));
      if (reason) return `invalid evidence: ${reason}`;
    }
    return null;
  }

  /** After block `block` was applied (`state` is the state after it). */
  async blockCommitted(block: Block, state: ChainState): Promise<void> {
    const keys = block.evidence.map(evidenceKey);
    await this.blockStore.saveCommittedEvidence(block.header.height, keys);
    for (const k of keys) this.pending.delete(toHex(k));
    for (const [k, e] of this.pending) {
      if (state.lastBlockHeight - e.voteA.height > state.consensusParams.evidenceMaxAgeBlocks) this.pending.delete(k);
    }
    const ready = this.waiting.filter((w) => w.a.height <= state.lastBlockHeight);
    this.waiting = this.waiting.filter((w) => w.a.height > state.lastBlockHeight);
    for (const { a, b } of ready) await this.fromConflict(a, b, state);
  }

  private async fromConflict(a: Vote, b: Vote, state: ChainState): Promise<void> {
    const ctx = this.context(state);
    const set = await ctx.validatorsAt(a.height);
    const time = await ctx.blockTimeAt(a.height);
    if (!set || time === undefined) return;
    const result = await this.add(duplicateVoteEvidence(a, b, set, time), state, { announce: true });
    if (result.kind === 'invalid') this.logger.debug({ reason: result.reason }, 'conflicting votes did not make valid evidence');
  }
}

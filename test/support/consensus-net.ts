/**
 * N instances of the pure consensus core on a virtual clock, joined by an in-memory router.
 * The router delivers every broadcast after a fixed delay unless a rule delays or loses it; decided
 * blocks start the next height after a short apply delay. Everything is ordered by
 * (time, sequence number), so a run is a pure function of its configuration.
 */
import { concatBytes, toHex, u64be, utf8 } from '../../src/codec/bytes.js';
import { sha256 } from '../../src/codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { proposalSignBytes, voteSignBytes, type Commit, type Proposal, type Vote } from '../../src/codec/vote.js';
import { describeEffect } from '../../src/consensus/describe-effect.js';
import { createConsensusState, step, type ConsensusEffect, type ConsensusEvent, type ConsensusState } from '../../src/consensus/index.js';
import { ValidatorSet } from '../../src/consensus/validator-set.js';
import { addressFromPublicKey } from '../../src/crypto/address.js';
import { BulkSigner } from '../../src/crypto/bulk-signer.js';
import { keyPairFromSeed } from '../../src/crypto/ed25519.js';

export type Message =
  | { kind: 'proposal'; from: number; proposal: Proposal; block: Uint8Array }
  | { kind: 'vote'; from: number; vote: Vote };

export interface NetOptions {
  powers: number[];
  /**
   * When a message sent at `now` reaches `to`, given the default arrival time (self-delivery is
   * immediate). Infinity loses it; a correct gossip layer only delays, it never loses.
   */
  arrival?: (msg: Message, to: number, now: number, defaultAt: number) => number;
  /** Nodes that neither send nor receive anything. */
  offline?: number[];
  /** The app's verdict on a block; default: every block is valid. */
  isValid?: (block: Uint8Array) => boolean;
  /** What a proposer builds; default: height, round and proposer index. */
  buildBlock?: (node: number, height: number, round: number) => Uint8Array;
  delayMs?: number;
}

export interface Decision {
  height: number;
  round: number;
  blockHash: string;
  block: Uint8Array;
  commit: Commit;
  at: number;
}

interface Scheduled {
  at: number;
  seq: number;
  node: number;
  event: ConsensusEvent;
}

export const CHAIN_ID = 'cmt-consensus-test';
const TIMEOUTS = DEFAULT_CONSENSUS_PARAMS.timeouts;

export class ConsensusNet {
  readonly signers: BulkSigner[];
  readonly genesisSet: ValidatorSet;
  readonly states: ConsensusState[];
  readonly decisions: Decision[][];
  readonly effectLog: string[] = [];
  readonly equivocations: { node: number; voteA: Vote; voteB: Vote }[] = [];
  readonly proposalsSent: { node: number; height: number; round: number; polRound: number; blockHash: string }[] = [];
  now = 0;
  private queue: Scheduled[] = [];
  private seq = 0;
  private readonly setsByHeight = new Map<number, ValidatorSet>();
  /** Index in the set of each node (the set is sorted by power, then address). */
  readonly indexInSet: number[];

  constructor(readonly options: NetOptions) {
    this.signers = options.powers.map((_, i) => new BulkSigner(keyPairFromSeed(sha256(utf8(`consensus-test-${i}`)))));
    this.genesisSet = ValidatorSet.fromGenesis(this.signers.map((s, i) => ({ publicKey: s.keyPair.publicKey, power: options.powers[i] as number })));
    this.setsByHeight.set(1, this.genesisSet);
    this.indexInSet = this.signers.map((s) => this.genesisSet.indexOf(addressFromPublicKey(s.keyPair.publicKey)));
    this.states = this.signers.map((s) => createConsensusState({ chainId: CHAIN_ID, selfAddress: addressFromPublicKey(s.keyPair.publicKey) }));
    this.decisions = this.signers.map(() => []);
    for (let i = 0; i < this.signers.length; i++) {
      this.schedule(i, 0, { type: 'startHeight', height: 1, validators: this.genesisSet, timeouts: TIMEOUTS, lastValidators: null, lastCommit: null });
    }
  }

  /** The node that is validator `index` of the set. */
  nodeOfIndex(index: number): number {
    return this.indexInSet.indexOf(index);
  }

  setAt(height: number): ValidatorSet {
    let set = this.setsByHeight.get(height);
    if (!set) {
      set = this.setAt(height - 1).copyIncrementProposerPriority(1);
      this.setsByHeight.set(height, set);
    }
    return set;
  }

  isOffline(node: number): boolean {
    return this.options.offline?.includes(node) ?? false;
  }

  /** Runs until `done` holds or virtual time passes `untilMs`. */
  run(done: () => boolean, untilMs = 120_000): void {
    while (!done()) {
      const next = this.queue.shift();
      if (!next || next.at > untilMs) return;
      this.now = next.at;
      if (this.isOffline(next.node)) continue;
      const effects = step(this.states[next.node] as ConsensusState, next.event);
      for (const effect of effects) this.perform(next.node, effect);
    }
  }

  /** Runs until every online node decided `height`. */
  runToHeight(height: number, untilMs = 120_000): void {
    this.run(() => this.decisions.every((d, i) => this.isOffline(i) || d.length >= height), untilMs);
  }

  /** A hash of every effect every node produced, in order: two identical runs give the same. */
  traceHash(): string {
    return toHex(sha256(utf8(this.effectLog.join('\n'))));
  }

  deliver(node: number, event: ConsensusEvent, delayMs = 0): void {
    this.schedule(node, this.now + delayMs, event);
  }

  private schedule(node: number, at: number, event: ConsensusEvent): void {
    const entry = { at, seq: this.seq++, node, event };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1] as Scheduled).at > at) i--;
    this.queue.splice(i, 0, entry);
  }

  private broadcast(from: number, msg: Message, event: ConsensusEvent): void {
    this.deliver(from, event);
    if (this.isOffline(from)) return;
    const delay = this.options.delayMs ?? 10;
    for (let to = 0; to < this.signers.length; to++) {
      if (to === from || this.isOffline(to)) continue;
      const defaultAt = this.now + delay;
      const at = this.options.arrival?.(msg, to, this.now, defaultAt) ?? defaultAt;
      if (at !== Infinity) this.schedule(to, Math.max(at, this.now), event);
    }
  }

  private perform(node: number, effect: ConsensusEffect): void {
    this.effectLog.push(`${this.now} ${node} ${describeEffect(effect)}`);
    const signer = this.signers[node] as BulkSigner;
    switch (effect.type) {
      case 'scheduleTimeout':
        this.deliver(node, { type: 'timeout', height: effect.height, round: effect.round, step: effect.step }, effect.durationMs);
        return;
      case 'buildProposal': {
        const block = this.options.buildBlock?.(node, effect.height, effect.round) ?? concatBytes(utf8('block'), u64be(effect.height), u64be(effect.round), u64be(node));
        this.deliver(node, { type: 'proposalBuilt', height: effect.height, round: effect.round, block, blockHash: sha256(block) });
        return;
      }
      case 'signProposal': {
        const unsigned = { height: effect.height, round: effect.round, polRound: effect.polRound, blockHash: effect.blockHash };
        const proposal: Proposal = { ...unsigned, signature: signer.sign(proposalSignBytes(CHAIN_ID, unsigned)) };
        this.proposalsSent.push({ node, height: effect.height, round: effect.round, polRound: effect.polRound, blockHash: toHex(effect.blockHash) });
        this.broadcast(node, { kind: 'proposal', from: node, proposal, block: effect.block }, { type: 'proposal', proposal, block: effect.block });
        return;
      }
      case 'signVote': {
        const unsigned = { type: effect.voteType, height: effect.height, round: effect.round, blockHash: effect.blockHash };
        const vote: Vote = {
          ...unsigned,
          validatorAddress: addressFromPublicKey(signer.keyPair.publicKey),
          validatorIndex: this.setAt(effect.height).indexOf(addressFromPublicKey(signer.keyPair.publicKey)),
          signature: signer.sign(voteSignBytes(CHAIN_ID, unsigned)),
        };
        this.broadcast(node, { kind: 'vote', from: node, vote }, { type: 'vote', vote });
        return;
      }
      case 'validateProposal': {
        const valid = this.options.isValid?.(effect.block) ?? true;
        this.deliver(node, { type: 'proposalValidated', height: effect.height, round: effect.round, blockHash: effect.blockHash, valid }, 1);
        return;
      }
      case 'decide': {
        this.decisions[node]?.push({ height: effect.height, round: effect.round, blockHash: toHex(effect.blockHash), block: effect.block, commit: effect.commit, at: this.now });
        const next = effect.height + 1;
        this.deliver(node, { type: 'startHeight', height: next, validators: this.setAt(next), timeouts: TIMEOUTS, lastValidators: this.setAt(effect.height), lastCommit: effect.commit }, 5);
        return;
      }
      case 'equivocation':
        this.equivocations.push({ node, voteA: effect.voteA, voteB: effect.voteB });
        return;
    }
  }
}

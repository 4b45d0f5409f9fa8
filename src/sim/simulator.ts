/**
 * The deterministic simulator (spec/faults.md): N validators, each the real consensus core,
 * on one virtual clock, over a simulated network with the scenario's faults. One agenda
 * ordered by (virtual time, sequence) and one seeded generator make a run a pure function of
 * (scenario, seed): the trace hash names it.
 *
 * Each validator does what the node's driver does around the core: checks signatures before a
 * message goes in, holds messages for the next height, signs through a double-sign guard that
 * survives crashes, logs its inputs (the WAL) and replays them on restart, re-gossips its own
 * messages of the current height (a real gossip layer keeps offering them until peers have
 * them, which is what liveness after a partition needs), and syncs decided blocks from a peer
 * that is ahead. Like the node, each validator also repeats its +2/3 claims to every peer on
 * its gossip rounds, and a peer that lacks the votes behind a claim asks the claimant for them
 * (spec/consensus.md, "Claims of +2/3"): that is how a polka one side saw reaches the other.
 */
import { createHash } from 'node:crypto';
import { bytesKey, toHex } from '../codec/bytes.js';
import { sha256 } from '../codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS, type TimeoutParams } from '../codec/params.js';
import { PRECOMMIT, PREVOTE, proposalSignBytes, voteSignBytes, type Commit, type Proposal, type Vote } from '../codec/vote.js';
import { describeEffect } from '../consensus/describe-effect.js';
import { createConsensusState, ownClaims, step, ValidatorSet, type ConsensusEffect, type ConsensusEvent, type ConsensusState, type Maj23Claim } from '../consensus/index.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { BulkSigner } from '../crypto/bulk-signer.js';
import { keyPairFromSeed, verify } from '../crypto/ed25519.js';
import { encode } from '../codec/schema.js';
import { Commit as CommitCodec } from '../codec/vote.js';
import { FLOOD_INTERVAL_MS, strategy, type ByzantineContext, type ByzantineStrategy } from './byzantine.js';
import { EventQueue } from './event-queue.js';
import type { SimMessage } from './messages.js';
import { SimNetwork } from './network.js';
import { Rng } from './rng.js';
import { BYZANTINE_STRATEGIES, type ByzantineStrategyName, type FaultEvent, type Scenario } from './scenario-types.js';
import { decodeSimBlock, encodeSimBlock, isTimely, type SimBlock } from './sim-block.js';
import { describeFault, downForGood, endOf, gstOf } from './fault-timeline.js';
import { forkEvidence } from './fork-evidence.js';
import { SimApp, SimLoad, type Verdict } from './sim-app.js';
import { VerifiedSignatures } from '../app/executor/verified-signatures.js';
import { EMPTY_COMMIT } from '../codec/block.js';
import { verifyCommit } from '../consensus/index.js';

export const SIM_CHAIN_ID = 'cmt-sim';
/** How often a validator offers its own messages of the current height again. */
export const GOSSIP_INTERVAL_MS = 500;
/** Pause between deciding a block and starting the next height (applying it). */
const APPLY_MS = 5;
const MAX_HELD_MESSAGES = 10_000;

export interface SimConfig {
  scenario: Scenario;
  seed: number;
  /** Stop once every correct validator that is up decided this height and the GST has passed. */
  stopAtHeight?: number;
  /** Test only: correct validators run the core with unsafeIgnoreLocks (a deliberately broken protocol). */
  brokenLocking?: boolean;
  /** Transfers in every block (default 4). */
  txsPerBlock?: number;
}

export interface SimDecision {
  height: number;
  round: number;
  blockHash: string;
  /** The application's verdict (ProcessProposal) on the decided block. */
  valid: boolean;
  /** The validator's state root after applying it (FinalizeBlock + Commit). */
  appHash: string;
  at: number;
}

export interface TimelinePoint {
  at: number;
  node: number;
  height: number;
  round: number;
  step: string;
}

export interface SimRun {
  seed: number;
  traceHash: string;
  endMs: number;
  /** When the last fault with an end healed (null: a network fault never heals). */
  gstMs: number | null;
  /** Validators crashed for good: not asked to be live. */
  down: string[];
  validators: { name: string; address: string; power: number; byzantine: ByzantineStrategyName | null }[];
  decisions: SimDecision[][];
  /** Votes correct validators signed twice with different values (must stay empty). */
  doubleSigns: { node: number; height: number; round: number; type: number }[];
  /** Validators named by the equivocation evidence correct validators collected. */
  evidence: string[];
  timeline: TimelinePoint[];
  faults: { at: number; description: string }[];
  messages: { sent: number; lost: number; junk: number };
}

interface SimNode {
  name: string;
  signer: BulkSigner;
  address: Uint8Array;
  strategy: ByzantineStrategy | null;
  core: ConsensusState;
  /** Incarnation: events queued before a crash carry the old one and are dropped. */
  epoch: number;
  up: boolean;
  pausedUntil: number;
  skewMs: number;
  /** The block store: decisions survive crashes. */
  decisions: (SimDecision & { commit: Commit; block: Uint8Array; blockTime: number })[];
  /** The application, with its state: it survives crashes too (it is on disk in a real node). */
  app: SimApp | null;
  /** ProcessProposal verdicts of the current height, by block hash. */
  verdicts: Map<string, Verdict>;
  /** Inputs of the current height, in order (the WAL): replayed after a crash. */
  wal: ConsensusEvent[];
  /** What this validator sent during the current height, per peer, offered again on each gossip round. */
  sent: { to: number; msg: SimMessage }[];
  held: SimMessage[];
  /** The double-sign guard, persisted like priv_validator_state.json. */
  signed: Map<string, string>;
}

type Item =
  | { t: 'event'; node: number; epoch: number; event: ConsensusEvent }
  | { t: 'msg'; node: number; from: number; msg: SimMessage }
  | { t: 'fault'; fault: FaultEvent; phase: 'start' | 'end' }
  | { t: 'gossip'; node: number; epoch: number }
  | { t: 'tick'; node: number; epoch: number }
  | { t: 'sync'; node: number; from: number };

export class Simulator {
  readonly nodes: SimNode[];
  private readonly queue = new EventQueue<Item>();
  private readonly rng: Rng;
  private readonly netRng: Rng;
  private readonly net: SimNetwork;
  private readonly genesis: ValidatorSet;
  private readonly sets = new Map<number, ValidatorSet>();
  private readonly timeouts: TimeoutParams;
  private readonly trace = createHash('sha256');
  private readonly verified = new Map<string, boolean>();
  private readonly correctVotes = new Map<string, string>();
  private readonly board = new Map<string, [Uint8Array, Uint8Array]>();
  private readonly load: SimLoad;
  /** Signature checks are pure: the validators share the transactions' and commits' results. */
  private readonly txSignatures = new VerifiedSignatures();
  private readonly commitChecks = new Map<string, string>();
  /** Application calls an event asked for, run in order before the next event. */
  private readonly appWork: (() => Promise<void>)[] = [];
  private readonly run: SimRun;
  now = 0;

  constructor(private readonly config: SimConfig) {
    const { scenario, seed } = config;
    this.rng = new Rng(seed);
    this.load = new SimLoad(SIM_CHAIN_ID, config.txsPerBlock ?? 4);
    this.netRng = this.rng.fork(1);
    const names = scenario.validators.map((v) => v.name);
    this.net = new SimNetwork(names, scenario.network, scenario.faults);
    this.timeouts = { ...DEFAULT_CONSENSUS_PARAMS.timeouts, ...scenario.timeouts };
    this.nodes = scenario.validators.map((v) => {
      const signer = new BulkSigner(keyPairFromSeed(sha256(new TextEncoder().encode(`sim validator ${v.name}`))));
      const chosen = v.byzantine === 'random' ? this.rng.pick(BYZANTINE_STRATEGIES) : v.byzantine;
      const address = addressFromPublicKey(signer.keyPair.publicKey);
      return {
        name: v.name,
        signer,
        address,
        strategy: chosen ? strategy(chosen) : null,
        core: createConsensusState({ chainId: SIM_CHAIN_ID, selfAddress: address, unsafeIgnoreLocks: config.brokenLocking === true && !chosen }),
        epoch: 0,
        up: true,
        pausedUntil: 0,
        skewMs: 0,
        decisions: [],
        app: null,
        verdicts: new Map(),
        wal: [],
        sent: [],
        held: [],
        signed: new Map(),
      };
    });
    this.genesis = ValidatorSet.fromGenesis(this.nodes.map((n, i) => ({ publicKey: n.signer.keyPair.publicKey, power: scenario.validators[i]?.power as number })));
    this.sets.set(1, this.genesis);
    this.run = {
      seed,
      traceHash: '',
      endMs: 0,
      gstMs: gstOf(scenario.faults),
      down: downForGood(scenario.faults),
      validators: this.nodes.map((n, i) => ({ name: n.name, address: toHex(n.address), power: scenario.validators[i]?.power as number, byzantine: n.strategy?.name ?? null })),
      decisions: this.nodes.map(() => []),
      doubleSigns: [],
      evidence: [],
      timeline: [],
      faults: [],
      messages: { sent: 0, lost: 0, junk: 0 },
    };
    for (const fault of scenario.faults) {
      this.queue.push(fault.at, { t: 'fault', fault, phase: 'start' });
      const end = endOf(fault);
      if (end !== undefined) this.queue.push(end, { t: 'fault', fault, phase: 'end' });
    }
    this.nodes.forEach((n, i) => {
      this.startNode(i, 0);
      if (n.strategy?.tick) this.queue.push(FLOOD_INTERVAL_MS, { t: 'tick', node: i, epoch: n.epoch });
    });
  }

  /** Runs to the end of the scenario (or the stop height) and returns what happened. */
  async execute(): Promise<SimRun> {
    for (const n of this.nodes) n.app = await SimApp.create(SIM_CHAIN_ID, this.genesis, this.load, this.txSignatures);
    try {
      const { durationMs } = this.config.scenario;
      while (this.queue.peekTime() <= durationMs && !this.done()) {
        const next = this.queue.pop() as { at: number; item: Item };
        this.now = next.at;
        this.handle(next.item);
        // One at a time and in order, so the run stays a function of the seed.
        for (let work = this.appWork.shift(); work; work = this.appWork.shift()) await work();
      }
    } finally {
      await Promise.all(this.nodes.map((n) => n.app?.close()));
    }
    this.run.endMs = this.now;
    for (const who of forkEvidence(this.nodes.filter((n) => n.strategy === null).map((n) => n.decisions))) {
      if (!this.run.evidence.includes(who)) this.run.evidence.push(who);
    }
    this.run.traceHash = this.trace.digest('hex');
    return this.run;
  }

  private app(n: SimNode): SimApp {
    if (!n.app) throw new Error('the simulation has not started');
    return n.app;
  }

  /** ProcessProposal as a node runs it: the block's header and application checks, then its last commit. */
  private async validate(n: SimNode, block: SimBlock | undefined, hash: Uint8Array, height: number): Promise<Verdict> {
    // After a fork a validator may have been unable to apply an earlier block: nothing builds on it then.
    if (this.app(n).height !== height - 1) return { valid: false, reason: `the application is at height ${this.app(n).height}, not ${height - 1}` };
    if (!block) return { valid: false, reason: 'does not decode' };
    const verdict = await this.app(n).check(block, hash, height);
    if (!verdict.valid) return verdict;
    if (height === 1) return block.lastCommit.signatures.length === 0 ? verdict : { valid: false, reason: 'the first block carries a last commit' };
    const previous = n.decisions[height - 2];
    if (!previous) return { valid: false, reason: 'no previous block' };
    const key = toHex(sha256(encode(CommitCodec, block.lastCommit))) + previous.blockHash;
    let problem = this.commitChecks.get(key);
    if (problem === undefined) {
      try {
        verifyCommit(SIM_CHAIN_ID, this.setAt(height - 1), height - 1, Buffer.from(previous.blockHash, 'hex'), block.lastCommit);
        problem = '';
      } catch (err) {
        problem = `invalid last commit: ${(err as Error).message}`;
      }
      this.commitChecks.set(key, problem);
    }
    return problem === '' ? verdict : { valid: false, reason: problem };
  }

  /** FinalizeBlock and Commit of a decided block on validator i; records the decision. */
  private async applyDecided(i: number, height: number, round: number, raw: Uint8Array, commit: Commit): Promise<void> {
    const n = this.nodes[i] as SimNode;
    const hash = sha256(raw);
    const block = decodeSimBlock(raw);
    const cached = n.verdicts.get(toHex(hash));
    const verdict = cached && this.app(n).height === height - 1 ? cached : await this.validate(n, block, hash, height);
    let appHash = '';
    if (block && verdict.valid) {
      appHash = toHex(await this.app(n).apply(block, hash, this.setAt(height).proposerForRound(round).address, height > 1 ? block.lastCommit : null, height > 1 ? this.setAt(height - 1) : null));
    }
    const decision = { height, round, blockHash: toHex(hash), valid: verdict.valid, appHash, at: this.now };
    n.decisions.push({ ...decision, commit, block: raw, blockTime: block?.time ?? 0 });
    n.verdicts = new Map();
    this.run.decisions[i]?.push(decision);
  }

  private done(): boolean {
    const stop = this.config.stopAtHeight;
    if (stop === undefined) return false;
    const gst = this.run.gstMs;
    if (gst === null || this.now < gst) return false;
    // Liveness is judged on a decision after GST: keep going until each correct validator made one.
    return this.nodes.every((n, i) => n.strategy !== null || this.run.down.includes(n.name) || (n.decisions.length >= stop && (this.run.decisions[i]?.at(-1)?.at ?? -1) > gst));
  }

  private log(line: string): void {
    this.trace.update(`${this.now} ${line}\n`);
  }

  private freshCore(n: SimNode): ConsensusState {
    return createConsensusState({ chainId: SIM_CHAIN_ID, selfAddress: n.address, unsafeIgnoreLocks: this.config.brokenLocking === true && n.strategy === null });
  }

  private setAt(height: number): ValidatorSet {
    let set = this.sets.get(height);
    if (!set) {
      set = this.setAt(height - 1).copyIncrementProposerPriority(1);
      this.sets.set(height, set);
    }
    return set;
  }

  // ---- the agenda ------------------------------------------------------------------------

  private handle(item: Item): void {
    switch (item.t) {
      case 'event':
        return this.onEvent(item.node, item.epoch, item.event);
      case 'msg':
        return this.onMessage(item.node, item.from, item.msg);
      case 'fault':
        return this.onFault(item.fault, item.phase);
      case 'gossip':
        return this.onGossip(item.node, item.epoch);
      case 'tick':
        return this.onTick(item.node, item.epoch);
      case 'sync':
        return this.onSync(item.node, item.from);
    }
  }

  private deliver(node: number, event: ConsensusEvent, delayMs = 0): void {
    this.queue.push(this.now + delayMs, { t: 'event', node, epoch: (this.nodes[node] as SimNode).epoch, event });
  }

  private onEvent(i: number, epoch: number, event: ConsensusEvent): void {
    const n = this.nodes[i] as SimNode;
    if (!n.up || epoch !== n.epoch) return;
    if (this.now < n.pausedUntil) {
      this.queue.push(n.pausedUntil, { t: 'event', node: i, epoch, event });
      return;
    }
    if (event.type === 'startHeight') {
      n.wal = [event];
      n.sent = [];
    } else {
      n.wal.push(event);
    }
    this.stepCore(i, event);
    if (event.type === 'startHeight') {
      const held = n.held;
      n.held = [];
      for (const msg of held) this.onMessage(i, -1, msg);
    }
  }

  private stepCore(i: number, event: ConsensusEvent): void {
    const n = this.nodes[i] as SimNode;
    n.strategy?.beforeStep?.(n.core);
    const before = `${n.core.height}/${n.core.round}/${n.core.step}`;
    for (const effect of step(n.core, event)) this.perform(i, effect);
    const after = `${n.core.height}/${n.core.round}/${n.core.step}`;
    if (after !== before) this.run.timeline.push({ at: this.now, node: i, height: n.core.height, round: n.core.round, step: n.core.step });
  }

  // ---- messages --------------------------------------------------------------------------

  private send(from: number, to: number, msg: SimMessage): void {
    this.run.messages.sent++;
    const n = this.nodes[from] as SimNode;
    if (n.core.height > 0) n.sent.push({ to, msg });
    this.transmit(from, to, msg);
  }

  /** One copy through the network (gossip resends go through here, not into `sent` again). */
  private transmit(from: number, to: number, msg: SimMessage): void {
    const arrivals = this.net.arrivals(from, to, this.now, this.netRng);
    if (arrivals.length === 0) this.run.messages.lost++;
    for (const at of arrivals) this.queue.push(at, { t: 'msg', node: to, from, msg });
  }

  private broadcast(from: number, msg: SimMessage): void {
    for (let to = 0; to < this.nodes.length; to++) if (to !== from) this.send(from, to, msg);
  }

  private signatureValid(msg: Extract<SimMessage, { kind: 'proposal' | 'vote' }>): boolean {
    const signature = msg.kind === 'proposal' ? msg.proposal.signature : msg.vote.signature;
    const key = bytesKey(signature);
    const known = this.verified.get(key);
    if (known !== undefined) return known;
    let ok: boolean;
    if (msg.kind === 'proposal') {
      const proposer = this.setAt(msg.proposal.height).proposerForRound(msg.proposal.round);
      ok = verify(proposer.publicKey, proposalSignBytes(SIM_CHAIN_ID, msg.proposal), signature);
    } else {
      const v = this.setAt(msg.vote.height).validators[msg.vote.validatorIndex];
      ok = v !== undefined && verify(v.publicKey, voteSignBytes(SIM_CHAIN_ID, msg.vote), signature);
    }
    this.verified.set(key, ok);
    return ok;
  }

  private onMessage(i: number, from: number, msg: SimMessage): void {
    const n = this.nodes[i] as SimNode;
    if (!n.up) return;
    if (this.now < n.pausedUntil) {
      this.queue.push(n.pausedUntil, { t: 'msg', node: i, from, msg });
      return;
    }
    if (msg.kind === 'maj23' || msg.kind === 'votesRequest') return this.onClaimMessage(i, from, msg);
    if (msg.kind === 'junk' || !this.signatureValid(msg)) {
      this.run.messages.junk++;
      return;
    }
    const height = msg.kind === 'proposal' ? msg.proposal.height : msg.vote.height;
    const current = n.core.height;
    const lateCommitVote = msg.kind === 'vote' && msg.vote.type === PRECOMMIT && height === current - 1;
    if (height === current || lateCommitVote) {
      this.deliver(i, msg.kind === 'proposal' ? { type: 'proposal', proposal: msg.proposal, block: msg.block } : { type: 'vote', vote: msg.vote });
      return;
    }
    if (height > current) {
      if (n.held.length < MAX_HELD_MESSAGES) n.held.push(msg);
      // A peer is at a later height: it decided blocks this validator has not.
      if (from >= 0 && (this.nodes[from] as SimNode).decisions.length >= current) this.requestSync(i, from);
    }
  }

  /**
   * A claim is noted (the core then keeps conflicting votes for its block), and if this
   * validator lacks +2/3 for that block it asks the claimant for the votes; a request is
   * answered with the votes that count for the block, each as a vote message. Claims for other
   * heights are dropped: the claimant repeats them.
   */
  private onClaimMessage(i: number, from: number, msg: Extract<SimMessage, { kind: 'maj23' | 'votesRequest' }>): void {
    const n = this.nodes[i] as SimNode;
    const { height, round, voteType, blockHash } = msg.claim;
    if (height !== n.core.height || !n.core.votes || from < 0) return;
    const set = voteType === PREVOTE ? n.core.votes.prevotes(round) : n.core.votes.precommits(round);
    if (msg.kind === 'votesRequest') {
      for (const vote of set.votesFor(blockHash)) this.transmitCounted(i, from, { kind: 'vote', vote });
      return;
    }
    if (round > n.core.round) return;
    this.deliver(i, { type: 'maj23Claim', peer: String(from), height, round, voteType, blockHash });
    if (!set.hasTwoThirdsFor(blockHash)) this.transmitCounted(i, from, { kind: 'votesRequest', claim: msg.claim });
  }

  private transmitCounted(from: number, to: number, msg: SimMessage): void {
    this.run.messages.sent++;
    this.transmit(from, to, msg);
  }

  private onGossip(i: number, epoch: number): void {
    const n = this.nodes[i] as SimNode;
    if (!n.up || epoch !== n.epoch) return;
    this.queue.push(this.now + GOSSIP_INTERVAL_MS, { t: 'gossip', node: i, epoch });
    if (this.now < n.pausedUntil) return;
    for (const { to, msg } of n.sent) this.transmit(i, to, msg);
    const claims: Maj23Claim[] = ownClaims(n.core);
    for (const claim of claims) {
      for (let to = 0; to < this.nodes.length; to++) if (to !== i) this.transmitCounted(i, to, { kind: 'maj23', claim });
    }
  }

  private onTick(i: number, epoch: number): void {
    const n = this.nodes[i] as SimNode;
    if (!n.up || epoch !== n.epoch) return;
    this.queue.push(this.now + FLOOD_INTERVAL_MS, { t: 'tick', node: i, epoch });
    if (this.now >= n.pausedUntil) n.strategy?.tick?.(this.byzantineContext(i), n.core.height);
  }

  // ---- block sync ------------------------------------------------------------------------

  private requestSync(i: number, from: number): void {
    // The request and the answer each cross the network; either may be lost (the next message from an ahead peer asks again).
    const there = this.net.arrivals(i, from, this.now, this.netRng)[0];
    if (there === undefined) return;
    const back = this.net.arrivals(from, i, there, this.netRng)[0];
    if (back !== undefined) this.queue.push(back, { t: 'sync', node: i, from });
  }

  private onSync(i: number, from: number): void {
    const n = this.nodes[i] as SimNode;
    const peer = this.nodes[from] as SimNode;
    if (!n.up || this.now < n.pausedUntil) return;
    const have = n.decisions.length;
    if (peer.decisions.length <= have || n.core.height > peer.decisions.length) return;
    const missing = peer.decisions.slice(have);
    n.epoch++;
    this.appWork.push(async () => {
      for (const d of missing) {
        this.log(`${i} synced ${d.height} ${d.blockHash}`);
        await this.applyDecided(i, d.height, d.round, d.block, d.commit);
      }
      const last = missing[missing.length - 1] as SimNode['decisions'][number];
      n.core = this.freshCore(n);
      this.startHeightEvent(i, last.height + 1, last.commit);
      this.queue.push(this.now + GOSSIP_INTERVAL_MS, { t: 'gossip', node: i, epoch: n.epoch });
    });
  }

  // ---- faults ----------------------------------------------------------------------------

  private nodeNamed(name: string): number {
    return this.nodes.findIndex((n) => n.name === name);
  }

  private onFault(fault: FaultEvent, phase: 'start' | 'end'): void {
    const description = `${phase} ${describeFault(fault)}`;
    this.run.faults.push({ at: this.now, description });
    this.log(`fault ${description}`);
    switch (fault.type) {
      case 'crash': {
        const i = this.nodeNamed(fault.node);
        const n = this.nodes[i] as SimNode;
        if (phase === 'start') {
          n.up = false;
          n.epoch++;
          n.held = [];
        } else {
          this.restart(i);
        }
        return;
      }
      case 'pause':
        if (phase === 'start') (this.nodes[this.nodeNamed(fault.node)] as SimNode).pausedUntil = fault.until;
        return;
      case 'clockSkew':
        (this.nodes[this.nodeNamed(fault.node)] as SimNode).skewMs = fault.skewMs;
        return;
      default:
        // Partitions, links and network windows are read by SimNetwork at each send.
        return;
    }
  }

  /** A crashed validator comes back: its core is rebuilt by replaying the WAL of its current height. */
  private restart(i: number): void {
    const n = this.nodes[i] as SimNode;
    n.up = true;
    n.epoch++;
    n.core = this.freshCore(n);
    const wal = n.wal;
    const walHeight = wal[0]?.type === 'startHeight' ? wal[0].height : 0;
    if (walHeight === n.decisions.length + 1) {
      n.wal = [];
      for (const event of wal) this.onEvent(i, n.epoch, event);
    } else {
      const last = n.decisions[n.decisions.length - 1];
      this.startHeightEvent(i, n.decisions.length + 1, last?.commit ?? null);
    }
    this.queue.push(this.now + GOSSIP_INTERVAL_MS, { t: 'gossip', node: i, epoch: n.epoch });
    if (n.strategy?.tick) this.queue.push(this.now + FLOOD_INTERVAL_MS, { t: 'tick', node: i, epoch: n.epoch });
  }

  private startNode(i: number, at: number): void {
    this.startHeightEvent(i, 1, null, at);
    this.queue.push(at + GOSSIP_INTERVAL_MS, { t: 'gossip', node: i, epoch: (this.nodes[i] as SimNode).epoch });
  }

  private startHeightEvent(i: number, height: number, lastCommit: Commit | null, at = this.now): void {
    const event: ConsensusEvent = {
      type: 'startHeight',
      height,
      validators: this.setAt(height),
      timeouts: this.timeouts,
      lastValidators: height > 1 ? this.setAt(height - 1) : null,
      lastCommit,
    };
    this.queue.push(at, { t: 'event', node: i, epoch: (this.nodes[i] as SimNode).epoch, event });
  }

  // ---- effects ---------------------------------------------------------------------------

  private buildBlock(i: number, height: number, round: number, lastCommit: Commit | null, options: { salt?: number; valid?: boolean } = {}): Uint8Array {
    const n = this.nodes[i] as SimNode;
    const previous = n.decisions[n.decisions.length - 1];
    const time = Math.max(this.now + n.skewMs, (previous?.blockTime ?? 0) + 1);
    const valid = options.valid ?? n.strategy?.validBlocks ?? true;
    // An invalid proposal carries a transaction that does not decode: the application refuses it.
    const txs = valid ? this.load.txsFor(height) : [Uint8Array.of(0xc3, 0x01, 0x02)];
    return encodeSimBlock({ height, round, proposer: i, time, appHash: this.app(n).appHash, salt: options.salt ?? 0, txs, lastCommit: lastCommit ?? EMPTY_COMMIT });
  }

  private signVote(n: SimNode, unsigned: Pick<Vote, 'type' | 'height' | 'round' | 'blockHash'>): Vote {
    return {
      ...unsigned,
      validatorAddress: n.address,
      validatorIndex: this.setAt(unsigned.height).indexOf(n.address),
      signature: n.signer.sign(voteSignBytes(SIM_CHAIN_ID, unsigned)),
    };
  }

  private byzantineContext(i: number): ByzantineContext {
    const n = this.nodes[i] as SimNode;
    return {
      self: i,
      peers: this.nodes.map((_, j) => j).filter((j) => j !== i),
      board: this.board,
      rng: this.rng,
      send: (to, msg) => this.send(i, to, msg),
      signProposal: (unsigned) => ({ ...unsigned, signature: n.signer.sign(proposalSignBytes(SIM_CHAIN_ID, unsigned)) }),
      signVote: (unsigned) => this.signVote(n, unsigned),
      buildBlock: (height, round, options) => this.buildBlock(i, height, round, n.decisions[n.decisions.length - 1]?.commit ?? null, options),
    };
  }

  private perform(i: number, effect: ConsensusEffect): void {
    const n = this.nodes[i] as SimNode;
    this.log(`${i} ${describeEffect(effect)}`);
    switch (effect.type) {
      case 'scheduleTimeout':
        this.deliver(i, { type: 'timeout', height: effect.height, round: effect.round, step: effect.step }, effect.durationMs);
        return;
      case 'buildProposal': {
        const block = this.buildBlock(i, effect.height, effect.round, effect.lastCommit);
        this.deliver(i, { type: 'proposalBuilt', height: effect.height, round: effect.round, block, blockHash: sha256(block) });
        return;
      }
      case 'signProposal': {
        const guard = `${effect.height}/${effect.round}/proposal`;
        const hash = toHex(effect.blockHash);
        if (n.strategy === null && n.signed.has(guard) && n.signed.get(guard) !== hash) return;
        n.signed.set(guard, hash);
        const unsigned = { height: effect.height, round: effect.round, polRound: effect.polRound, blockHash: effect.blockHash };
        const proposal: Proposal = { ...unsigned, signature: n.signer.sign(proposalSignBytes(SIM_CHAIN_ID, unsigned)) };
        this.deliver(i, { type: 'proposal', proposal, block: effect.block });
        if (!n.strategy?.sendProposal?.(this.byzantineContext(i), proposal, effect.block)) this.broadcast(i, { kind: 'proposal', proposal, block: effect.block });
        return;
      }
      case 'signVote': {
        const guard = `${effect.height}/${effect.round}/${effect.voteType}`;
        const hash = toHex(effect.blockHash);
        if (n.strategy === null) {
          // The guard of priv_validator_state: never sign a second, different vote.
          if (n.signed.has(guard) && n.signed.get(guard) !== hash) return;
          const seen = this.correctVotes.get(`${i}/${guard}`);
          if (seen !== undefined && seen !== hash) this.run.doubleSigns.push({ node: i, height: effect.height, round: effect.round, type: effect.voteType });
          this.correctVotes.set(`${i}/${guard}`, hash);
        }
        n.signed.set(guard, hash);
        const vote = this.signVote(n, { type: effect.voteType, height: effect.height, round: effect.round, blockHash: effect.blockHash });
        this.deliver(i, { type: 'vote', vote });
        if (!n.strategy?.sendVote?.(this.byzantineContext(i), vote)) this.broadcast(i, { kind: 'vote', vote });
        return;
      }
      case 'validateProposal': {
        const { height, round, blockHash, block } = effect;
        this.appWork.push(async () => {
          const decoded = decodeSimBlock(block);
          const verdict = await this.validate(n, decoded, blockHash, height);
          n.verdicts.set(toHex(blockHash), verdict);
          // The clock judges only whether to prevote a new proposal; the verdict kept for a decision never depends on it.
          const timely = decoded === undefined || isTimely(decoded.time, this.now + n.skewMs);
          this.deliver(i, { type: 'proposalValidated', height, round, blockHash, valid: verdict.valid, timely }, 1);
        });
        return;
      }
      case 'decide': {
        const { height, round, block, commit } = effect;
        this.appWork.push(async () => {
          await this.applyDecided(i, height, round, block, commit);
          this.startHeightEvent(i, height + 1, commit, this.now + APPLY_MS);
        });
        return;
      }
      case 'equivocation':
        if (n.strategy === null) {
          const who = toHex(effect.voteA.validatorAddress);
          if (!this.run.evidence.includes(who)) this.run.evidence.push(who);
        }
        return;
    }
  }
}

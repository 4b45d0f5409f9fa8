/**
 * The deterministic simulator (spec/faults.md): N validators, each the real node — the driver,
 * the WAL, the priv-validator, the block executor, the app, the mempool, the evidence pool and
 * the reactors (src/node/node-parts.ts) — on one virtual clock, over a simulated network that
 * gossips like libp2p (sim-gossip.ts), with the scenario's faults. Stores live in memory and
 * survive a crash; the WAL and the sign state live on a MemoryDisk whose fsyncs take virtual
 * time, and a crash loses what was not synced. One agenda ordered by (virtual time, sequence)
 * and one seeded generator make a run a pure function of (scenario, seed): after each agenda
 * item the simulator lets every promise it started settle before time moves (nothing in a
 * simulated node waits on real I/O), and the trace hash names the run.
 *
 * The checkers' inputs are observed, never taken from the node's own bookkeeping: decisions
 * from each node's block events with its own verdict on the block, and the votes of correct
 * validators as they leave a node on the wire (before any guard), for the double-sign check.
 */
import { createHash } from 'node:crypto';
import { setImmediate as settle } from 'node:timers/promises';
import { toHex } from '../codec/bytes.js';
import { decodeVote, type Evidence, type Proposal, type Vote } from '../codec/vote.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import { decodeProposalMessage } from '../codec/gossip.js';
import { describeEffect } from '../consensus/describe-effect.js';
import { InlineVerifier } from '../app/executor/signature-verifier.js';
import { SequentialExecutor } from '../app/executor/tx-executor.js';
import { VerifiedSignatures } from '../app/executor/verified-signatures.js';
import { loadContractRuntime } from '../app/contracts/runtime.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { BulkSigner } from '../crypto/bulk-signer.js';
import { ONE_CMT } from '../codec/amount.js';
import { memoizeVerification, type KeyPair } from '../crypto/ed25519.js';
import type { Commit } from '../codec/vote.js';
import { strategy as strategyNamed, type ByzantineStrategy } from '../node/byzantine.js';
import { silentLogger } from '../node/logger.js';
import { topicsFor } from '../node/network.js';
import { NodeParts } from '../node/node-parts.js';
import { PrivValidator, unsafeSignerOptions } from '../node/priv-validator.js';
import { Wal } from '../node/wal.js';
import type { Clock, Timer } from '../runtime/clock.js';
import { MemoryDisk } from '../runtime/memory-disk.js';
import { openMemoryLevel as openMemoryStateLevel, type StateLevel } from '../state/load.js';
import { StateStore } from '../state/store.js';
import { BlockStore } from '../store/block-store.js';
import { openMemoryLevel, type BytesLevel } from '../store/level.js';
import { EventQueue } from './event-queue.js';
import { describeFault, downForGood, endOf, gstOf } from './fault-timeline.js';
import { forkEvidence } from './fork-evidence.js';
import { SimLoad } from './load.js';
import { SimNetwork } from './network.js';
import { Rng } from './rng.js';
import type { SimDecision, SimRun } from './run-types.js';
import type { FaultEvent, Scenario, ScenarioDelegation } from './scenario-types.js';
import { strategiesOf } from './strategies.js';
import { GossipHub } from './sim-gossip.js';
import { VoteWatch } from './vote-watch.js';
import { delegatorKey, MIN_GAS_PRICE, ownerKey, SIM_CHAIN_ID, simGenesis, validatorKey } from './sim-genesis.js';
import type { GenesisDoc } from '../node/genesis.js';
import { mutationsOf, type MutationName, type MutationSet } from '../consensus/mutations.js';

export type { SimDecision, SimRun, TimelinePoint } from './run-types.js';
export { SIM_CHAIN_ID } from './sim-genesis.js';

/** How long an fsync takes on a simulated disk: a crash can fall between a write and its completion. */
export const FSYNC_MS = 1;
/** How often the load hands the validators a batch of transfers. */
export const LOAD_INTERVAL_MS = 250;
const DATA_DIR = '/data';
const WAL_DIR = `${DATA_DIR}/cs.wal`;
const SIGN_STATE = `${DATA_DIR}/priv_validator_state.json`;

export interface SimConfig {
  scenario: Scenario;
  seed: number;
  /** Stop once every correct validator that is up decided this height and the GST has passed. */
  stopAtHeight?: number;
  /**
   * Correct validators run with this deliberate bug (src/consensus/mutations.ts), or these
   * together (tests: sign-without-state with broadcast-before-wal breaks both layers of
   * double-sign safety). Byzantine validators never get it.
   */
  mutation?: MutationName | MutationSet;
  /** Transfers handed to the validators every LOAD_INTERVAL_MS (default 4). */
  txsPerBlock?: number;
  /**
   * Test only: decides when a consensus message sent on a link arrives, in place of the link
   * model (return undefined to leave it to the model). Sees every copy, relays included.
   */
  intercept?: (m: InterceptedMessage) => number[] | undefined;
  /** Keep every effect each validator's driver carried out in `effectLog` ("<ms> <node> <effect>"). */
  recordEffects?: boolean;
}

export interface InterceptedMessage {
  from: number;
  to: number;
  now: number;
  /** What the link model would do: the arrival times of the copies. */
  arrivals: number[];
  proposal?: Proposal;
  vote?: Vote;
}

interface Recorded extends SimDecision {
  commit: Commit;
}

/** A validator: what survives its crashes (stores, disk, decisions) and its current incarnation. */
interface SimNode {
  name: string;
  key: KeyPair;
  address: Uint8Array;
  strategy: ByzantineStrategy | null;
  stateDb: StateLevel;
  blockDb: BytesLevel;
  disk: MemoryDisk;
  /** Incarnation: agenda items of an earlier one are dropped. */
  epoch: number;
  up: boolean;
  pausedUntil: number;
  skewMs: number;
  parts: NodeParts | null;
  decisions: Recorded[];
  verdicts: Map<string, boolean>;
  /** Where its core was after its last agenda item (null: not running). */
  position: { height: number; round: number; step: string } | null;
}

type Item =
  | { kind: 'node'; node: number; epoch: number; run: () => void }
  | { kind: 'fault'; fault: FaultEvent; phase: 'start' | 'end' }
  | { kind: 'load' }
  | { kind: 'delegation'; index: number; delegation: ScenarioDelegation };

export class Simulator {
  readonly nodes: SimNode[];
  private readonly queue = new EventQueue<Item>();
  private readonly rng: Rng;
  private readonly netRng: Rng;
  private readonly links: SimNetwork;
  private readonly hub: GossipHub;
  private readonly genesis: GenesisDoc;
  private readonly load: SimLoad;
  private readonly trace = createHash('sha256');
  /** Signature checks are pure: the validators share the transactions' results, as one machine's cache would. */
  private readonly signatures = new VerifiedSignatures();
  private readonly board = new Map<string, [Uint8Array, Uint8Array]>();
  /** Votes as they leave a node: the same watch the chaos runner keeps on real gossip. */
  private wire!: VoteWatch;
  private readonly voteTopic: string;
  private readonly proposalTopic: string;
  private readonly run: SimRun;
  private fatal: unknown = null;
  /** The highest height whose set and evidence are in the run. */
  private recordedHeight = 0;
  now = 0;

  constructor(private readonly config: SimConfig) {
    const { scenario, seed } = config;
    this.rng = new Rng(seed);
    this.netRng = this.rng.fork(1);
    this.load = new SimLoad(SIM_CHAIN_ID, config.txsPerBlock ?? 4);
    this.genesis = simGenesis(scenario, this.load.accounts);
    this.voteTopic = topicsFor(SIM_CHAIN_ID).vote;
    this.proposalTopic = topicsFor(SIM_CHAIN_ID).proposal;
    const names = scenario.validators.map((v) => v.name);
    this.links = new SimNetwork(names, scenario.network, scenario.faults);
    this.hub = new GossipHub(
      {
        arrivals: (from, to, gossip) => this.arrivals(from, to, gossip),
        schedule: (at, node, epoch, run) => this.queue.push(at, { kind: 'node', node, epoch, run }),
        epochOf: (node) => (this.nodes[node] as SimNode).epoch,
      },
      names,
    );
    this.hub.onOriginate = (_from, topic, data) => this.onWire(topic, data);
    const strategies = strategiesOf(scenario, seed);
    this.nodes = scenario.validators.map((v, i) => {
      const chosen = strategies[i] ?? null;
      const key = validatorKey(v.name);
      const address = addressFromPublicKey(key.publicKey);
      return {
        name: v.name,
        key,
        address,
        strategy: chosen ? strategyNamed(chosen) : null,
        stateDb: null as unknown as StateLevel,
        blockDb: null as unknown as BytesLevel,
        disk: new MemoryDisk({ clock: this.diskClock(i), syncMs: FSYNC_MS }),
        epoch: 0,
        up: true,
        pausedUntil: 0,
        skewMs: 0,
        parts: null,
        decisions: [],
        verdicts: new Map(),
        position: null,
      };
    });
    this.wire = new VoteWatch(
      SIM_CHAIN_ID,
      this.nodes.map((n) => ({ name: n.name, publicKey: n.key.publicKey, correct: n.strategy === null })),
    );
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
      validatorSets: [],
      committedEvidence: [],
    };
    (scenario.delegations ?? []).forEach((delegation, index) => this.queue.push(delegation.at, { kind: 'delegation', index, delegation }));
    for (const fault of scenario.faults) {
      this.queue.push(fault.at, { kind: 'fault', fault, phase: 'start' });
      const end = endOf(fault);
      if (end !== undefined) this.queue.push(end, { kind: 'fault', fault, phase: 'end' });
    }
    this.queue.push(LOAD_INTERVAL_MS, { kind: 'load' });
  }

  /** Runs to the end of the scenario (or the stop height) and returns what happened. */
  async execute(): Promise<SimRun> {
    // Real I/O happens here, before virtual time starts: the contract engine's WebAssembly.
    await loadContractRuntime();
    memoizeVerification();
    for (const n of this.nodes) {
      n.stateDb = await openMemoryStateLevel();
      n.blockDb = await openMemoryLevel();
    }
    this.nodes.forEach((_, i) => this.boot(i));
    await settle();
    const { durationMs } = this.config.scenario;
    while (this.queue.peekTime() <= durationMs && !this.done()) {
      const next = this.queue.pop() as { at: number; item: Item };
      this.now = next.at;
      this.handle(next.item);
      // Every promise the item started settles before time moves: the run stays a function of the seed.
      await settle();
      if (this.fatal) throw this.fatal;
    }
    this.run.endMs = this.now;
    const stats = this.hub.stats;
    this.run.messages = { sent: stats.sent, lost: stats.lost, junk: stats.junk, bans: stats.bans };
    this.run.doubleSigns = [...this.wire.doubleSigns];
    this.run.votes = this.wire.records;
    for (const who of forkEvidence(this.nodes.filter((n) => n.strategy === null).map((n) => n.decisions))) {
      if (!this.run.evidence.includes(who)) this.run.evidence.push(who);
    }
    this.run.traceHash = this.trace.digest('hex');
    return this.run;
  }

  /** Every effect of every validator, when config.recordEffects. */
  readonly effectLog: string[] = [];

  private arrivals(from: number, to: number, gossip?: { topic: string; data: Uint8Array }): number[] {
    const modelled = this.links.arrivals(from, to, this.now, this.netRng);
    const intercept = this.config.intercept;
    if (!intercept || !gossip) return modelled;
    const message: InterceptedMessage = { from, to, now: this.now, arrivals: modelled };
    try {
      if (gossip.topic === this.voteTopic) message.vote = decodeVote(gossip.data);
      else if (gossip.topic === this.proposalTopic) message.proposal = decodeProposalMessage(gossip.data).proposal;
    } catch {
      return modelled;
    }
    return intercept(message) ?? modelled;
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

  // ---- time ------------------------------------------------------------------------------

  /**
   * The clock node i's disk completes fsyncs on: the incarnation's of the moment, so a paused
   * process learns of an fsync only when it resumes, and a crashed one never does.
   */
  private diskClock(i: number): Clock {
    return { now: () => this.now, after: (ms, fn) => this.clockFor(i, (this.nodes[i] as SimNode).epoch).after(ms, fn) };
  }

  /** The clock of one incarnation of node i: its skew on top of virtual time; timers die with the incarnation. */
  private clockFor(i: number, epoch: number): Clock {
    const n = this.nodes[i] as SimNode;
    return {
      now: () => this.now + n.skewMs,
      after: (ms, fn): Timer => {
        let cancelled = false;
        this.queue.push(this.now + Math.max(0, ms), { kind: 'node', node: i, epoch, run: () => void (cancelled || fn()) });
        return { cancel: () => void (cancelled = true) };
      },
    };
  }

  private handle(item: Item): void {
    switch (item.kind) {
      case 'fault':
        return this.onFault(item.fault, item.phase);
      case 'load':
        return this.onLoad();
      case 'delegation':
        return this.onDelegation(item.index, item.delegation);
      case 'node': {
        const n = this.nodes[item.node] as SimNode;
        if (!n.up || item.epoch !== n.epoch) return;
        // A paused process runs nothing: what reaches it waits until it resumes.
        if (this.now < n.pausedUntil) return this.queue.push(n.pausedUntil, item);
        item.run();
        this.notePosition(item.node);
        return;
      }
    }
  }

  private notePosition(i: number): void {
    const n = this.nodes[i] as SimNode;
    const core = n.parts?.driver.consensusState;
    if (!core) return;
    // Runs after every agenda item: compared field by field, no string built for an unchanged position.
    const last = n.position;
    if (last && last.height === core.height && last.round === core.round && last.step === core.step) return;
    n.position = { height: core.height, round: core.round, step: core.step };
    this.run.timeline.push({ at: this.now, node: i, height: core.height, round: core.round, step: core.step });
  }

  // ---- nodes -----------------------------------------------------------------------------

  /** Starts an incarnation of node i on its stores and disk: the real node's start-up, handshake and WAL replay included. */
  private boot(i: number): void {
    const n = this.nodes[i] as SimNode;
    const epoch = n.epoch;
    const clock = this.clockFor(i, epoch);
    const mutations = n.strategy === null ? mutationsOf(this.config.mutation) : [];
    const start = async (): Promise<void> => {
      const logger = silentLogger();
      const stateStore = await StateStore.openInMemory({ keepRecent: 2, db: n.stateDb });
      const blockStore = await BlockStore.openInMemory(n.blockDb);
      await n.disk.mkdirDurably(DATA_DIR);
      const wal = await Wal.open(WAL_DIR, logger, { disk: n.disk });
      const privValidator = await PrivValidator.create(n.key, SIGN_STATE, { disk: n.disk, ...unsafeSignerOptions(mutations) });
      const parts = await NodeParts.assemble(
        { clock, logger, stateStore, blockStore, wal, privValidator, verifier: new InlineVerifier(), txExecutor: new SequentialExecutor(), signatures: this.signatures, soon: (fn) => clock.after(0, fn) },
        {
          genesis: this.genesis,
          mempool: { maxTxs: 10_000, maxBytes: 64 * 1024 * 1024, cacheSize: 10_000 },
          dataDir: `sim:${n.name}`,
          onFatal: (err) => {
            if (n.epoch === epoch) this.fatal ??= err;
          },
          ...(mutations.length > 0 ? { unsafeMutations: mutations } : {}),
          observe: {
            verdict: (hash, reason) => n.verdicts.set(toHex(hash), reason === null),
            effect: (effect) => {
              const line = `${i} ${describeEffect(effect)}`;
              this.log(line);
              if (this.config.recordEffects) this.effectLog.push(`${this.now} ${line}`);
            },
            equivocation: (a) => {
              const who = toHex(a.validatorAddress);
              if (n.strategy === null && !this.run.evidence.includes(who)) this.run.evidence.push(who);
            },
          },
        },
      );
      if (n.epoch !== epoch || !n.up) return;
      const port = this.hub.attach(i, clock);
      parts.connect(port);
      if (n.strategy) parts.turnByzantine(port, { strategy: n.strategy, key: n.key, int: (k) => this.rng.int(k), board: this.board });
      parts.events.on('newBlock', (e) => {
        this.onDecided(i, e.block.header.height, e.commit.round, e.hash, e.response.appHash, e.commit);
        if (n.strategy === null) this.noteStaking(e.block.header.height, e.block.evidence, parts.chainState.lastValidators);
      });
      n.parts = parts;
      await parts.start();
    };
    start().catch((err: unknown) => {
      if (n.epoch === epoch) this.fatal ??= err;
    });
  }

  private onDecided(i: number, height: number, round: number, hash: Uint8Array, appHash: Uint8Array, commit: Commit): void {
    const n = this.nodes[i] as SimNode;
    const blockHash = toHex(hash);
    const decision = { height, round, blockHash, valid: n.verdicts.get(blockHash) ?? false, appHash: toHex(appHash), at: this.now };
    n.decisions.push({ ...decision, commit });
    n.verdicts.clear();
    this.run.decisions[i]?.push(decision);
    this.log(`${i} decided ${height}/${round} ${blockHash}`);
  }

  /** The set that signed `height` (where it changed) and the evidence its block committed, from the first correct validator to decide it. */
  private noteStaking(height: number, evidence: readonly Evidence[], signers: ValidatorSet | null): void {
    const sets = this.run.validatorSets as NonNullable<SimRun['validatorSets']>;
    if (height <= this.recordedHeight) return;
    this.recordedHeight = height;
    if (signers) {
      const powers = Object.fromEntries(signers.validators.map((v) => [toHex(v.address), v.power]));
      const last = sets.at(-1);
      if (!last || JSON.stringify(last.powers) !== JSON.stringify(powers)) sets.push({ height, powers });
    }
    for (const e of evidence) this.run.committedEvidence?.push({ height, validator: toHex(e.voteA.validatorAddress) });
  }

  /** A vote leaving node `from`: two different ones signed by a correct validator for one height, round and type is a double sign. */
  private onWire(topic: string, data: Uint8Array): void {
    if (topic === this.voteTopic) this.wire.vote(data, this.now);
  }

  /** The scenario's delegator bonds to a validator: a real staking transaction, to every validator that is up. */
  private onDelegation(index: number, d: ScenarioDelegation): void {
    const signer = new BulkSigner(delegatorKey());
    const candidate = addressFromPublicKey(ownerKey(d.to).publicKey);
    const tx = signer.signTx({ chainId: SIM_CHAIN_ID, nonce: index, gasLimit: 1_000_000, gasPrice: MIN_GAS_PRICE, memo: '', msg: { type: 'delegate', candidate, amount: BigInt(d.amount) * ONE_CMT } }).bytes;
    this.log(`delegation ${index} ${d.amount} to ${d.to}`);
    for (const n of this.nodes) if (n.up && n.parts && this.now >= n.pausedUntil) void n.parts.mempool.add(tx);
  }

  private onLoad(): void {
    this.queue.push(this.now + LOAD_INTERVAL_MS, { kind: 'load' });
    const txs = this.load.batch();
    for (const n of this.nodes) {
      const parts = n.parts;
      if (!n.up || !parts || this.now < n.pausedUntil) continue;
      for (const tx of txs) void parts.mempool.add(tx);
    }
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
          // The process dies: its timers and in-flight work with it, and the disk keeps only what was synced.
          n.up = false;
          n.epoch++;
          void n.parts?.stop();
          n.parts = null;
          n.position = null;
          this.hub.detach(i);
          n.disk = n.disk.crash();
        } else {
          n.up = true;
          n.epoch++;
          this.boot(i);
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
        // Partitions, links and network windows are read by the link model at each send.
        return;
    }
  }
}

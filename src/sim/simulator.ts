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
import type { Evidence, Proposal, Vote } from '../codec/vote.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
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
import { backupSignState, damageWal, restoreSignState } from './disk-damage.js';
import { plannedEnd, triggerMatches } from './fault-triggers.js';
import { NodeTime } from './node-time.js';
import { CmtError } from '../codec/errors.js';
import { forkEvidence } from './fork-evidence.js';
import { CoreNotes } from './core-notes.js';
import { SimLoad } from './load.js';
import { SimNetwork } from './network.js';
import { MessageInfo } from './message-info.js';
import { Rng } from './rng.js';
import type { SimDecision, SimRun, SimRunValidator } from './run-types.js';
import type { FaultEvent, Scenario, ScenarioDelegation } from './scenario-types.js';
import { strategiesOf } from './strategies.js';
import { GossipHub } from './sim-gossip.js';
import { streamArrival } from './stream-crossing.js';
import { VoteWatch } from './vote-watch.js';
import { delegatorKey, derivedKey, MIN_GAS_PRICE, ownerKey, SIM_CHAIN_ID, simGenesis, validatorKey } from './sim-genesis.js';
import type { GenesisDoc } from '../node/genesis.js';
import { mutationsOf, type MutationName, type MutationSet } from '../consensus/mutations.js';

export type { SimDecision, SimRun, TimelinePoint } from './run-types.js';
export { SIM_CHAIN_ID } from './sim-genesis.js';

/** How long an fsync takes on a simulated disk: a crash can fall between a write and its completion. */
export const FSYNC_MS = 1;
/** How often the load hands the validators a batch of transfers. */
export const LOAD_INTERVAL_MS = 250;
/** The default load: 4 transfers every LOAD_INTERVAL_MS. */
export const DEFAULT_TXS_PER_SECOND = 16;
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
  /** Transfers handed to the validators every LOAD_INTERVAL_MS, over the scenario's `load` (tests: 0 for none). */
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

/** A node (a validator, a twin or a full node): what survives its crashes (stores, disk, decisions) and its current incarnation. */
interface SimNode {
  name: string;
  /** A validator's own key or, for a twin, its validator's; a full node's key only names it (it signs nothing). */
  key: KeyPair;
  address: Uint8Array;
  /** 'validator' signs with `key`; 'twin' signs with its validator's key from its own disk; 'full' has no signer. */
  role: 'validator' | 'twin' | 'full';
  /** Whose key it signs with (a validator index), -1 for a full node. */
  signsAs: number;
  /** False for a Byzantine strategy, a twin, and a validator that has a twin: the checkers do not judge them. */
  correct: boolean;
  strategy: ByzantineStrategy | null;
  stateDb: StateLevel;
  blockDb: BytesLevel;
  disk: MemoryDisk;
  /** Incarnation: agenda items of an earlier one are dropped. */
  epoch: number;
  up: boolean;
  /** Its process was started (false until its `startAt`). */
  started: boolean;
  pausedUntil: number;
  /** Its clock: skew and drift over virtual time. */
  time: NodeTime;
  /** How long each fsync on its disk takes now (slowDisk). */
  fsyncMs: number;
  /** How long each agenda item occupies it now (slowCpu), and until when it is busy. */
  cpuMs: number;
  busyUntil: number;
  /** Sign-state backups by fault index (only for crashes whose disk damage asks for one). */
  backups: Map<number, Uint8Array | null>;
  parts: NodeParts | null;
  decisions: Recorded[];
  verdicts: Map<string, boolean>;
  /** Where its core was after its last agenda item (null: not running). */
  position: { height: number; round: number; step: string } | null;
}

type Item =
  | { kind: 'node'; node: number; epoch: number; run: () => void }
  /** 'arm': a triggered fault starts watching positions; 'start'/'end' apply it. */
  | { kind: 'fault'; index: number; phase: 'arm' | 'start' | 'end' }
  | { kind: 'boot'; node: number }
  | { kind: 'backup'; node: number; index: number }
  | { kind: 'load' }
  | { kind: 'delegation'; index: number; delegation: ScenarioDelegation };

export class Simulator {
  readonly nodes: SimNode[];
  private readonly queue = new EventQueue<Item>();
  private readonly rng: Rng;
  private readonly netRng: Rng;
  private readonly links: SimNetwork;
  /** The simulated network; its stats count crossings, bytes and requests per protocol (the speed tests read them). */
  readonly hub: GossipHub;
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
  /** Locks and proposals for the timeline (core-notes.ts). */
  private readonly notes: CoreNotes;
  private fatal: unknown = null;
  /** The highest height whose set and evidence are in the run. */
  private recordedHeight = 0;
  /** Triggered faults armed and waiting for their position, by index; and how many are not armed yet. */
  private readonly armed: number[] = [];
  private unarmed = 0;
  /** GST as applied so far, kept between the faults' starts and ends (done() asks after every item). */
  private gstNow: { value: number | null } | null = null;
  /** Faults applied so far (`SimRun.appliedFaults`). */
  private readonly applied: { at: number; phase: 'start' | 'end'; index: number }[] = [];
  /** The latest join of a node that starts late: it bounds GST as a restart does. */
  private lastJoin = 0;
  /** Consensus messages decoded once, where they leave their author: only when a fault or a test looks at them. */
  private readonly decoded: MessageInfo | null;
  private readonly signerIndex = new Map<string, number>();
  /** Nodes that would not start (a damaged WAL, a sign state it cannot read): down, with the reason. */
  private readonly refused: { at: number; node: string; reason: string }[] = [];
  private delegationNonce = 0;
  private loadSent = 0;
  private readonly loadRate: number;
  now = 0;

  constructor(private readonly config: SimConfig) {
    const { scenario, seed } = config;
    this.rng = new Rng(seed);
    this.netRng = this.rng.fork(1);
    this.load = new SimLoad(SIM_CHAIN_ID, scenario.load?.memoBytes ?? 0);
    this.loadRate = config.txsPerBlock !== undefined ? (config.txsPerBlock * 1000) / LOAD_INTERVAL_MS : (scenario.load?.txsPerSecond ?? DEFAULT_TXS_PER_SECOND);
    this.genesis = simGenesis(scenario, this.load.accounts);
    this.voteTopic = topicsFor(SIM_CHAIN_ID).vote;
    this.proposalTopic = topicsFor(SIM_CHAIN_ID).proposal;
    const extra = scenario.nodes ?? [];
    const names = [...scenario.validators.map((v) => v.name), ...extra.map((n) => n.name)];
    this.links = new SimNetwork(names, scenario.network, scenario.faults);
    this.hub = new GossipHub(
      {
        arrivals: (from, to, gossip) => this.arrivals(from, to, gossip),
        streamArrival: (from, to) => streamArrival(this.links, from, to, this.now, this.netRng),
        schedule: (at, node, epoch, run) => this.queue.push(at, { kind: 'node', node, epoch, run }),
        epochOf: (node) => (this.nodes[node] as SimNode).epoch,
      },
      names,
    );
    this.hub.onOriginate = (from, topic, data) => {
      this.onWire(topic, data);
      if (topic === this.proposalTopic) this.notes.wire(from, this.now, data);
      this.decoded?.leaving(from, topic, data);
    };
    const strategies = strategiesOf(scenario, seed);
    const validatorOf = new Map(scenario.validators.map((v, i) => [v.name, i]));
    const twinned = new Set(extra.flatMap((n) => (n.twinOf === undefined ? [] : [n.twinOf])));
    const node = (i: number, name: string, role: SimNode['role'], signsAs: number, strategy: ByzantineStrategy | null): SimNode => {
      if (role !== 'full' && scenario.validators[signsAs] === undefined) throw new RangeError(`node ${name}: twinOf names no validator of the scenario`);
      const key = role === 'full' ? derivedKey(`sim node ${name}`) : validatorKey((scenario.validators[signsAs] as { name: string }).name);
      return {
        name,
        key,
        address: addressFromPublicKey(key.publicKey),
        role,
        signsAs,
        correct: strategy === null && role !== 'twin' && !(role === 'validator' && twinned.has(name)),
        strategy,
        stateDb: null as unknown as StateLevel,
        blockDb: null as unknown as BytesLevel,
        disk: new MemoryDisk({ clock: this.diskClock(i), syncMs: () => (this.nodes[i] as SimNode).fsyncMs }),
        epoch: 0,
        up: false,
        started: false,
        pausedUntil: 0,
        time: new NodeTime(),
        fsyncMs: FSYNC_MS,
        cpuMs: 0,
        busyUntil: 0,
        backups: new Map(),
        parts: null,
        decisions: [],
        verdicts: new Map(),
        position: null,
      };
    };
    this.nodes = [
      ...scenario.validators.map((v, i) => {
        const chosen = strategies[i] ?? null;
        return node(i, v.name, 'validator', i, chosen ? strategyNamed(chosen) : null);
      }),
      ...extra.map((n, j) => {
        const i = scenario.validators.length + j;
        return n.twinOf === undefined ? node(i, n.name, 'full', -1, null) : node(i, n.name, 'twin', validatorOf.get(n.twinOf) ?? -1, null);
      }),
    ];
    this.nodes.forEach((n, i) => {
      if (n.role === 'validator') this.signerIndex.set(toHex(n.address), i);
    });
    const validators = this.nodes.filter((n) => n.role === 'validator');
    this.decoded =
      config.intercept || scenario.faults.some((f) => f.type === 'messages')
        ? new MessageInfo(SIM_CHAIN_ID, topicsFor(SIM_CHAIN_ID), validators.map((n) => n.key.publicKey), validators.map((n) => toHex(n.address)), (i) => (this.nodes[i] as SimNode).signsAs)
        : null;
    // The wire judges keys, not processes: one entry per validator key, correct only when no twin shares it.
    this.wire = new VoteWatch(
      SIM_CHAIN_ID,
      this.nodes.filter((n) => n.role === 'validator').map((n) => ({ name: n.name, publicKey: n.key.publicKey, correct: n.correct })),
    );
    this.run = {
      seed,
      traceHash: '',
      endMs: 0,
      gstMs: gstOf(scenario.faults),
      down: downForGood(scenario.faults),
      validators: this.nodes.map((n, i): SimRunValidator => ({
        name: n.name,
        address: toHex(n.address),
        power: n.role === 'validator' ? (scenario.validators[i]?.power as number) : 0,
        byzantine: n.strategy?.name ?? (n.correct ? null : 'twin'),
      })),
      decisions: this.nodes.map(() => []),
      doubleSigns: [],
      evidence: [],
      timeline: [],
      faults: [],
      messages: { sent: 0, lost: 0, junk: 0 },
      validatorSets: [],
      committedEvidence: [],
    };
    this.notes = new CoreNotes(this.run.validators.map((v) => v.address));
    (scenario.delegations ?? []).forEach((delegation, index) => this.queue.push(delegation.at, { kind: 'delegation', index, delegation }));
    scenario.faults.forEach((fault, index) => {
      if (fault.type === 'crash' && fault.disk?.signState !== undefined && fault.disk.signState !== 'lost') {
        const node = this.nodeNamed(fault.node);
        // Taken before the fault's own items at that time: a backup at `at` is the state just before the crash.
        this.queue.push(Math.min(fault.disk.signState.backupAt, fault.at), { kind: 'backup', node, index });
      }
      if (fault.when !== undefined) {
        this.unarmed++;
        return this.queue.push(fault.at, { kind: 'fault', index, phase: 'arm' });
      }
      this.queue.push(fault.at, { kind: 'fault', index, phase: 'start' });
      const end = endOf(fault);
      if (end !== undefined) this.queue.push(end, { kind: 'fault', index, phase: 'end' });
    });
    this.queue.push(LOAD_INTERVAL_MS, { kind: 'load' });
    this.nodes.forEach((_, i) => {
      const startAt = this.startAtOf(i);
      if (startAt > 0) this.queue.push(startAt, { kind: 'boot', node: i });
    });
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
    this.nodes.forEach((_, i) => {
      if (this.startAtOf(i) === 0) this.join(i);
    });
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
    this.run.appliedFaults = [...this.applied];
    this.run.gstMs = this.gst();
    this.run.down = [...new Set([...downForGood(this.config.scenario.faults, this.applied), ...this.refused.map((r) => r.node)])];
    if (this.refused.length > 0) this.run.refusedToStart = this.refused;
    const stats = this.hub.stats;
    this.run.messages = { sent: stats.sent, lost: stats.lost, junk: stats.junk, bans: stats.bans };
    this.run.doubleSigns = [...this.wire.doubleSigns];
    this.run.votes = this.wire.records;
    // Every vote leaves its signer through the hub, so the record is complete unless it hit its cap.
    this.run.votesComplete = this.wire.stats.droppedRecords === 0;
    this.run.locks = this.notes.locks;
    this.run.proposals = this.notes.proposals;
    for (const who of forkEvidence(this.nodes.filter((n) => n.correct).map((n) => n.decisions))) {
      if (!this.run.evidence.includes(who)) this.run.evidence.push(who);
    }
    this.run.traceHash = this.trace.digest('hex');
    return this.run;
  }

  /** Every effect of every validator, when config.recordEffects. */
  readonly effectLog: string[] = [];

  private arrivals(from: number, to: number, gossip?: { topic: string; data: Uint8Array }): number[] {
    // The common path: no messages fault and no intercept, nothing decoded.
    if (this.decoded === null || !gossip) return this.links.arrivals(from, to, this.now, this.netRng);
    const seen = this.decoded.of(gossip.data);
    const modelled = this.links.arrivals(from, to, this.now, this.netRng, seen?.message);
    const intercept = this.config.intercept;
    if (!intercept) return modelled;
    return intercept({ from, to, now: this.now, arrivals: modelled, ...(seen?.vote ? { vote: seen.vote } : {}), ...(seen?.proposal ? { proposal: seen.proposal } : {}) }) ?? modelled;
  }

  private done(): boolean {
    const stop = this.config.stopAtHeight;
    if (stop === undefined) return false;
    // A triggered fault may still fire: GST is not known yet.
    if (this.armed.length > 0 || this.unarmed > 0) return false;
    this.gstNow ??= { value: this.gst() };
    const gst = this.gstNow.value;
    if (gst === null || this.now < gst) return false;
    // Liveness is judged on a decision after GST: keep going until each correct validator made one.
    return this.nodes.every((n, i) => !n.correct || this.run.down.includes(n.name) || (n.decisions.length >= stop && (this.run.decisions[i]?.at(-1)?.at ?? -1) > gst));
  }

  /** GST from the faults as applied so far (those scheduled by time count as they will) and the late joins. */
  private gst(): number | null {
    const faults = this.config.scenario.faults;
    const gst = gstOf(faults, this.applied);
    return gst === null ? null : Math.max(gst, this.lastJoin);
  }

  /** When node i's process first starts (0: with the run). */
  private startAtOf(i: number): number {
    const { validators, nodes = [] } = this.config.scenario;
    return (i < validators.length ? validators[i]?.startAt : nodes[i - validators.length]?.startAt) ?? 0;
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
    // The disk keeps physical time: a drifting clock does not make fsyncs faster.
    return {
      virtual: true,
      now: () => this.now,
      after: (ms, fn): Timer => {
        const epoch = (this.nodes[i] as SimNode).epoch;
        this.queue.push(this.now + Math.max(0, ms), { kind: 'node', node: i, epoch, run: fn });
        return { cancel: () => undefined };
      },
    };
  }

  /** The clock of one incarnation of node i: its skew and drift over virtual time; timers die with the incarnation. */
  private clockFor(i: number, epoch: number): Clock {
    const n = this.nodes[i] as SimNode;
    return {
      virtual: true,
      now: () => n.time.local(this.now),
      after: (ms, fn): Timer => {
        let cancelled = false;
        this.queue.push(this.now + n.time.virtualDelay(ms), { kind: 'node', node: i, epoch, run: () => void (cancelled || fn()) });
        return { cancel: () => void (cancelled = true) };
      },
    };
  }

  private handle(item: Item): void {
    switch (item.kind) {
      case 'fault':
        if (item.phase === 'arm') return this.arm(item.index);
        return item.phase === 'start' ? this.startFault(item.index) : this.endFault(item.index);
      case 'boot':
        return this.join(item.node);
      case 'backup': {
        const n = this.nodes[item.node] as SimNode;
        n.backups.set(item.index, backupSignState(n.disk, SIGN_STATE));
        return this.log(`backup of ${n.name}'s sign state for fault ${item.index}`);
      }
      case 'load':
        return this.onLoad();
      case 'delegation':
        return this.onDelegation(item.index, item.delegation);
      case 'node': {
        const n = this.nodes[item.node] as SimNode;
        if (!n.up || item.epoch !== n.epoch) return;
        // A paused process runs nothing: what reaches it waits until it resumes.
        if (this.now < n.pausedUntil) return this.queue.push(n.pausedUntil, item);
        // A slow CPU is busy with its last item: this one waits its turn (in order: re-pushed as popped).
        if (this.now < n.busyUntil) return this.queue.push(n.busyUntil, item);
        item.run();
        if (n.cpuMs > 0) n.busyUntil = this.now + n.cpuMs;
        this.notePosition(item.node);
        return;
      }
    }
  }

  private notePosition(i: number): void {
    const n = this.nodes[i] as SimNode;
    const core = n.parts?.driver.consensusState;
    if (!core) return;
    this.notes.core(i, this.now, core);
    // Runs after every agenda item: compared field by field, no string built for an unchanged position.
    const last = n.position;
    if (last && last.height === core.height && last.round === core.round && last.step === core.step) return;
    n.position = { height: core.height, round: core.round, step: core.step };
    this.run.timeline.push({ at: this.now, node: i, height: core.height, round: core.round, step: core.step });
    if (this.armed.length > 0) this.checkTriggers(i);
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
      const privValidator = n.role === 'full' ? null : await PrivValidator.create(n.key, SIGN_STATE, { disk: n.disk, ...unsafeSignerOptions(mutations) });
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
              if (n.correct && !this.run.evidence.includes(who)) this.run.evidence.push(who);
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
        if (n.correct) this.noteStaking(e.block.header.height, e.block.evidence, parts.chainState.lastValidators, parts.chainState.validators);
      });
      n.parts = parts;
      await parts.start();
    };
    start().catch((err: unknown) => {
      if (n.epoch !== epoch) return;
      // A node that refuses to start (a damaged WAL, an unreadable sign state) is down with its reason, as `cmt start` exits.
      if (err instanceof CmtError && n.parts === null) return this.refuse(i, err);
      this.fatal ??= err;
    });
  }

  private refuse(i: number, err: CmtError): void {
    const n = this.nodes[i] as SimNode;
    n.up = false;
    n.epoch++;
    this.hub.detach(i);
    this.refused.push({ at: this.now, node: n.name, reason: `${err.code}: ${err.message}` });
    if (!this.run.down.includes(n.name)) this.run.down.push(n.name);
    this.run.faults.push({ at: this.now, description: `${n.name} refused to start: ${err.message}` });
    this.log(`refused ${i} ${err.code}`);
  }

  /** Node i's process starts for the first time (at its `startAt`): from genesis, it syncs what it missed. */
  private join(i: number): void {
    const n = this.nodes[i] as SimNode;
    if (n.started) return;
    n.started = true;
    n.up = true;
    if (this.now > 0) {
      this.lastJoin = Math.max(this.lastJoin, this.now);
      this.gstNow = null;
      this.run.faults.push({ at: this.now, description: `join ${n.name}` });
      this.log(`join ${i}`);
    }
    this.boot(i);
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

  /**
   * The set that signed `height` and the set that must sign `height + 1` (`next`, the chain state
   * after the block), each where it changed, and the evidence the block committed, from the first
   * correct validator to decide it. The next set is recorded before any block of it exists: a
   * chain stuck because that set cannot gather 2/3 is judged against it, not the old one.
   */
  private noteStaking(height: number, evidence: readonly Evidence[], signers: ValidatorSet | null, next: ValidatorSet): void {
    const sets = this.run.validatorSets as NonNullable<SimRun['validatorSets']>;
    if (height <= this.recordedHeight) return;
    this.recordedHeight = height;
    const note = (at: number, set: ValidatorSet): void => {
      const powers = Object.fromEntries(set.validators.map((v) => [toHex(v.address), v.power]));
      const last = sets.at(-1);
      if (!last || JSON.stringify(last.powers) !== JSON.stringify(powers)) sets.push({ height: at, powers });
    };
    if (signers) note(height, signers);
    note(height + 1, next);
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
    const amount = BigInt(d.amount) * ONE_CMT;
    const msg = d.action === 'unbond' ? ({ type: 'unbond', candidate, amount } as const) : ({ type: 'delegate', candidate, amount } as const);
    // Nonces follow submission order, whatever order the scenario lists them in.
    const tx = signer.signTx({ chainId: SIM_CHAIN_ID, nonce: this.delegationNonce++, gasLimit: 1_000_000, gasPrice: MIN_GAS_PRICE, memo: '', msg }).bytes;
    this.log(`delegation ${index} ${d.action ?? 'delegate'} ${d.amount} to ${d.to}`);
    for (const n of this.nodes) if (n.up && n.parts && this.now >= n.pausedUntil) void n.parts.mempool.add(tx);
  }

  /** The load: by LOAD_INTERVAL_MS, as many transfers as the rate says are due by now. */
  private onLoad(): void {
    this.queue.push(this.now + LOAD_INTERVAL_MS, { kind: 'load' });
    const due = Math.floor((this.loadRate * this.now) / 1000);
    const txs = this.load.batch(due - this.loadSent);
    this.loadSent = due;
    if (txs.length === 0) return;
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

  /** A triggered fault starts watching: it fires at once if a watched node already is in its position. */
  private arm(index: number): void {
    this.unarmed--;
    this.armed.push(index);
    this.log(`fault ${index} armed`);
    this.nodes.forEach((n, i) => {
      if (n.position && this.armed.includes(index)) this.checkTriggers(i);
    });
  }

  /** Node i moved: fires every armed fault whose trigger its position matches (in the scenario's order). */
  private checkTriggers(i: number): void {
    const n = this.nodes[i] as SimNode;
    const pos = n.position;
    const core = n.parts?.driver.consensusState;
    if (!pos || !core || !n.up) return;
    const proposerOf = (round: number): string | undefined => {
      const address = core.validators?.proposerForRound(round).address;
      return address === undefined ? undefined : this.nodes[this.signerIndex.get(toHex(address)) ?? -1]?.name;
    };
    for (const index of [...this.armed].sort((a, b) => a - b)) {
      const when = this.config.scenario.faults[index]?.when;
      if (when && triggerMatches(when, n.name, pos, proposerOf)) {
        this.armed.splice(this.armed.indexOf(index), 1);
        this.startFault(index);
      }
    }
  }

  private startFault(index: number): void {
    const fault = this.config.scenario.faults[index] as FaultEvent;
    const triggered = fault.when !== undefined;
    const end = plannedEnd(fault, this.now);
    this.applied.push({ at: this.now, phase: 'start', index });
    this.gstNow = null;
    if (triggered) {
      // Scheduled faults have their spans in the link model from the scenario; a triggered one gets it now.
      this.links.start(index, this.now);
      if (end !== undefined) this.queue.push(end, { kind: 'fault', index, phase: 'end' });
    }
    const description = `start ${describeFault(fault)}`;
    this.run.faults.push({ at: this.now, description });
    this.log(`fault ${description}`);
    const i = 'node' in fault ? this.nodeNamed(fault.node) : -1;
    const n = this.nodes[i];
    switch (fault.type) {
      case 'crash':
        return this.crash(index, fault, n as SimNode, i);
      case 'pause':
        (n as SimNode).pausedUntil = end ?? fault.until;
        return;
      case 'clockSkew':
        (n as SimNode).time.skewMs = fault.skewMs;
        return;
      case 'clockDrift':
        (n as SimNode).time.setDrift(fault.ppm, this.now);
        return;
      case 'slowDisk':
        (n as SimNode).fsyncMs = fault.fsyncMs;
        return;
      case 'slowCpu':
        (n as SimNode).cpuMs = fault.msPerEvent;
        return;
      default:
        // Partitions, links, network and messages windows are read by the link model at each send.
        return;
    }
  }

  private endFault(index: number): void {
    const fault = this.config.scenario.faults[index] as FaultEvent;
    this.applied.push({ at: this.now, phase: 'end', index });
    this.gstNow = null;
    if (fault.when !== undefined) this.links.end(index, this.now);
    const description = `end ${describeFault(fault)}`;
    this.run.faults.push({ at: this.now, description });
    this.log(`fault ${description}`);
    const n = 'node' in fault ? (this.nodes[this.nodeNamed(fault.node)] as SimNode) : null;
    switch (fault.type) {
      case 'crash': {
        const i = this.nodeNamed(fault.node);
        const node = n as SimNode;
        // A node that never started, or refused to start, stays as it is.
        if (!node.started || node.up || this.refused.some((r) => r.node === node.name)) return;
        node.up = true;
        node.epoch++;
        this.boot(i);
        return;
      }
      case 'slowDisk':
        (n as SimNode).fsyncMs = FSYNC_MS;
        return;
      case 'slowCpu':
        (n as SimNode).cpuMs = 0;
        return;
      default:
        return;
    }
  }

  /** The process dies: its timers and in-flight work with it, and the disk keeps only what was synced, then takes the fault's damage. */
  private crash(index: number, fault: Extract<FaultEvent, { type: 'crash' }>, n: SimNode, i: number): void {
    if (!n.up) return;
    n.up = false;
    n.epoch++;
    void n.parts?.stop();
    n.parts = null;
    n.position = null;
    this.hub.detach(i);
    n.disk = n.disk.crash();
    const damage = fault.disk;
    if (!damage) return;
    const done: string[] = [];
    if (damage.wal) done.push(damageWal(n.disk, WAL_DIR, damage.wal, (k) => this.rng.int(k)));
    if (damage.signState === 'lost') done.push(restoreSignState(n.disk, SIGN_STATE, null));
    else if (damage.signState) done.push(restoreSignState(n.disk, SIGN_STATE, n.backups.get(index) ?? null));
    const description = `disk of ${n.name}: ${done.join('; ')}`;
    this.run.faults.push({ at: this.now, description });
    this.log(description);
  }
}


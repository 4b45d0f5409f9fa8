/**
 * The node as one piece of code for every host (spec/node.md, "One node, three hosts"). A host
 * provides the ports — a Clock, the stores, the WAL and the signer on its disk, a logger, the
 * app's executor and verifier — and then a network; this module builds the app, the mempool,
 * the block executor, the evidence pool, the consensus driver and the reactors on them, the
 * same way for the real process (src/node/node.ts: libp2p, LevelDB, the wall clock) and the
 * simulator (src/sim: virtual time, memory, a simulated network).
 */
import { MAX_TX_BYTES_STRUCTURAL } from '../codec/block.js';
import type { TimeoutParams } from '../codec/params.js';
import { encodeVote, type Proposal, type Vote, proposalSignBytes, voteSignBytes } from '../codec/vote.js';
import { encodeProposalMessage } from '../codec/gossip.js';
import type { ConsensusEffect } from '../consensus/types.js';
import type { MutationSet } from '../consensus/mutations.js';
import { CmtApp } from '../app/cmt-app.js';
import type { BatchVerifier } from '../app/executor/signature-verifier.js';
import type { TxExecutor } from '../app/executor/tx-executor.js';
import type { VerifiedSignatures } from '../app/executor/verified-signatures.js';
import { loadContractRuntime } from '../app/contracts/runtime.js';
import { sign, type KeyPair } from '../crypto/ed25519.js';
import { Mempool, type AddResult, type MempoolLimits } from '../mempool/mempool.js';
import type { StateStore } from '../state/store.js';
import type { BlockStore } from '../store/block-store.js';
import { every, type Clock, type Timer } from '../runtime/clock.js';
import { BlockExecutor } from './block-executor.js';
import { BlockBudget, budgetTargetMs } from './block-budget.js';
import { adversaryOf, FLOOD_INTERVAL_MS, type BuiltBlock, type ByzantineContext, type ByzantineStrategy } from './byzantine.js';
import type { ChainState } from './chain-state.js';
import { ConsensusDriver } from './consensus-driver.js';
import { ConsensusGossip, type ConsensusGossipOptions } from './consensus-gossip.js';
import { EventBus } from './event-bus.js';
import { EvidenceGossip } from './evidence-gossip.js';
import { EvidencePool } from './evidence-pool.js';
import type { GenesisDoc } from './genesis.js';
import { handshake } from './handshake.js';
import type { Logger } from './logger.js';
import { Maj23Gossip, MAJ23_INTERVAL_MS } from './maj23-gossip.js';
import { topicsFor, type GossipNetwork } from './network.js';
import type { PrivValidator } from './priv-validator.js';
import { TxGossip } from './tx-gossip.js';
import { TxLatency } from './tx-latency.js';
import type { Wal } from './wal.js';

/** What a host provides before the node is built. */
export interface NodePorts {
  clock: Clock;
  logger: Logger;
  stateStore: StateStore;
  blockStore: BlockStore;
  /** The consensus WAL, on the host's disk. */
  wal: Wal;
  /** The signer with its double-sign guard (its sign state on the host's disk); null: a full node. */
  privValidator: PrivValidator | null;
  /** Signature checks of transactions (worker threads on a real process, inline in the simulator). */
  verifier: BatchVerifier;
  /** Executes a block's transactions (worker threads or sequential). */
  txExecutor: TxExecutor;
  /** Signature results shared by hosts that run many nodes in one process (the simulator). */
  signatures?: VerifiedSignatures;
  /** Runs work after the current turn (default: the event loop's next turn; the simulator: its agenda). */
  soon?: (fn: () => void) => void;
}

export interface NodeSettings {
  genesis: GenesisDoc;
  /** `maxBlocks`: the pool holds at most this many blocks' worth of this node's block budget (0 or absent: no such bound). */
  mempool: Omit<MempoolLimits, 'maxTxBytes'> & { maxBlocks?: number };
  /** This node's own timeouts over the chain's (config `consensus.timeouts`). */
  timeouts?: Partial<TimeoutParams>;
  /** Where the data lives and the genesis file, for the handshake's error messages. */
  dataDir: string;
  genesisFile?: string;
  /** Called once when the node cannot continue (it has stopped consensus). */
  onFatal: (err: unknown) => void;
  /** SIMULATOR ONLY (see ConsensusDriverDeps): deliberate bugs in the driver and core; no real node sets it. */
  unsafeMutations?: MutationSet;
  /** What a host watches without taking part (the simulator's checkers). */
  observe?: NodeObserver;
}

export interface NodeObserver {
  /** This node's verdict on a block it checked: null is valid. */
  verdict?(blockHash: Uint8Array, reason: string | null): void;
  /** Two conflicting votes of one validator reached this node. */
  equivocation?(voteA: Vote, voteB: Vote): void;
  /** An effect of the consensus core, as the driver carries it out. */
  effect?(effect: ConsensusEffect): void;
}

/** A Byzantine strategy and what it needs beyond the network: the validator's key and some randomness. */
export interface ByzantineSetup {
  strategy: ByzantineStrategy;
  key: KeyPair;
  int(n: number): number;
  board?: Map<string, [Uint8Array, Uint8Array]>;
}

export class NodeParts {
  readonly events = new EventBus();
  readonly evidencePool: EvidencePool;
  readonly driver: ConsensusDriver;
  gossip: ConsensusGossip | undefined;
  maj23Gossip: Maj23Gossip | undefined;
  txGossip: TxGossip | undefined;
  evidenceGossip: EvidenceGossip | undefined;
  private flood: Timer | undefined;

  private constructor(
    readonly ports: NodePorts,
    readonly settings: NodeSettings,
    readonly app: CmtApp,
    readonly mempool: Mempool,
    readonly executor: BlockExecutor,
    chainState: ChainState,
  ) {
    const { logger } = ports;
    this.evidencePool = new EvidencePool(ports.blockStore, logger.child({ module: 'evidence' }), (e) => this.evidenceGossip?.announce(e));
    executor.evidence = this.evidencePool;
    this.driver = new ConsensusDriver(
      {
        privValidator: ports.privValidator,
        executor,
        blockStore: ports.blockStore,
        mempool,
        events: this.events,
        logger: logger.child({ module: 'consensus' }),
        onFatal: settings.onFatal,
        wal: ports.wal,
        clock: ports.clock,
        ...(settings.timeouts ? { timeoutOverrides: settings.timeouts } : {}),
        ...(settings.unsafeMutations ? { unsafeMutations: settings.unsafeMutations } : {}),
        ...(settings.observe?.verdict ? { onVerdict: settings.observe.verdict } : {}),
        ...(settings.observe?.effect ? { onEffect: settings.observe.effect } : {}),
        onStartHeight: () => this.gossip?.onStartHeight(),
        onEquivocation: (a, b, chain) => {
          settings.observe?.equivocation?.(a, b);
          return this.evidencePool.reportConflict(a, b, chain);
        },
      },
      chainState,
    );
  }

  /** Builds the node on `ports` and brings its stores in line with each other (the handshake). */
  static async assemble(ports: NodePorts, settings: NodeSettings): Promise<NodeParts> {
    const app = new CmtApp(ports.stateStore, ports.verifier, ports.signatures, ports.txExecutor);
    await loadContractRuntime();
    // The structural cap only: CheckTx applies the chain's current max_tx_bytes, which governance may change.
    const mempool = new Mempool(app, { ...settings.mempool, maxTxBytes: MAX_TX_BYTES_STRUCTURAL }, (txs) => app.verifySignatures(txs, 'admission'), ports.soon, () => ports.clock.now());
    const executor = new BlockExecutor(app, ports.blockStore, mempool);
    executor.latency = new TxLatency();
    const chainState = await handshake({
      app,
      blockStore: ports.blockStore,
      executor,
      genesis: settings.genesis,
      logger: ports.logger.child({ module: 'handshake' }),
      dataDir: settings.dataDir,
      ...(settings.genesisFile ? { genesisFile: settings.genesisFile } : {}),
    });
    const parts = new NodeParts(ports, settings, app, mempool, executor, chainState);
    // Applying takes no time on a virtual clock: a budget learnt from it would hold nothing back.
    if (!ports.clock.virtual) {
      const budget = new BlockBudget(() => budgetTargetMs({ ...parts.chainState.consensusParams.timeouts, ...settings.timeouts }.nextBlockDelay));
      executor.budget = budget;
      const blocks = settings.mempool.maxBlocks ?? 0;
      if (blocks > 0) {
        mempool.capacity = () => {
          const limits = executor.proposalBudget(parts.chainState);
          return limits && { gas: limits.gas * blocks, bytes: limits.bytes * blocks };
        };
      }
    }
    return parts;
  }

  get chainState(): ChainState {
    return this.driver.chainState;
  }

  /** Puts the reactors on `network` (the host's p2p layer); consensus messages go out through it from now on. */
  connect(network: GossipNetwork, gossip: Partial<ConsensusGossipOptions> = {}): void {
    const { logger, clock } = this.ports;
    const chainId = this.settings.genesis.chainId;
    const log = logger.child({ module: 'gossip' });
    this.gossip = new ConsensusGossip(network, this.driver, this.ports.blockStore, log, { ...gossip, clock });
    this.maj23Gossip = new Maj23Gossip(network, this.driver, log, { intervalMs: MAJ23_INTERVAL_MS, requestTimeoutMs: gossip.requestTimeoutMs ?? 5000, clock });
    this.txGossip = new TxGossip(network, this.mempool, chainId, log, clock);
    this.evidenceGossip = new EvidenceGossip(network, this.evidencePool, () => this.driver.chainState, chainId, log);
    this.driver.setBroadcaster(this.gossip);
  }

  /**
   * Makes this validator Byzantine: `setup.strategy` bends its driver and talks to single peers
   * on `network`. Only the simulator and local test chains call this (see `cmt node start --byzantine`).
   */
  turnByzantine(network: GossipNetwork, setup: ByzantineSetup): ByzantineContext {
    const ctx = this.byzantineContext(network, setup);
    this.driver.setAdversary(adversaryOf(setup.strategy, ctx));
    const tick = setup.strategy.tick;
    if (tick) this.flood = every(this.ports.clock, FLOOD_INTERVAL_MS, () => tick(ctx, this.driver.consensusState.height));
    return ctx;
  }

  async start(): Promise<void> {
    this.gossip?.start();
    this.maj23Gossip?.start();
    this.txGossip?.start();
    this.evidenceGossip?.start();
    await this.driver.start();
  }

  /** Stops the reactors and consensus, letting a block being applied finish; the host closes the stores. */
  async stop(): Promise<void> {
    this.flood?.cancel();
    this.gossip?.stop();
    this.maj23Gossip?.stop();
    this.txGossip?.stop();
    await this.driver.stop();
  }

  /** A client's transaction: into the mempool, and to peers if it was admitted. */
  async broadcastTx(tx: Uint8Array): Promise<AddResult> {
    const result = await this.mempool.add(tx, 'rpc');
    if (result.code === 0) this.txGossip?.announce(tx);
    return result;
  }

  private byzantineContext(network: GossipNetwork, setup: ByzantineSetup): ByzantineContext {
    const topics = topicsFor(this.settings.genesis.chainId);
    const chainId = this.settings.genesis.chainId;
    const address = this.ports.privValidator?.address;
    if (!address) throw new Error('a Byzantine strategy needs a validator');
    const sendTo = (to: string, topic: string, data: Uint8Array): void => {
      void (network.sendTo ? network.sendTo(to, topic, data) : network.publish(topic, data)).catch(() => undefined);
    };
    return {
      peers: () => network.peers().map((p) => p.peerId).sort(),
      board: setup.board ?? new Map(),
      int: setup.int,
      sendProposal: (to: string, proposal: Proposal, block: Uint8Array) => sendTo(to, topics.proposal, encodeProposalMessage({ proposal, block })),
      sendVote: (to: string, vote: Vote) => sendTo(to, topics.vote, encodeVote(vote)),
      sendJunk: (to: string, bytes: Uint8Array) => sendTo(to, topics.vote, bytes),
      signProposal: (unsigned) => ({ ...unsigned, signature: sign(setup.key.privateKey, proposalSignBytes(chainId, unsigned)) }),
      signVote: (unsigned) => ({
        ...unsigned,
        validatorAddress: address,
        validatorIndex: this.driver.chainState.validators.indexOf(address),
        signature: sign(setup.key.privateKey, voteSignBytes(chainId, unsigned)),
      }),
      buildBlock: (height: number) => this.buildBlock(height, address),
    };
  }

  /** A proposal block for `height` as the driver would build it now (for a strategy that proposes two). */
  private async buildBlock(height: number, proposer: Uint8Array): Promise<BuiltBlock> {
    const chain = this.driver.chainState;
    const lastCommit = height > chain.initialHeight ? ((await this.ports.blockStore.loadSeenCommit(height - 1)) ?? null) : null;
    const built = await this.executor.createProposalBlock(chain, lastCommit, proposer, this.ports.clock.now());
    return { bytes: built.bytes, hash: built.hash };
  }
}

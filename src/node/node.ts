/**
 * A full node: opens its home, checks and repairs its data (handshake), runs consensus,
 * and answers the RPC server through NodeApi: blocks, status, transactions, validators and
 * broadcasts from its stores, every state query forwarded to the app (whose modules own the
 * paths, spec/queries.md). The node itself is NodeParts (node-parts.ts), the code the
 * simulator runs too; metrics (metrics.ts) and pruning (pruning.ts) live beside it.
 */
import { randomInt } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { access, lstat, stat } from 'node:fs/promises';
import type { LinkFaults } from '../p2p/link-faults.js';
import { consensusMessageClassifier } from './chaos-admin.js';
import { MAX_BLOCK_BYTES_STRUCTURAL } from '../codec/block.js';
import { decodeBlock, headerHash } from '../codec/block.js';
import { CmtError } from '../codec/errors.js';
import { decode } from '../codec/schema.js';
import { Account, EMPTY_ACCOUNT } from '../app/bank/accounts.js';
import { isGatedQueryPath } from '../app/queriers.js';
import { decodeAppParams } from '../app/params.js';
import type { QueryRequest, QueryResponse } from '../app/abci.js';
import type { CmtApp } from '../app/cmt-app.js';
import { ParallelExecutor } from '../app/executor/parallel-executor.js';
import { SequentialExecutor, type TxExecutor } from '../app/executor/tx-executor.js';
import { InlineVerifier, PoolVerifier, type BatchVerifier } from '../app/executor/signature-verifier.js';
import type { Mempool, AddResult } from '../mempool/mempool.js';
import { systemClock, type Clock } from '../runtime/clock.js';
import { StateStore } from '../state/store.js';
import { BlockStore } from '../store/block-store.js';
import { searchBlocks, searchTxs, type SearchPage, type TxHit } from '../store/event-search.js';
import type { EventQuery } from '../rpc/event-query.js';
import type { BlockResults, TxRecord } from '../store/records.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import type { AccountView, ChainParams, ConsensusPosition, NetInfo, NodeApi, NodeIdentity, NodeStatus, StoredBlock } from './api.js';
import { P2PHost } from '../p2p/host.js';
import { MAX_REQUEST_BYTES } from './network.js';
import { loadOrCreateNodeKey, type NodeKey } from '../p2p/node-key.js';
import { consensusParamsHash, type ConsensusParams } from '../codec/params.js';
import { bytesEqual } from '../codec/bytes.js';
import type { CheckTxResponse } from '../app/abci.js';
import type { Evidence } from '../codec/vote.js';
import type { AddEvidenceResult } from './evidence-pool.js';
import { strategy, type ByzantineStrategyName } from './byzantine.js';
import type { ConsensusDriver } from './consensus-driver.js';
import type { EventBus } from './event-bus.js';
import type { EvidencePool } from './evidence-pool.js';
import { assertLocalChain } from './local-chain.js';
import { nodeMetrics, type NodeMetrics } from './metrics.js';
import { NodeParts, type ByzantineSetup } from './node-parts.js';
import { BlockPruner } from './pruning.js';
import { readConfigFile, type NodeConfig } from './config.js';
import { readGenesisFile, type GenesisDoc } from './genesis.js';
import { homePaths, type HomePaths } from './home.js';
import { silentLogger, type Logger } from './logger.js';
import { PrivValidator, readValidatorKey } from './priv-validator.js';
import { QueryGate, type QueryLimits } from './query-gate.js';
import type { BlockLatency } from './tx-latency.js';
import { validatorsAt } from './validator-history.js';
import { Wal } from './wal.js';
import type { Commit } from '../codec/vote.js';
import { join } from 'node:path';
import type { FileService } from '../files/file-service.js';
import type { FileRegistry } from '../files/registry.js';
import { utf8 } from '../codec/bytes.js';
import { NODE_VERSION } from './version.js';

/** Room for a proposal's signature and framing beside its block. */
const MESSAGE_OVERHEAD_BYTES = 64 * 1024;

export class HomeNotInitializedError extends CmtError {
  constructor(home: string) {
    super('HOME_NOT_INITIALIZED', `${home} has no config/genesis.json: run "cmt init --home ${home}" or "cmt devnet --home ${home}" first`);
  }
}

export interface NodeOptions {
  logger?: Logger;
  /** Applied over config.json. */
  configOverrides?: (config: NodeConfig) => NodeConfig;
  /** Called when the node hits an error it cannot continue after (it has stopped consensus). */
  onFatal?: (err: unknown) => void;
  /** Injected link faults (the chaos admin endpoint); never set in normal operation. */
  linkFaults?: LinkFaults;
  /** The wall clock consensus reads (ms since the epoch); tests move it to model a skewed clock. */
  clock?: () => number;
  /**
   * Makes this validator Byzantine (src/node/byzantine.ts): `cmt testnet chaos` and tests only.
   * Refused on a chain id that is not local (local-chain.ts), before anything is opened.
   */
  byzantine?: { strategy: ByzantineStrategyName };
}

/**
 * The real process as a host of the node (node-parts.ts): LevelDB stores and the files of its
 * home, worker threads for execution and signatures, the wall clock, and libp2p. Beside the
 * parts it keeps what only a process serving clients has: the query gate, metrics, pruning.
 */
export class Node implements NodeApi {
  private linkFaults: LinkFaults | undefined;
  private host: P2PHost | undefined;
  /** IPFS (spec/files.md): started with the network, on its libp2p host. */
  private filesStarting: Promise<FileService | undefined> | undefined;
  private readonly metricsRegistry: NodeMetrics;
  private readonly pruner: BlockPruner;
  private readonly queryGate: QueryGate;

  private constructor(
    readonly paths: HomePaths,
    readonly config: NodeConfig,
    readonly genesis: GenesisDoc,
    readonly logger: Logger,
    private readonly parts: NodeParts,
    private readonly byzantine: ByzantineSetup | null,
  ) {
    this.queryGate = new QueryGate(config.query);
    this.metricsRegistry = nodeMetrics(
      { consensus: () => this.driver.consensusState, host: () => this.host, gossip: () => parts.gossip, mempool: parts.mempool, wal: parts.ports.wal, evidencePool: () => parts.evidencePool },
      parts.events,
    );
    this.pruner = BlockPruner.attach(parts.events, parts.ports.blockStore, config.storage.retainBlocks, logger.child({ module: 'pruning' }));
    // Queries answer from the height this node shows (see readHeight), with its cap on unpaid gas.
    parts.app.readHeight = () => this.readHeight;
    parts.app.queryGasLimit = config.query.gasLimit;
  }

  get events(): EventBus {
    return this.parts.events;
  }

  get app(): CmtApp {
    return this.parts.app;
  }

  get mempool(): Mempool {
    return this.parts.mempool;
  }

  /** Evidence of double signing, waiting for a block (announced through evidence gossip). */
  get evidencePool(): EvidencePool {
    return this.parts.evidencePool;
  }

  private get driver(): ConsensusDriver {
    return this.parts.driver;
  }

  private get blockStore(): BlockStore {
    return this.parts.ports.blockStore;
  }

  private get privValidator(): PrivValidator | null {
    return this.parts.ports.privValidator;
  }

  static async open(home: string, options: NodeOptions = {}): Promise<Node> {
    const paths = homePaths(home);
    try {
      await access(paths.genesis);
    } catch {
      // A genesis symlink to nothing is a damaged home, refused below naming the file.
      if (!(await lstat(paths.genesis).catch(() => undefined))) throw new HomeNotInitializedError(paths.root);
    }
    const fileConfig = await readConfigFile(paths.config);
    const config = options.configOverrides ? options.configOverrides(fileConfig) : fileConfig;
    const genesis = await readGenesisFile(paths.genesis);
    if (options.byzantine) assertLocalChain(genesis.chainId, `the Byzantine strategy ${options.byzantine.strategy}`);
    const logger = options.logger ?? silentLogger();
    const privValidator = await loadPrivValidator(paths);
    if (options.byzantine && !privValidator) throw new CmtError('INVALID_ARGUMENT', `the Byzantine strategy ${options.byzantine.strategy} needs a validator key in ${paths.privValidatorKey}`);
    const byzantine: ByzantineSetup | null = options.byzantine
      ? { strategy: strategy(options.byzantine.strategy), key: await readValidatorKey(paths.privValidatorKey), int: (n) => randomInt(n) }
      : null;

    const opened: { close(): Promise<void> }[] = [];
    try {
      const stateStore = await StateStore.open(paths.stateDb, { keepRecent: config.state.keepRecent });
      opened.push(stateStore);
      const blockStore = await BlockStore.open(paths.chainDb);
      opened.push(blockStore);
      const workers = config.executionWorkers === 'auto' ? availableParallelism() : config.executionWorkers;
      const txExecutor: TxExecutor =
        workers > 0
          ? new ParallelExecutor(paths.stateDb, { threads: workers, onWarmUpFailed: (err) => logger.warn({ err }, 'the execution workers failed to warm up') })
          : new SequentialExecutor();
      opened.push(txExecutor);
      // Signature checks share the execution pool unless the config sizes their own.
      const verifier: BatchVerifier =
        config.verifierThreads === 1 ? new InlineVerifier() : txExecutor instanceof ParallelExecutor && config.verifierThreads === 0 ? txExecutor.verifier() : new PoolVerifier(config.verifierThreads || undefined);
      opened.push(verifier);
      const wal = await Wal.open(paths.wal, logger.child({ module: 'wal' }), { maxRecordBytes: MAX_BLOCK_BYTES_STRUCTURAL + MESSAGE_OVERHEAD_BYTES });
      opened.push(wal);
      const hostClock: Clock = options.clock ? { ...systemClock, now: options.clock } : systemClock;
      // The chaos runner's clock faults (skew, drift) act through the one clock the node reads.
      const clock: Clock = options.linkFaults ? options.linkFaults.clock(hostClock) : hostClock;
      if (options.linkFaults) options.linkFaults.classifier = consensusMessageClassifier(genesis.chainId);
      const parts = await NodeParts.assemble(
        { clock, logger, stateStore, blockStore, wal, privValidator, verifier, txExecutor },
        {
          genesis,
          mempool: config.mempool,
          timeouts: config.consensus.timeouts,
          dataDir: paths.data,
          genesisFile: paths.genesis,
          onFatal: options.onFatal ?? (() => {}),
        },
      );
      const node = new Node(paths, config, genesis, logger, parts, byzantine);
      node.linkFaults = options.linkFaults;
      return node;
    } catch (err) {
      for (const resource of opened.reverse()) await resource.close().catch(() => undefined);
      throw err;
    }
  }

  /** Joins the network (libp2p), then starts consensus. */
  async start(): Promise<void> {
    const { p2p } = this.config;
    const host = await P2PHost.start({
      nodeKey: await this.nodeKey(),
      listenHost: p2p.host,
      listenPort: p2p.port,
      persistentPeers: p2p.persistentPeers,
      maxPeers: p2p.maxPeers,
      // Blocks travel over request/response up to the structural cap, not genesis's block_max_bytes:
      // governance may raise that limit while the node runs. Gossip stays capped by gossipsub's own limit.
      maxMessageBytes: MAX_BLOCK_BYTES_STRUCTURAL + MESSAGE_OVERHEAD_BYTES,
      maxRequestBytes: MAX_REQUEST_BYTES,
      logger: this.logger.child({ module: 'p2p' }),
      ...(this.linkFaults ? { linkFaults: this.linkFaults } : {}),
    });
    this.host = host;
    this.parts.connect(host, { maxInlineBlockBytes: Math.min(p2p.maxInlineBlockBytes, host.maxGossipBytes - MESSAGE_OVERHEAD_BYTES) });
    if (this.byzantine) this.parts.turnByzantine(host, this.byzantine);
    await this.parts.start();
    const registry = this.fileRegistry();
    if (registry.count() > 0) void this.files();
    else {
      const waitForFiles = (): void => {
        if (registry.count() === 0) return;
        this.parts.events.off('newBlock', waitForFiles);
        void this.files();
      };
      this.parts.events.on('newBlock', waitForFiles);
    }
    const s = this.driver.chainState;
    this.logger.info(
      { chainId: s.chainId, height: s.lastBlockHeight, validator: this.privValidator !== null, peerId: host.peerId, p2p: host.listenAddrs[0] },
      'node started',
    );
  }

  /** Stops consensus, lets a block being applied finish, leaves the network and closes the databases. */
  async stop(): Promise<void> {
    await this.pruner.idle();
    await this.parts.stop();
    const { wal, verifier, stateStore, blockStore } = this.parts.ports;
    await wal.close().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'closing the WAL failed'));
    await (await this.filesStarting)?.stop().catch((err: unknown) => this.logger.error({ err: (err as Error).message }, 'closing the file store failed'));
    await this.host?.stop();
    await verifier.close();
    await this.app.close();
    await blockStore.close();
    await stateStore.close();
    this.logger.info('node stopped');
  }

  /** Hash, time and app hash of the last blocks asked (earliest, latest): `status` must not decode a block per call. */
  private readonly summaries = new Map<number, { hash: Uint8Array; time: number; appHash: Uint8Array }>();

  async blockSummary(height: number): Promise<{ hash: Uint8Array; time: number; appHash: Uint8Array } | undefined> {
    const known = this.summaries.get(height);
    if (known) return known;
    const found = await this.block(height);
    if (!found) return undefined;
    const summary = { hash: found.hash, time: found.block.header.time, appHash: found.block.header.appHash };
    // Two entries are enough for status (the earliest and the latest block); keep the newest asked.
    if (this.summaries.size >= 4) this.summaries.delete(this.summaries.keys().next().value as number);
    this.summaries.set(height, summary);
    return summary;
  }

  earliestBlock(): Promise<{ hash: Uint8Array; time: number; appHash: Uint8Array } | undefined> {
    const base = this.blockStore.base;
    return base <= 0 ? Promise.resolve(undefined) : this.blockSummary(base);
  }

  /** The node key, read (or made) once: the RPC may ask for it before the network starts. */
  private nodeKeyLoad: Promise<NodeKey> | undefined;

  private nodeKey(): Promise<NodeKey> {
    this.nodeKeyLoad ??= loadOrCreateNodeKey(this.paths.nodeKey);
    return this.nodeKeyLoad;
  }

  async identity(): Promise<NodeIdentity> {
    const key = await this.nodeKey();
    const listenAddr = this.host?.listenAddrs[0] ?? `/ip4/${this.config.p2p.host}/tcp/${this.config.p2p.port}/p2p/${key.peerId}`;
    return { peerId: key.peerId, publicKey: key.privateKey.publicKey.raw, listenAddr };
  }

  status(): NodeStatus {
    const s = this.driver.chainState;
    const self = this.privValidator ? s.validators.getByAddress(this.privValidator.address) : undefined;
    return {
      moniker: this.config.moniker,
      chainId: s.chainId,
      version: NODE_VERSION,
      latestBlockHeight: s.lastBlockHeight,
      latestBlockHash: s.lastBlockHash,
      latestAppHash: s.appHash,
      latestBlockTime: s.lastBlockTime,
      earliestBlockHeight: this.blockStore.base,
      appVersion: 0,
      validator: this.privValidator ? { address: this.privValidator.address, publicKey: this.privValidator.publicKey, power: self?.power ?? 0 } : null,
    };
  }

  consensusPosition(): ConsensusPosition {
    const c = this.driver.consensusState;
    const set = c.validators;
    const proposer = set && c.height > 0 ? set.proposerForRound(c.round) : null;
    const votes = c.votes;
    return {
      height: c.height,
      round: c.round,
      step: c.step,
      proposer: proposer && set ? { address: proposer.address, index: set.indexOf(proposer.address) } : null,
      proposalBlockHash: c.proposals.get(c.round)?.blockHash ?? null,
      lockedBlockHash: c.lockedValue,
      lockedRound: c.lockedRound,
      validBlockHash: c.validValue,
      validRound: c.validRound,
      powers: set ? set.validators.map((v) => v.power) : [],
      totalPower: set?.totalPower ?? 0,
      votes: votes
        ? votes.roundsWithVotes().map((round) => ({
            round,
            prevotes: (set?.validators ?? []).map((_, i) => votes.prevotes(round).get(i)),
            precommits: (set?.validators ?? []).map((_, i) => votes.precommits(round).get(i)),
          }))
        : [],
      lastCommit: c.lastCommit,
    };
  }

  /**
   * The height every read answers from: the chain state's, which moves only after the app
   * persisted the block's state. The block store holds block H (and its results and tx index)
   * before that; a client shown them earlier would see a transaction without its effects.
   */
  private get readHeight(): number {
    return this.driver.chainState.lastBlockHeight;
  }

  async block(height?: number): Promise<StoredBlock | undefined> {
    const h = height ?? this.readHeight;
    if (h > this.readHeight) return undefined;
    const bytes = await this.blockStore.loadBlockBytes(h);
    if (!bytes) return undefined;
    const block = decodeBlock(bytes);
    return { block, hash: headerHash(block.header), size: bytes.length };
  }

  async blockByHash(hash: Uint8Array): Promise<StoredBlock | undefined> {
    const height = await this.blockStore.heightOfHash(hash);
    return height === undefined ? undefined : this.block(height);
  }

  async blockResults(height?: number): Promise<BlockResults | undefined> {
    const h = height ?? this.readHeight;
    return h > this.readHeight ? undefined : this.blockStore.loadResults(h);
  }

  async blockCommit(height?: number): Promise<{ block: StoredBlock; commit: Commit; canonical: boolean; commitTime: number } | undefined> {
    const h = height ?? this.readHeight;
    const block = await this.block(h);
    if (!block) return undefined;
    const next = await this.block(h + 1);
    if (next) return { block, commit: next.block.lastCommit, canonical: true, commitTime: next.block.header.time };
    const seen = await this.blockStore.loadSeenCommit(h);
    return seen ? { block, commit: seen, canonical: false, commitTime: block.block.header.time } : undefined;
  }

  /** How far back consensus_params looks for a governance change of the parameters (one results record per height). */
  private static readonly PARAMS_LOOKBACK = 1000;

  async consensusParams(height?: number): Promise<{ height: number; params: ConsensusParams } | undefined> {
    const current = this.driver.chainState.consensusParams;
    if (height === undefined || height === this.readHeight + 1) return { height: this.readHeight + 1, params: current };
    const found = await this.block(height);
    if (!found) return undefined;
    const want = found.block.header.consensusParamsHash;
    const matches = (p: ConsensusParams): boolean => bytesEqual(consensusParamsHash(p), want);
    if (matches(current)) return { height, params: current };
    // A change decided in block k is in force from k + 1: the newest change before `height` that matches.
    const floor = Math.max(this.blockStore.base, height - Node.PARAMS_LOOKBACK);
    for (let k = height - 1; k >= floor; k--) {
      const update = (await this.blockStore.loadResults(k))?.consensusParamUpdates[0];
      if (update && matches(update)) return { height, params: update };
    }
    return matches(this.genesis.consensusParams) ? { height, params: this.genesis.consensusParams } : undefined;
  }

  checkTx(tx: Uint8Array): CheckTxResponse {
    return this.app.checkTxOnly(tx);
  }

  addEvidence(evidence: Evidence): Promise<AddEvidenceResult> {
    return this.evidencePool.add(evidence, this.driver.chainState, { announce: true });
  }

  async validators(height?: number): Promise<{ height: number; set: ValidatorSet } | undefined> {
    const s = this.driver.chainState;
    const h = height ?? s.lastBlockHeight + 1;
    const set = await validatorsAt(this.blockStore, s, h);
    return set ? { height: h, set } : undefined;
  }

  async tx(hash: Uint8Array): Promise<TxRecord | undefined> {
    const record = await this.blockStore.loadTx(hash);
    return record && record.height <= this.readHeight ? record : undefined;
  }

  searchTxs(query: EventQuery, page: SearchPage): Promise<{ total: number; txs: TxHit[] }> {
    return searchTxs(this.blockStore, this.readHeight, query, page);
  }

  searchBlocks(query: EventQuery, page: SearchPage): Promise<{ total: number; heights: number[] }> {
    return searchBlocks(this.blockStore, this.readHeight, query, page);
  }

  broadcastTx(tx: Uint8Array): Promise<AddResult> {
    return this.parts.broadcastTx(tx);
  }

  async metrics(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.metricsRegistry.contentType, text: await this.metricsRegistry.text() };
  }

  netInfo(): NetInfo {
    const host = this.host;
    if (!host) return { listening: false, peerId: '', listenAddrs: [], peers: [] };
    return { listening: true, peerId: host.peerId, listenAddrs: host.listenAddrs, peers: host.peers() };
  }

  /** Forwards to the app; the paths its routes mark gated wait their turn in the query gate. */
  query(request: QueryRequest, client = '', gone?: () => boolean): Promise<QueryResponse> {
    if (isGatedQueryPath(request.path)) return this.queryGate.run(client, () => this.app.query(request), gone);
    return Promise.resolve(this.app.query(request));
  }

  account(address: Uint8Array, height: number, prove: boolean): AccountView {
    // The latest state is pinned to the read height: the app persists block H before the chain state says H.
    const res = this.app.query({ path: '/account', data: address, height: height === 0 ? this.readHeight : height, prove });
    if (res.code !== 0) throw new CmtError('QUERY_FAILED', res.log);
    const account = res.value.length === 0 ? EMPTY_ACCOUNT : decode(Account, res.value, 'account');
    const latest = res.height === this.readHeight;
    if (latest) this.mempool.freshen(address);
    return {
      address,
      balance: account.balance,
      nonce: account.nonce,
      pendingNonce: latest ? this.app.pendingNonce(address) : account.nonce,
      height: res.height,
      ...(res.proof ? { proof: { proof: res.proof, key: res.key, value: res.value.length ? res.value : undefined } } : {}),
    };
  }

  params(): ChainParams {
    const res = this.app.query({ path: '/params', data: new Uint8Array(0), height: 0, prove: false });
    return { app: decodeAppParams(res.value), consensus: this.driver.chainState.consensusParams, baseFee: this.app.baseFee() };
  }

  /**
   * Files are no part of consensus, and most chains hold none: the service starts beside
   * consensus once the chain has a registered file (at start, or after the block that registers
   * the first) or a client uses /ipfs, so a node without files never loads Helia's modules (they
   * take seconds to load). Undefined when it cannot run (no network yet, or it failed to start).
   */
  files(): Promise<FileService | undefined> {
    const host = this.host;
    if (!host) return Promise.resolve(undefined);
    this.filesStarting ??= this.startFiles(host);
    return this.filesStarting;
  }

  private async startFiles(host: P2PHost): Promise<FileService | undefined> {
    try {
      const { FileService } = await import('../files/file-service.js');
      const files = await FileService.start({ dir: join(this.paths.data, 'ipfs'), libp2p: host.libp2pForFiles(), registry: this.fileRegistry(), logger: this.logger.child({ module: 'files' }) });
      this.parts.events.on('newBlock', () => files.onBlock());
      return files;
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'the files service did not start: /ipfs answers 503, and registered files are not pinned');
      return undefined;
    }
  }

  /** The chain's file records as the files service reads them: the /files query paths at the read height. */
  private fileRegistry(): FileRegistry {
    const ask = (path: string, request: unknown): unknown => {
      const res = this.app.query({ path, data: utf8(JSON.stringify(request)), height: this.readHeight, prove: false });
      return res.code === 0 ? (JSON.parse(new TextDecoder().decode(res.value)) as unknown) : undefined;
    };
    return {
      size: (cid) => {
        const info = ask('/files/info', { cid }) as { size: string } | undefined;
        return info ? Number(info.size) : undefined;
      },
      count: () => Number((ask('/files/list', { limit: 1 }) as { total: string } | undefined)?.total ?? 0),
      list: (from, limit) => (ask('/files/list', { from, limit }) as { files: string[] } | undefined)?.files ?? [],
    };
  }

  get queryLimits(): QueryLimits {
    return this.config.query;
  }

  mempoolInfo(limit: number): { count: number; bytes: number; txs: Uint8Array[] } {
    return { count: this.mempool.size, bytes: this.mempool.sizeBytes, txs: this.mempool.list(limit) };
  }

  txLatency(limit: number): BlockLatency[] {
    return this.parts.executor.latency?.recent(limit) ?? [];
  }
}

/**
 * No key file is a full node, unless a last-sign state says this home has signed as a validator:
 * then the key went missing, and running on as a non-validator would hide it. A key file that is
 * there but cannot be read or parsed is an error naming it, never a silent full node.
 */
async function loadPrivValidator(paths: HomePaths): Promise<PrivValidator | null> {
  const missing = async (path: string): Promise<boolean> => {
    try {
      await stat(path);
      return false;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw new CmtError('INVALID_VALIDATOR_KEY', `${path}: cannot read (${(err as Error).message})`);
    }
  };
  if (await missing(paths.privValidatorKey)) {
    if (await missing(paths.privValidatorState)) return null;
    throw new CmtError('INVALID_VALIDATOR_KEY', `${paths.privValidatorKey}: missing, but ${paths.privValidatorState} shows this node has signed as a validator; restore the key, or remove the sign state to run as a full node`);
  }
  return PrivValidator.load(paths.privValidatorKey, paths.privValidatorState);
}

/** The narrow interface through which the RPC server sees a node. */
import type { Block } from '../codec/block.js';
import type { Commit, CommitSig, Vote } from '../codec/vote.js';
import type { ConsensusParams } from '../codec/params.js';
import type { QueryRequest, QueryResponse } from '../app/abci.js';
import type { AppParams } from '../app/params.js';
import type { RoundStep } from '../consensus/types.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import type { AddResult } from '../mempool/mempool.js';
import type { BlockResults, TxRecord } from '../store/records.js';
import type { EventBus } from './event-bus.js';
import type { GenesisDoc } from './genesis.js';
import type { QueryLimits } from './query-gate.js';
import type { EventQuery } from '../rpc/event-query.js';
import type { SearchPage, TxHit } from '../store/event-search.js';
import type { CheckTxResponse } from '../app/abci.js';
import type { Evidence } from '../codec/vote.js';
import type { AddEvidenceResult } from './evidence-pool.js';
import type { BlockLatency } from './tx-latency.js';

export interface NodeStatus {
  moniker: string;
  chainId: string;
  version: string;
  latestBlockHeight: number;
  latestBlockHash: Uint8Array;
  latestAppHash: Uint8Array;
  latestBlockTime: number;
  earliestBlockHeight: number;
  /** The app's protocol version (CometBFT's protocol_version.app); cmt's app has one version, 0. */
  appVersion: number;
  validator: { address: Uint8Array; publicKey: Uint8Array; power: number } | null;
}

export interface RoundVotes {
  round: number;
  /** One entry per validator of the height, in set order; undefined where no vote arrived. */
  prevotes: (Vote | undefined)[];
  precommits: (Vote | undefined)[];
}

export interface ConsensusPosition {
  height: number;
  round: number;
  step: RoundStep;
  proposer: { address: Uint8Array; index: number } | null;
  proposalBlockHash: Uint8Array | null;
  lockedBlockHash: Uint8Array | null;
  lockedRound: number;
  validBlockHash: Uint8Array | null;
  validRound: number;
  /** Voting power by validator index, and the total. */
  powers: number[];
  totalPower: number;
  votes: RoundVotes[];
  /**
   * The previous height's precommits as this node holds them (CometBFT's LastCommit): one
   * signature per validator of that height's set, absent where none arrived.
   */
  lastCommit: { height: number; round: number; blockHash: Uint8Array; validators: ValidatorSet; signatures: CommitSig[] } | null;
}

/** The node's network identity: its libp2p peer id and the Ed25519 public key it names. */
export interface NodeIdentity {
  peerId: string;
  publicKey: Uint8Array;
  /** The first p2p listen multiaddr, or the configured host:port before the network started. */
  listenAddr: string;
}

export interface NetInfo {
  listening: boolean;
  /** This node's libp2p peer id and listen multiaddrs. */
  peerId: string;
  listenAddrs: string[];
  peers: { peerId: string; addr: string; direction: 'inbound' | 'outbound' }[];
}

export interface StoredBlock {
  block: Block;
  hash: Uint8Array;
  size: number;
}

export interface AccountView {
  address: Uint8Array;
  balance: bigint;
  nonce: number;
  /** The next nonce counting transactions waiting in the mempool (latest height only). */
  pendingNonce: number;
  /** The state version answered: block height (0 = genesis state). */
  height: number;
  /** With a proof: verify it against the app hash of the header at height + 1. */
  proof?: { proof: Uint8Array; key: Uint8Array; value: Uint8Array | undefined };
}

export interface ChainParams {
  app: AppParams;
  consensus: ConsensusParams;
  /** The lowest gas price the next block accepts (at least app.minGasPrice; spec/contracts.md, "Gas price"). */
  baseFee: bigint;
}

export interface NodeApi {
  readonly events: EventBus;
  readonly genesis: GenesisDoc;
  status(): NodeStatus;
  /** The block at `earliestBlockHeight`: its hash, header time and app hash; undefined when the store holds no block. */
  earliestBlock(): Promise<{ hash: Uint8Array; time: number; appHash: Uint8Array } | undefined>;
  /** A stored block's hash, header time and header app hash (the state root before it), cached: status asks per call. */
  blockSummary(height: number): Promise<{ hash: Uint8Array; time: number; appHash: Uint8Array } | undefined>;
  consensusPosition(): ConsensusPosition;
  /** The newest block when height is undefined. */
  block(height?: number): Promise<StoredBlock | undefined>;
  blockByHash(hash: Uint8Array): Promise<StoredBlock | undefined>;
  blockResults(height?: number): Promise<BlockResults | undefined>;
  /**
   * The commit that decided block `height` (the newest readable when undefined): the next
   * block's lastCommit (canonical), else this node's seen commit. RPC `commit` answers with it.
   * `commitTime` is the time of the block that carries the commit (the next block's), or the
   * block's own time for a seen commit: cmt's votes carry no timestamp (spec/rpc.md).
   */
  blockCommit(height?: number): Promise<{ block: StoredBlock; commit: Commit; canonical: boolean; commitTime: number } | undefined>;
  validators(height?: number): Promise<{ height: number; set: ValidatorSet } | undefined>;
  tx(hash: Uint8Array): Promise<TxRecord | undefined>;
  /** Committed transactions whose events match `query` (tx_search): one page, and the number matching. */
  searchTxs(query: EventQuery, page: SearchPage): Promise<{ total: number; txs: TxHit[] }>;
  /** Heights of committed blocks whose events match `query` (block_search): one page, and the number matching. */
  searchBlocks(query: EventQuery, page: SearchPage): Promise<{ total: number; heights: number[] }>;
  broadcastTx(tx: Uint8Array): Promise<AddResult>;
  /** CheckTx alone (RPC check_tx): the mempool and the state stay exactly as they were. */
  checkTx(tx: Uint8Array): CheckTxResponse;
  /**
   * The consensus parameters in force at block `height` (the next block's when undefined): the
   * set whose hash the block's header carries; undefined when the node no longer knows it.
   */
  consensusParams(height?: number): Promise<{ height: number; params: ConsensusParams } | undefined>;
  /** Evidence from a client (RPC broadcast_evidence): verified by the pool, gossiped when new. */
  addEvidence(evidence: Evidence): Promise<AddEvidenceResult>;
  /** This node's network identity (its node key), also before the network is started. */
  identity(): Promise<NodeIdentity>;
  /**
   * ABCI Query, forwarded to the app, whose modules own the paths (spec/queries.md). Paths
   * whose work grows with the state and is paid by nobody (the app's routes say which: contract
   * calls, gas estimates, live governance tallies) run through the query gate: `client` names
   * who asks (its remote address) for the per-client limit, and a request over a limit is a
   * QueryLimitError; `gone` says the client has left, and its waiting query is then not run.
   */
  query(request: QueryRequest, client?: string, gone?: () => boolean): Promise<QueryResponse>;
  /** Throws a CmtError when the height is not available. */
  account(address: Uint8Array, height: number, prove: boolean): AccountView;
  params(): ChainParams;
  mempoolInfo(limit: number): { count: number; bytes: number; txs: Uint8Array[] };
  /** How long the newest `limit` blocks' transactions waited in this node's mempool, newest first (tx-latency.ts). */
  txLatency(limit: number): BlockLatency[];
  netInfo(): NetInfo;
  /** Limits of the free work above (spec/node.md, "Queries"). */
  readonly queryLimits: QueryLimits;
  /** Prometheus exposition text. */
  metrics(): Promise<{ contentType: string; text: string }>;
}

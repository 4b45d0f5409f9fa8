/** The narrow interface through which the RPC server sees a node. */
import type { Block } from '../codec/block.js';
import type { Commit, Vote } from '../codec/vote.js';
import type { ConsensusParams } from '../codec/params.js';
import type { QueryRequest, QueryResponse } from '../app/abci.js';
import type { AppParams } from '../app/params.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import type { AddResult } from '../mempool/mempool.js';
import type { BlockResults, TxRecord } from '../store/records.js';
import type { EventBus } from './event-bus.js';
import type { CandidateInfo, DelegationView, RewardsView, UnbondingView, ValidatorInfo } from '../app/staking/queries.js';
import type { StakingParams } from '../app/staking/params.js';
import type { ProposalStatus, ProposalView, Tally, VoteView } from '../app/gov/index.js';
import type { GenesisDoc } from './genesis.js';
import type { QueryOutcome } from '../app/query/dry-run.js';
import type { QueryLimits } from './query-gate.js';

export interface NodeStatus {
  moniker: string;
  chainId: string;
  version: string;
  latestBlockHeight: number;
  latestBlockHash: Uint8Array;
  latestAppHash: Uint8Array;
  latestBlockTime: number;
  earliestBlockHeight: number;
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
  step: string;
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

/** A deployed contract at the latest height (spec/contracts.md). */
export interface ContractInfo {
  address: Uint8Array;
  deployer: Uint8Array;
  bundleHash: Uint8Array;
  /** The height of the block that deployed it. */
  deployedAt: number;
  balance: bigint;
  /** The bundle's files in canonical order, with their sizes in bytes. */
  files: { name: string; bytes: number }[];
  /** The entry module's exports; undefined when they cannot be listed. */
  methods?: string[];
}

/** A governance proposal with the stake behind each option: live while it is voting, the final tally after. */
export interface GovProposalInfo {
  proposal: ProposalView;
  tally: Tally;
}

export interface NodeApi {
  readonly events: EventBus;
  readonly genesis: GenesisDoc;
  status(): NodeStatus;
  /** Hash of the block at `earliestBlockHeight`; empty when the store holds no block. */
  earliestBlockHash(): Promise<Uint8Array>;
  consensusPosition(): ConsensusPosition;
  /** The newest block when height is undefined. */
  block(height?: number): Promise<StoredBlock | undefined>;
  blockByHash(hash: Uint8Array): Promise<StoredBlock | undefined>;
  blockResults(height?: number): Promise<BlockResults | undefined>;
  commit(height?: number): Promise<{ block: StoredBlock; commit: Commit; canonical: boolean } | undefined>;
  validators(height?: number): Promise<{ height: number; set: ValidatorSet } | undefined>;
  tx(hash: Uint8Array): Promise<TxRecord | undefined>;
  broadcastTx(tx: Uint8Array): Promise<AddResult>;
  query(request: QueryRequest): QueryResponse;
  /** Throws a CmtError when the height is not available. */
  account(address: Uint8Array, height: number, prove: boolean): AccountView;
  params(): ChainParams;
  mempoolInfo(limit: number): { count: number; bytes: number; txs: Uint8Array[] };
  netInfo(): NetInfo;
  /** Staking state at the latest height (spec/staking.md). */
  stakingCandidates(): CandidateInfo[];
  stakingCandidate(owner: Uint8Array): CandidateInfo | undefined;
  stakingDelegations(delegator: Uint8Array): DelegationView[];
  /** The validator set the application last reported, with owners and signing records, and the backups. */
  stakingValidators(): { height: number; validators: ValidatorInfo[]; backups: CandidateInfo[] };
  stakingRewards(address: Uint8Array): RewardsView;
  stakingUnbonding(address: Uint8Array): UnbondingView;
  stakingParams(): StakingParams;
  /**
   * Governance state at the latest height (spec/governance.md): every proposal (or those with
   * `status`), newest first. A live tally reads every voter's delegations, so these run through
   * the query gate like contract queries (`client`, `gone`: as below).
   */
  govProposals(status: ProposalStatus | undefined, client: string, gone?: () => boolean): Promise<GovProposalInfo[]>;
  /** One proposal with its tally and its votes in the order first cast; undefined for an unknown id. */
  govProposal(id: number, client: string, gone?: () => boolean): Promise<(GovProposalInfo & { votes: VoteView[] }) | undefined>;
  /**
   * Limits of the free work below (spec/node.md, "Queries"): `client` names who asks (its
   * remote address); a request over a limit is a QueryLimitError.
   */
  readonly queryLimits: QueryLimits;
  /**
   * A deployed contract; undefined when none is at `address`. Listing its methods is a query.
   * `gone` (here and below) says the client has left: its query is then not run.
   */
  contract(address: Uint8Array, client: string, gone?: () => boolean): Promise<ContractInfo | undefined>;
  /**
   * A read-only call of a contract method at the latest state: free, nothing it writes is
   * kept, at most the query gas limit. undefined when no contract is at `address`.
   */
  queryContract(address: Uint8Array, method: string, argsJson: string, from: Uint8Array | undefined, client: string, gone?: () => boolean): Promise<QueryOutcome | undefined>;
  /** The gas a signed transaction would use if executed now, from the sender's pending nonce (a dry run capped at the query gas limit; the signature is not checked). */
  estimateGas(tx: Uint8Array, client: string, gone?: () => boolean): Promise<{ code: number; log: string; gasUsed: number }>;
  /** Prometheus exposition text. */
  metrics(): Promise<{ contentType: string; text: string }>;
}

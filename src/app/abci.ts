/**
 * The in-process application interface, shaped like ABCI 2.0. Consensus and the node talk
 * to the application only through this (keystone 2); the simulator plugs a tiny app in here.
 */
import type { ConsensusParams } from '../codec/params.js';
import type { AppEvent, TxResult } from '../codec/results.js';
import type { Evidence } from '../codec/vote.js';

export interface InfoResponse {
  /** Height of the last persisted state: 0 before InitChain and at genesis (state version 0). */
  lastBlockHeight: number;
  lastBlockAppHash: Uint8Array;
}

export interface GenesisValidator {
  publicKey: Uint8Array;
  power: number;
}

export interface InitChainRequest {
  chainId: string;
  /** Genesis time in ms since the Unix epoch. */
  time: number;
  initialHeight: number;
  consensusParams: ConsensusParams;
  validators: GenesisValidator[];
  /** The genesis file's app_state, as parsed JSON. */
  appState: unknown;
}

export interface InitChainResponse {
  appHash: Uint8Array;
}

export type CheckTxKind = 'new' | 'recheck';

export interface CheckTxResponse {
  code: number;
  codespace: string;
  log: string;
  gasWanted: number;
  /** Present when the transaction decoded: who sends it, with which nonce, at which gas price. */
  sender?: Uint8Array;
  nonce?: number;
  gasPrice?: bigint;
}

export interface BlockInfo {
  height: number;
  /** Block time, ms since the Unix epoch, from the header. */
  time: number;
  proposerAddress: Uint8Array;
  txs: Uint8Array[];
}

export interface PrepareProposalRequest extends BlockInfo {
  maxTxBytes: number;
}

export type ProcessProposalResponse = { accept: true } | { accept: false; reason: string };

export interface VoteInfo {
  validatorAddress: Uint8Array;
  power: number;
  signedLastBlock: boolean;
}

export interface FinalizeBlockRequest extends BlockInfo {
  hash: Uint8Array;
  /** Who signed the previous block, from this block's last commit. */
  decidedLastCommit: { round: number; votes: VoteInfo[] };
  misbehavior: Evidence[];
}

export interface ValidatorUpdateInfo {
  publicKey: Uint8Array;
  power: number;
}

export interface FinalizeBlockResponse {
  txResults: TxResult[];
  events: AppEvent[];
  validatorUpdates: ValidatorUpdateInfo[];
  consensusParamUpdates: ConsensusParams | null;
  /** The state root after this block: the next header's appHash. */
  appHash: Uint8Array;
}

/** What persist() answers (ABCI's ResponseCommit). */
export interface PersistResponse {
  /** Blocks below this height may be pruned by the node (0: keep all). */
  retainHeight: number;
}

export interface QueryRequest {
  path: string;
  data: Uint8Array;
  /** 0 for the latest persisted state. */
  height: number;
  prove: boolean;
}

export interface QueryResponse {
  code: number;
  log: string;
  height: number;
  key: Uint8Array;
  value: Uint8Array;
  /** RLP-encoded state proof when asked for. */
  proof: Uint8Array | null;
}

export interface Application {
  info(): InfoResponse;
  initChain(request: InitChainRequest): Promise<InitChainResponse>;
  checkTx(tx: Uint8Array, kind: CheckTxKind): CheckTxResponse;
  prepareProposal(request: PrepareProposalRequest): Promise<Uint8Array[]>;
  processProposal(request: BlockInfo & { hash: Uint8Array }): Promise<ProcessProposalResponse>;
  finalizeBlock(request: FinalizeBlockRequest): Promise<FinalizeBlockResponse>;
  /**
   * ABCI's Commit: makes the state finalizeBlock computed the application's new state. Named
   * persist here because "commit" means only the +2/3 precommit signatures (spec/consensus.md, Words).
   */
  persist(): Promise<PersistResponse>;
  query(request: QueryRequest): QueryResponse;
}

/**
 * Builds, validates and applies blocks (CometBFT's BlockExecutor). Applying follows an order
 * that a crash at any point leaves recoverable by the handshake on restart:
 *   block saved (by the caller, fsync) -> FinalizeBlock -> results and tx index saved ->
 *   app persist (ABCI Commit: its state version written) -> chain state saved (fsync).
 * The executor drives the mempool, never the other way round: it holds the pool from before
 * FinalizeBlock until the pool has dropped the block's transactions, so no CheckTx runs against
 * a check state that the app's persist is replacing (CometBFT's Lock, Commit, Update, Unlock).
 * The mempool is in-memory only: a crash anywhere in this order loses nothing it must keep.
 */
import { BLOCK_VERSION, blockTxHashes, bodyMismatch, buildBlock, rememberEncoding, commitHash, EMPTY_COMMIT, encodeBlock, evidenceHash, headerHash, type Block } from '../codec/block.js';
import { bytesEqual } from '../codec/bytes.js';
import { consensusParamsHash } from '../codec/params.js';
import { COMMIT_FLAG_COMMIT, type Commit } from '../codec/vote.js';
import { formatAddress } from '../crypto/address.js';
import { verifyCommit } from '../consensus/commit.js';
import type { Application, FinalizeBlockResponse, VoteInfo } from '../app/abci.js';
import type { EvidencePool } from './evidence-pool.js';
import type { BlockStore } from '../store/block-store.js';
import type { GasAndBytes, Mempool } from '../mempool/mempool.js';
import { isMempoolCode } from '../mempool/errors.js';
import { encodeChainState, nextChainState, type ChainState } from './chain-state.js';
import type { TxLatency } from './tx-latency.js';
import type { AppliedCost, BlockBudget } from './block-budget.js';

/**
 * How far ahead of our clock a proposed block's time may be for us to prevote it. Only
 * proposals are judged by the clock (at prevote); a block with +2/3 precommits is applied
 * whatever our clock says, or a node with a slow clock could never follow the chain.
 */
export const MAX_CLOCK_DRIFT_MS = 10_000;
/** Heights between validator-set checkpoints at most, so the set of any past height is at most this many priority steps away. */
export const VALIDATOR_CHECKPOINT_INTERVAL = 1000;

function hardLimits(state: ChainState): GasAndBytes {
  return { gas: state.consensusParams.blockMaxGas, bytes: proposalTxBytes(state) };
}

/** The transaction bytes a proposal may hold: the block limit less room for the header and the last commit (about 200 bytes a signature). */
function proposalTxBytes(state: ChainState): number {
  return state.consensusParams.blockMaxBytes - (1024 + 200 * state.validators.size);
}

/** Whether a proposed block's time fits this node's clock (proposer-based timestamps, checked at prevote). */
export function isTimely(blockTime: number, now: number): boolean {
  return blockTime <= now + MAX_CLOCK_DRIFT_MS;
}

export interface ProposalBlock {
  block: Block;
  bytes: Uint8Array;
  hash: Uint8Array;
}

export interface AppliedBlock {
  state: ChainState;
  response: FinalizeBlockResponse;
}

export class BlockExecutor {
  /** Where proposals take evidence from and blocks' evidence is checked; null accepts none. */
  evidence: EvidencePool | null = null;
  /** Where each applied block's submit-to-commit waits are summed up; null keeps none. */
  latency: TxLatency | null = null;
  /** What this node applies within the block time (block-budget.ts); null: proposals take all the consensus limits allow. */
  budget: BlockBudget | null = null;

  constructor(
    private readonly app: Application,
    private readonly blockStore: BlockStore,
    private readonly mempool: Mempool,
  ) {}

  async createProposalBlock(state: ChainState, lastCommit: Commit | null, proposer: Uint8Array, now: number): Promise<ProposalBlock> {
    const height = state.lastBlockHeight + 1;
    const params = state.consensusParams;
    const maxTxBytes = proposalTxBytes(state);
    const candidates = this.mempool.reap(maxTxBytes, params.blockMaxGas, undefined, this.proposalBudget(state) ?? undefined);
    const time = Math.max(now, state.lastBlockTime + 1);
    const txs = await this.app.prepareProposal({ height, time, proposerAddress: proposer, txs: candidates, maxTxBytes });
    const commit = height === state.initialHeight ? EMPTY_COMMIT : (lastCommit ?? EMPTY_COMMIT);
    const evidence = this.evidence?.proposable() ?? [];
    const block = buildBlock(
      {
        version: BLOCK_VERSION,
        chainId: state.chainId,
        height,
        time,
        lastBlockHash: state.lastBlockHash,
        lastCommitHash: commitHash(commit),
        validatorsHash: state.validators.hash(),
        nextValidatorsHash: state.nextValidators.hash(),
        consensusParamsHash: consensusParamsHash(params),
        appHash: state.appHash,
        lastResultsHash: state.lastResultsHash,
        evidenceHash: evidenceHash(evidence),
        proposerAddress: proposer,
      },
      txs,
      evidence,
      commit,
    );
    const bytes = encodeBlock(block);
    rememberEncoding(bytes, block);
    return { block, bytes, hash: headerHash(block.header) };
  }

  /** What a proposal on `state` may hold by this node's block budget, within the consensus limits; null without a budget. */
  proposalBudget(state: ChainState): GasAndBytes | null {
    return this.budget?.limits(hardLimits(state)) ?? null;
  }

  /** Tells the block budget what validating and applying a block on `state` cost this node. */
  observeCost(state: ChainState, cost: AppliedCost): void {
    this.budget?.observe(cost, hardLimits(state));
  }

  /**
   * Returns why `block` is not a valid next block, or null. The app's ProcessProposal has the
   * last word. A function of the block and the chain state alone, never of the local clock.
   */
  async validateBlock(state: ChainState, block: Block, size: number): Promise<string | null> {
    const reason = validateHeader(state, block, size);
    if (reason) return reason;
    if (block.evidence.length > 0) {
      const invalid = this.evidence ? await this.evidence.checkBlockEvidence(state, block.evidence) : 'this node does not check evidence';
      if (invalid) return invalid;
    }
    const h = block.header;
    const verdict = await this.app.processProposal({ height: h.height, time: h.time, proposerAddress: h.proposerAddress, txs: block.txs, hash: headerHash(h) });
    return verdict.accept ? null : `rejected by the application: ${verdict.reason}`;
  }

  /**
   * Executes a decided block already in the block store and returns the next chain state:
   * with the mempool held, FinalizeBlock, results saved, app persist, chain state saved, then
   * the mempool drops the block's transactions and marks the rest for re-check; the pool is
   * released, and the evidence pool learns of the block last (it does not touch the mempool).
   */
  async applyBlock(state: ChainState, block: Block, hash: Uint8Array): Promise<AppliedBlock> {
    const txHashes = blockTxHashes(block);
    const { seen, ...applied } = await this.mempool.lockForBlock(async (pool) => {
      const response = await this.finalize(state, block, hash);
      await this.saveResults(block, response, txHashes);
      await this.app.persist();
      const next = this.advance(state, block, hash, response);
      await this.saveState(state, next);
      return { state: next, response, seen: pool.update(txHashes).seen };
    });
    // After the pool is released: summing up the waits must not hold admissions.
    this.latency?.record(block.header.height, block.txs.length, seen);
    await this.evidence?.blockCommitted(block, applied.state);
    return applied;
  }

  /**
   * Saves the chain state, and a validator-set checkpoint where the set changes and every
   * VALIDATOR_CHECKPOINT_INTERVAL heights: the set of a past height is its checkpoint advanced
   * one proposer-priority step per height, so without the periodic ones a query for a recent
   * height of a long-unchanged set would replay every step since the change (seconds).
   */
  async saveState(previous: ChainState, next: ChainState): Promise<void> {
    // nextValidators is the set that signs two heights on.
    const signsAt = next.lastBlockHeight + 2;
    if (next.lastHeightValidatorsChanged !== previous.lastHeightValidatorsChanged || signsAt % VALIDATOR_CHECKPOINT_INTERVAL === 0) {
      await this.blockStore.saveValidatorCheckpoint(signsAt, next.nextValidators.encode());
    }
    await this.blockStore.saveChainState(encodeChainState(next));
  }

  async finalize(state: ChainState, block: Block, hash: Uint8Array): Promise<FinalizeBlockResponse> {
    const h = block.header;
    const response = await this.app.finalizeBlock({
      height: h.height,
      time: h.time,
      hash,
      proposerAddress: h.proposerAddress,
      txs: block.txs,
      decidedLastCommit: decidedLastCommit(state, block.lastCommit),
      misbehavior: block.evidence,
    });
    if (response.txResults.length !== block.txs.length) throw new Error(`application returned ${response.txResults.length} results for ${block.txs.length} transactions`);
    // The mempool's codes describe the pool, not the transaction: one in the results hash would
    // be an app bug made permanent, so the node stops before anything is saved.
    const i = response.txResults.findIndex((r) => isMempoolCode(r.code));
    if (i >= 0) throw new Error(`application returned the mempool's code ${response.txResults[i]?.code} for transaction ${i} of block ${h.height}`);
    return response;
  }

  async saveResults(block: Block, response: FinalizeBlockResponse, txHashes: readonly Uint8Array[] = blockTxHashes(block)): Promise<void> {
    await this.blockStore.saveResults(
      {
        height: block.header.height,
        txResults: response.txResults,
        events: response.events,
        validatorUpdates: response.validatorUpdates,
        consensusParamUpdates: response.consensusParamUpdates ? [response.consensusParamUpdates] : [],
        appHash: response.appHash,
      },
      txHashes,
    );
  }

  advance(state: ChainState, block: Block, hash: Uint8Array, response: FinalizeBlockResponse): ChainState {
    return nextChainState(state, {
      height: block.header.height,
      hash,
      time: block.header.time,
      txResults: response.txResults,
      validatorUpdates: response.validatorUpdates,
      consensusParamUpdates: response.consensusParamUpdates,
      appHash: response.appHash,
    });
  }
}

function decidedLastCommit(state: ChainState, commit: Commit): { round: number; votes: VoteInfo[] } {
  const vals = state.lastValidators;
  if (!vals) return { round: 0, votes: [] };
  return {
    round: commit.round,
    votes: vals.validators.map((v, i) => ({ validatorAddress: v.address, power: v.power, signedLastBlock: commit.signatures[i]?.flag === COMMIT_FLAG_COMMIT })),
  };
}

/** CometBFT's state.ValidateBlock: everything the header must agree on with our chain state. */
export function validateHeader(state: ChainState, block: Block, size: number): string | null {
  const h = block.header;
  const height = state.lastBlockHeight + 1;
  if (h.version !== BLOCK_VERSION) return `block version ${h.version}, expected ${BLOCK_VERSION}`;
  if (h.chainId !== state.chainId) return `chain id "${h.chainId}", expected "${state.chainId}"`;
  if (h.height !== height) return `height ${h.height}, expected ${height}`;
  if (size > state.consensusParams.blockMaxBytes) return `block is ${size} bytes, the limit is ${state.consensusParams.blockMaxBytes}`;
  if (!bytesEqual(h.lastBlockHash, state.lastBlockHash)) return 'wrong last block hash';
  const mismatch = bodyMismatch(block);
  if (mismatch) return mismatch;
  if (!bytesEqual(h.validatorsHash, state.validators.hash())) return 'wrong validators hash';
  if (!bytesEqual(h.nextValidatorsHash, state.nextValidators.hash())) return 'wrong next validators hash';
  if (!bytesEqual(h.consensusParamsHash, consensusParamsHash(state.consensusParams))) return 'wrong consensus params hash';
  if (!bytesEqual(h.appHash, state.appHash)) return 'wrong app hash';
  if (!bytesEqual(h.lastResultsHash, state.lastResultsHash)) return 'wrong last results hash';
  if (state.validators.indexOf(h.proposerAddress) < 0) return `proposer ${formatAddress(h.proposerAddress)} is not a validator`;
  if (h.height === state.initialHeight) {
    if (block.lastCommit.signatures.length > 0 || block.lastCommit.height !== 0) return 'the first block must carry an empty last commit';
    if (h.time < state.lastBlockTime) return 'block time is before genesis time';
  } else {
    if (h.time <= state.lastBlockTime) return 'block time is not after the previous block';
    if (!state.lastValidators) return 'no validator set for the previous height';
    try {
      verifyCommit(state.chainId, state.lastValidators, height - 1, state.lastBlockHash, block.lastCommit);
    } catch (err) {
      return `invalid last commit: ${(err as Error).message}`;
    }
  }
  return null;
}

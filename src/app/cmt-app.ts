/**
 * The CMT application behind the ABCI-shaped interface: genesis, CheckTx on a check-state
 * overlay, block execution on a block overlay, one state version per block.
 */
import { CmtError } from '../codec/errors.js';
import { VersionUnavailableError } from '../state/errors.js';
import { encode } from '../codec/schema.js';
import { Overlay } from '../state/overlay.js';
import { StateProof } from '../state/proof.js';
import type { StateStore } from '../state/store.js';
import type {
  Application,
  BlockInfo,
  CheckTxKind,
  CheckTxResponse,
  PersistResponse,
  FinalizeBlockRequest,
  FinalizeBlockResponse,
  InfoResponse,
  InitChainRequest,
  InitChainResponse,
  PrepareProposalRequest,
  ProcessProposalResponse,
  QueryRequest,
  QueryResponse,
} from './abci.js';
import { credit, readAccount, writeSupply } from './bank/accounts.js';
import { SequentialExecutor, type TxExecutor } from './executor/tx-executor.js';
import { CODESPACE, TxCode, TxError } from './errors.js';
import { type BatchVerifier, type SignatureJob, type VerifyLane } from './executor/signature-verifier.js';
import { VerifiedSignatures } from './executor/verified-signatures.js';
import { parseAppGenesis } from './genesis-state.js';
import { readAppParams, readChainSettings, writeAppParams, writeChainSettings, type ChainSettings } from './app-store.js';
import { checkSender, checkShape, checkSignature, checkStateless, reservePending, type TxLimits } from './tx-checks.js';
import type { TxIdentity } from '../mempool/mempool.js';
import { TxDecoder } from './tx-decoder.js';
import { readStakingParams } from './staking/records.js';
import { beginStakingBlock, endStakingBlock } from './staking/block-hooks.js';
import { initStaking } from './staking/init-chain.js';
import { endBlockGovernance, writeConsensusParams } from './gov/index.js';
import { fireProcessTimers } from './process/timers.js';
import { loadContractRuntime } from './contracts/runtime.js';
import { estimateTx, runQuery, type EstimateOutcome, type QueryOutcome } from './query/dry-run.js';
import { DEFAULT_QUERY_GAS_LIMIT } from './query/gas-limit.js';
import { nextBaseFee, readBaseFee, writeBaseFee } from './fees/base-fee.js';
import { QUERY_ROUTER } from './queriers.js';
import { QueryCode, QueryError, type QueryEnv } from './query/router.js';

export class AppNotInitializedError extends CmtError {
  constructor() {
    super('APP_NOT_INITIALIZED', 'the application has no genesis state yet (InitChain has not run)');
  }
}

export class CmtApp implements Application {
  private readonly decoder = new TxDecoder();
  private checkState: Overlay;
  private limitsCache: TxLimits | undefined;
  /** The last executed block's time: queries run contracts with it (not consensus-critical). */
  private lastBlockTime = 0;

  /**
   * `signatures` remembers transactions whose signatures verified. The simulator shares one
   * among its validators (verification is a pure function of the bytes); a node has its own.
   */
  constructor(
    private readonly store: StateStore,
    private readonly verifier: BatchVerifier,
    readonly signatures = new VerifiedSignatures(),
    private readonly executor: TxExecutor = new SequentialExecutor(),
  ) {
    this.checkState = new Overlay(store);
  }

  info(): InfoResponse {
    return { lastBlockHeight: Math.max(0, this.store.latestVersion), lastBlockAppHash: this.store.rootHash };
  }

  /** True once genesis state is written (version 0). */
  get initialized(): boolean {
    return this.store.latestVersion >= 0;
  }

  async initChain(request: InitChainRequest): Promise<InitChainResponse> {
    if (this.initialized) {
      // Genesis state is already durable (a crash after it, before the node recorded it).
      const settings = readChainSettings(this.store);
      if (settings?.chainId !== request.chainId) throw new CmtError('GENESIS_MISMATCH', `state belongs to chain "${settings?.chainId}", genesis says "${request.chainId}"`);
      return { appHash: this.store.rootAt(0) };
    }
    await loadContractRuntime();
    const genesis = parseAppGenesis(request.appState);
    const state = new Overlay(this.store);
    writeChainSettings(state, {
      chainId: request.chainId,
      maxTxBytes: request.consensusParams.maxTxBytes,
      blockMaxGas: request.consensusParams.blockMaxGas,
    });
    writeAppParams(state, genesis.params);
    let supply = 0n;
    for (const account of genesis.accounts) {
      credit(state, account.address, account.balance);
      supply += account.balance;
    }
    writeSupply(state, supply);
    initStaking(state, genesis.staking, request.validators, supply);
    writeConsensusParams(state, request.consensusParams);
    const appHash = this.store.stage(0, state.writeSet());
    await this.store.write();
    this.resetCheckState();
    return { appHash };
  }

  /**
   * The ante checks only (spec/transactions.md, "CheckTx"): decoding, size, chain, gas bounds,
   * signature, nonce, and that the sender can pay the maximum fee plus the value sent, which
   * are reserved in the check state. No message runs here: a contract call costs its sender gas
   * only in a block, so CheckTx must not run what nobody pays for.
   */
  checkTx(tx: Uint8Array, kind: CheckTxKind): CheckTxResponse {
    const limits = this.limits();
    try {
      // The nonce and the funds before the signature, as the Cosmos SDK's ante handler checks
      // the sequence before verifying: a transaction that cannot run costs no verification.
      const decoded = checkShape(tx, limits, this.decoder.decode);
      const account = checkSender(this.checkState, decoded);
      checkSignature(decoded, this.signatures);
      reservePending(this.checkState, decoded, account);
      const base = { gasWanted: decoded.tx.body.gasLimit, sender: decoded.sender, nonce: decoded.tx.body.nonce, gasPrice: decoded.tx.body.gasPrice };
      return { ...base, code: TxCode.OK, codespace: '', log: kind === 'recheck' ? 'rechecked' : '' };
    } catch (err) {
      if (err instanceof TxError) return { code: err.txCode, codespace: CODESPACE, log: err.message, gasWanted: 0 };
      throw err;
    }
  }

  /** CheckTx on a throwaway layer of the check state (RPC check_tx): what it reserves is dropped with the layer. */
  checkTxOnly(tx: Uint8Array): CheckTxResponse {
    const kept = this.checkState;
    this.checkState = kept.child();
    try {
      return this.checkTx(tx, 'new');
    } finally {
      this.checkState = kept;
    }
  }

  /** The lowest gas price the next block accepts (spec/contracts.md, "Gas price"). */
  baseFee(): bigint {
    return this.limits().baseFee;
  }

  /**
   * Gas a transaction would use if executed now, from the sender's pending nonce: a dry run
   * capped at `gasCap` (spec/node.md, "Queries"); see query/dry-run.ts.
   */
  estimateGas(tx: Uint8Array, gasCap = DEFAULT_QUERY_GAS_LIMIT): EstimateOutcome {
    return estimateTx(this.checkState.child(), tx, this.limits(), gasCap, this.decoder.decode);
  }

  /** A read-only contract call at the latest persisted state: free, and nothing it writes is kept. */
  queryContract(contract: Uint8Array, method: string, argsJson: string, from: Uint8Array = new Uint8Array(20), gasLimit = DEFAULT_QUERY_GAS_LIMIT): QueryOutcome {
    const query = { contract, method, argsJson, from, height: this.store.latestVersion, time: this.limits().time };
    return runQuery(new Overlay(this.store), query, gasLimit);
  }

  /** Sender, nonce, gas price and gas limit, from the decoded transaction alone (the mempool's re-check order, its screen before signature checks, its capacity by price). */
  identify(tx: Uint8Array): TxIdentity | undefined {
    try {
      const { sender, tx: signed } = this.decoder.decode(tx);
      return { sender, nonce: signed.body.nonce, gasPrice: signed.body.gasPrice, gasLimit: signed.body.gasLimit };
    } catch {
      return undefined;
    }
  }

  /** The next nonce of `address` counting transactions CheckTx accepted since the app last persisted. */
  pendingNonce(address: Uint8Array): number {
    return readAccount(this.checkState, address).nonce;
  }

  /**
   * Verifies, on the worker pool, the signatures of transactions not seen before and
   * remembers the good ones, so CheckTx and FinalizeBlock skip them.
   */
  async verifySignatures(txs: readonly Uint8Array[], lane: VerifyLane = 'block'): Promise<void> {
    const jobs: SignatureJob[] = [];
    const hashes: Uint8Array[] = [];
    for (const bytes of txs) {
      try {
        const { tx, hash, signBytes } = this.decoder.decode(bytes);
        if (this.signatures.isVerified(hash)) continue;
        jobs.push({ publicKey: tx.publicKey, message: signBytes, signature: tx.signature });
        hashes.push(hash);
      } catch {
        // Malformed: CheckTx/FinalizeBlock report it with its proper code.
      }
    }
    if (jobs.length === 0) return;
    const ok = await this.verifier.verifyBatch(jobs, lane);
    ok.forEach((good, i) => {
      if (good) this.signatures.add(hashes[i] as Uint8Array);
    });
  }

  async prepareProposal(request: PrepareProposalRequest): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    let bytes = 0;
    for (const tx of request.txs) {
      if (bytes + tx.length > request.maxTxBytes) break;
      out.push(tx);
      bytes += tx.length;
    }
    return out;
  }

  async processProposal(request: BlockInfo & { hash: Uint8Array }): Promise<ProcessProposalResponse> {
    const limits = this.limits();
    await this.verifySignatures(request.txs);
    let gas = 0;
    for (const [i, tx] of request.txs.entries()) {
      try {
        gas += checkStateless(tx, limits, this.signatures, this.decoder.decode).tx.body.gasLimit;
      } catch (err) {
        if (err instanceof TxError) return { accept: false, reason: `tx ${i}: ${err.message}` };
        throw err;
      }
    }
    if (gas > limits.blockMaxGas) return { accept: false, reason: `block wants ${gas} gas, the limit is ${limits.blockMaxGas}` };
    return { accept: true };
  }

  async finalizeBlock(request: FinalizeBlockRequest): Promise<FinalizeBlockResponse> {
    if (request.height !== this.store.latestVersion + 1) {
      throw new CmtError('WRONG_HEIGHT', `cannot execute block ${request.height}: state is at height ${this.store.latestVersion}`);
    }
    this.store.discardStaged();
    await loadContractRuntime();
    const limits: TxLimits = { ...this.limits(), time: request.time };
    this.lastBlockTime = request.time;
    await this.verifySignatures(request.txs);
    const block = new Overlay(this.store);
    const votes = request.decidedLastCommit.votes;
    const start = beginStakingBlock(block, { height: request.height, votes, misbehavior: request.misbehavior }, limits.staking);
    // Process timers due by this block fire before its transactions (spec/processes.md, "Timers").
    const timers = fireProcessTimers(block, request.height, request.time, limits.baseFee, Math.floor(limits.blockMaxGas / 4));
    const delivered = await this.executor.execute(block, request.txs, limits, this.signatures, this.decoder.decode);
    const txResults = delivered.map((d) => d.result);
    const fees = delivered.reduce((sum, d) => sum + d.fee, timers.fees);
    const gasUsed = txResults.reduce((sum, r) => sum + r.gasUsed, timers.gasUsed);
    const baseFee = nextBaseFee(limits.baseFee, gasUsed, limits.blockMaxGas, limits.params.minGasPrice);
    // Written only when it moves, so a quiet chain's blocks leave the state root alone.
    if (baseFee !== limits.baseFee) writeBaseFee(block, baseFee);
    const validatorUpdates = endStakingBlock(block, { height: request.height, proposerAddress: request.proposerAddress, votes, fees, jailed: start.jailed }, limits.staking);
    // Governance runs last: a parameter it changes applies from the next block on.
    const gov = endBlockGovernance(block, request.height, limits.staking);
    const appHash = this.store.stage(request.height, block.writeSet());
    return { txResults, events: [...start.events, ...timers.events, ...gov.events], validatorUpdates, consensusParamUpdates: gov.consensusParams, appHash };
  }

  /** ABCI's Commit: writes the version finalizeBlock staged, so it becomes the state reads and CheckTx see. */
  async persist(): Promise<PersistResponse> {
    await this.store.write();
    this.limitsCache = undefined;
    this.resetCheckState();
    return { retainHeight: 0 };
  }

  /** Stops the executor's worker threads; the store stays its owner's to close. */
  async close(): Promise<void> {
    await this.executor.close();
  }

  /**
   * ABCI Query, routed by path to the module that owns it (queriers.ts, spec/queries.md).
   * Height 0 is the newest state readers may see (`readHeight`). Anything the request gets
   * wrong is a response code with a log, never a throw; proofs are for store paths only.
   */
  query(request: QueryRequest): QueryResponse {
    const latest = this.store.latestVersion;
    const height = request.height === 0 ? Math.min(this.readHeight(), latest) : request.height;
    try {
      const route = QUERY_ROUTER.route(request.path);
      if (!Number.isSafeInteger(request.height) || request.height < 0) throw new QueryError(QueryCode.BAD_REQUEST, 'height must be a non-negative integer');
      if (route.latestOnly && request.height !== 0 && request.height !== latest) {
        throw new QueryError(QueryCode.BAD_REQUEST, `${request.path} answers at the latest state only: ask with height 0`);
      }
      const at = route.latestOnly ? latest : height;
      if (at > latest) throw new QueryError(QueryCode.HEIGHT_UNAVAILABLE, `height ${at} is not committed yet (the latest is ${latest})`);
      const answer = route.answer(request.data, this.queryEnv(at));
      if ('storeKey' in answer) return this.readStoreKey(answer.storeKey, at, request.prove);
      if (request.prove) throw new QueryError(QueryCode.BAD_REQUEST, `${request.path} is a computed view: proofs are given for store paths only (/account, /store, /params, /supply)`);
      const text = 'json' in answer ? JSON.stringify(answer.json) : answer.jsonText;
      return { code: QueryCode.OK, log: '', height: at, key: new Uint8Array(0), value: new TextEncoder().encode(text), proof: null };
    } catch (err) {
      if (err instanceof QueryError) return queryError(err.queryCode, err.message, height, err.value);
      if (err instanceof VersionUnavailableError) return queryError(QueryCode.HEIGHT_UNAVAILABLE, err.message, height);
      if (err instanceof CmtError) return queryError(QueryCode.BAD_REQUEST, err.message, height);
      throw err;
    }
  }

  /**
   * The newest height a height-0 query answers from. A host whose chain state lags the store
   * (the app persists block H before the node records H) sets it, so a reader never sees
   * state the node's other answers (blocks, transactions) do not show yet.
   */
  readHeight: () => number = () => this.store.latestVersion;

  /** The node's cap on the gas of a contract query or a gas estimate (its query.gas_limit). */
  queryGasLimit = DEFAULT_QUERY_GAS_LIMIT;

  private queryEnv(height: number): QueryEnv {
    const store = this.store;
    return {
      state: height === store.latestVersion ? store : { get: (key) => store.getAt(key, height) },
      height,
      gasLimit: this.queryGasLimit,
      scratch: () => new Overlay(store),
      pending: () => this.checkState.child(),
      limits: () => this.limits(),
      decode: this.decoder.decode,
    };
  }

  private readStoreKey(key: Uint8Array, height: number, prove: boolean): QueryResponse {
    if (prove) {
      const { value, proof } = this.store.prove(key, height);
      return { code: QueryCode.OK, log: '', height, key, value: value ?? new Uint8Array(0), proof: encode(StateProof, proof) };
    }
    const value = height === this.store.latestVersion ? this.store.get(key) : this.store.getAt(key, height);
    return { code: QueryCode.OK, log: '', height, key, value: value ?? new Uint8Array(0), proof: null };
  }

  private resetCheckState(): void {
    this.checkState = new Overlay(this.store);
  }

  private limits(): TxLimits {
    if (this.limitsCache) return this.limitsCache;
    const settings: ChainSettings | undefined = readChainSettings(this.store);
    if (!settings) throw new AppNotInitializedError();
    const params = readAppParams(this.store);
    const baseFee = readBaseFee(this.store, params.minGasPrice);
    this.limitsCache = { ...settings, params, height: this.store.latestVersion + 1, time: this.lastBlockTime, staking: readStakingParams(this.store), baseFee };
    return this.limitsCache;
  }
}

function queryError(code: QueryCode, log: string, height: number, value: Uint8Array = new Uint8Array(0)): QueryResponse {
  return { code, log, height, key: new Uint8Array(0), value, proof: null };
}

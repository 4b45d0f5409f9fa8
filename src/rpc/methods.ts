/**
 * Every RPC method, by name. The same table answers `GET /name?param=..`, JSON-RPC POSTs and
 * WebSocket requests. Unknown names and bad parameters are errors with JSON-RPC codes.
 */
import { to0x } from '../codec/bytes.js';
import { PROPOSAL_STATUSES } from '../app/gov/index.js';
import type { QueryResponse } from '../app/abci.js';
import { isGatedQueryPath } from '../app/queriers.js';
import { QueryCode } from '../app/query/router.js';
import { MAX_CONTRACT_ARGS_BYTES, MAX_METHOD_NAME_BYTES, txHash } from '../codec/tx.js';
import { formatAddress } from '../crypto/address.js';
import type { NodeApi } from '../node/api.js';
import { consensusParamsToJson } from '../node/genesis.js';
import { TimeoutError } from '../node/event-bus.js';
import { QueryLimitError } from '../node/query-gate.js';
import { RpcError, RPC_CONTRACT_FAILED, RPC_INTERNAL_ERROR, RPC_LIMIT, RPC_TIMEOUT, invalidParams, notFound } from './errors.js';
import { MAX_RESULT_DEPTH, nestedDeeperThan } from './json-depth.js';
import type { AnswerSlots } from './answer-slots.js';
import { SEARCH_METHODS } from './search-methods.js';
import { COMET_METHODS } from './comet-methods.js';
import { txProofView } from './comet-tx-proof.js';
import { latencyLimit, txLatencyView } from './tx-latency-view.js';
import {
  optionalBool,
  optionalHeight,
  optionalInt,
  optionalJsonArray,
  optionalString,
  perPage,
  requiredAddress,
  requiredHash,
  requiredHex,
  requiredPositiveInt,
  requiredString,
  requiredTx,
  type Params,
} from './params.js';
import {
  base64,
  checkTxView,
  hexUpper,
  txResultView,
  txView,
} from './views.js';

export interface MethodContext {
  api: NodeApi;
  rpcAddress: string;
  timeoutBroadcastTxCommitMs: number;
  /** rpc.max_response_bytes: methods that list many large items stop adding them past it. */
  maxResponseBytes: number;
  /** Who asks (the remote address): queries and estimates are limited per client. */
  client?: string;
  /** Reads running at once over the whole server (answer-slots.ts); none in direct calls. */
  slots?: AnswerSlots;
  /** tx_search/block_search running at once over the whole server (answer-slots.ts); none in direct calls. */
  searches?: AnswerSlots;
  /** True once the asking client's connection is closed: its waiting reads are not run. */
  gone?: () => boolean;
}

/** The app path (spec/queries.md) each view method asks; the method renders its answer. */
const METHOD_PATHS: Readonly<Record<string, string>> = {
  candidates: '/staking/candidates',
  candidate: '/staking/candidate',
  delegations: '/staking/delegations',
  staking_validators: '/staking/validators',
  rewards: '/staking/rewards',
  unbonding: '/staking/unbonding',
  staking_params: '/staking/params',
  proposals: '/gov/proposals',
  proposal: '/gov/proposal',
  contract: '/contracts/info',
  contract_query: '/contracts/query',
  process_instance: '/process/instance',
  contract_hooks: '/hooks/contract',
  hook_event: '/hooks/event',
  file_info: '/files/info',
  estimate_gas: '/app/simulate',
};

/**
 * Methods whose work grows with the state and is paid by nobody (contract code, live governance
 * tallies; spec/node.md, "Queries"): those whose path the app's routes mark gated. They run
 * through the node's query gate, limited per batch and per client.
 */
export const QUERY_METHODS: ReadonlySet<string> = new Set(Object.keys(METHOD_PATHS).filter((m) => isGatedQueryPath(METHOD_PATHS[m] as string)));

/**
 * True for a call that runs through the query gate: a gated method, or abci_query of a gated
 * path. Such a call takes no read slot while it waits its turn (json-rpc.ts), and counts
 * against query.max_per_batch.
 */
export function isGatedCall(method: unknown, params: unknown): boolean {
  if (QUERY_METHODS.has(String(method))) return true;
  const path = params !== null && typeof params === 'object' ? (params as { path?: unknown }).path : undefined;
  return method === 'abci_query' && typeof path === 'string' && isGatedQueryPath(path);
}

/** Refuses a batch holding more queries and estimates than query.max_per_batch. */
export function checkQueryBatch(batch: readonly unknown[], api: NodeApi): void {
  const costly = batch.filter((r) => r !== null && typeof r === 'object' && isGatedCall((r as { method?: unknown }).method, (r as { params?: unknown }).params)).length;
  const max = api.queryLimits.maxPerBatch;
  if (costly > max) throw new RpcError(RPC_LIMIT, 'Batch too large', `the batch holds ${costly} contract queries and gas estimates; at most ${max} per batch (query.max_per_batch)`);
}

/** Runs a query or estimate through the node's gate; its limits are the client's to respect (-32003). */
async function gated<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof QueryLimitError) throw new RpcError(RPC_LIMIT, 'Too many queries', err.message);
    throw err;
  }
}

export type Method = (params: Params, ctx: MethodContext) => Promise<unknown>;

/** The JSON-RPC error a failed query's code means: what the client got wrong is never an internal error. */
function queryFailure(res: QueryResponse): RpcError {
  switch (res.code) {
    case QueryCode.BAD_REQUEST:
      return invalidParams(res.log);
    case QueryCode.NOT_FOUND:
    case QueryCode.HEIGHT_UNAVAILABLE:
      return notFound(res.log);
    case QueryCode.CONTRACT_FAILED:
      return new RpcError(RPC_CONTRACT_FAILED, 'Contract failed', res.log);
    default:
      return new RpcError(RPC_INTERNAL_ERROR, 'Internal error', `query code ${res.code}: ${res.log}`);
  }
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const utf8Text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** Asks the app, through the node, for `path` at the latest height. */
function ask(ctx: MethodContext, path: string, data: Uint8Array = new Uint8Array(0)): Promise<QueryResponse> {
  return gated(() => ctx.api.query({ path, data, height: 0, prove: false }, ctx.client ?? '', ctx.gone));
}

/** A view path's answer: its UTF-8 JSON, which is already in the RPC's shape (spec/queries.md). */
async function view(ctx: MethodContext, path: string, data?: Uint8Array): Promise<unknown> {
  const res = await ask(ctx, path, data);
  if (res.code !== QueryCode.OK) throw queryFailure(res);
  return JSON.parse(utf8Text(res.value)) as unknown;
}

export const METHODS: Record<string, Method> = {
  /** Staking candidates (spec/staking.md), as stored at the latest height. */
  async candidates(_params, ctx) {
    return view(ctx, METHOD_PATHS.candidates as string);
  },

  async candidate(params, ctx) {
    return view(ctx, METHOD_PATHS.candidate as string, requiredAddress(params));
  },

  async delegations(params, ctx) {
    return view(ctx, METHOD_PATHS.delegations as string, requiredAddress(params));
  },

  /**
   * The staking view of the validator set (owner, stake, signing record) and the backups, as
   * the application last elected them. CometBFT's `validators` (the consensus set at a height)
   * is unchanged; this is its staking companion.
   */
  async staking_validators(_params, ctx) {
    return view(ctx, METHOD_PATHS.staking_validators as string);
  },

  /** Unpaid rewards (and, for a candidate's owner, commission) per candidate: what withdrawRewards pays. */
  async rewards(params, ctx) {
    return view(ctx, METHOD_PATHS.rewards as string, requiredAddress(params));
  },

  /** Unbonding entries per candidate, and redelegations still slashable at their source. */
  async unbonding(params, ctx) {
    return view(ctx, METHOD_PATHS.unbonding as string, requiredAddress(params));
  },

  /** Staking parameters by their genesis names (app_state.staking.params): amounts as decimal strings. */
  async staking_params(_params, ctx) {
    return view(ctx, METHOD_PATHS.staking_params as string);
  },

  /**
   * Governance proposals (spec/governance.md), newest first, as stored at the latest height;
   * `status` keeps only those with that status. `current_tally` is the live tally while a
   * proposal is voting and the final one after (`tally` is the stored one: zero while voting).
   */
  async proposals(params, ctx) {
    const status = optionalString(params, 'status');
    if (status !== undefined && status !== '' && !(PROPOSAL_STATUSES as readonly string[]).includes(status)) {
      throw invalidParams(`status must be one of ${PROPOSAL_STATUSES.join(', ')}`);
    }
    return view(ctx, METHOD_PATHS.proposals as string, status ? utf8(JSON.stringify({ status })) : undefined);
  },

  /**
   * A contract's process instance (spec/processes.md): status, tokens, variables, deposit, and a
   * page of its history (`from`, `limit` up to 1,000; `more` when steps are left).
   */
  async process_instance(params, ctx) {
    const contract = formatAddress(requiredAddress(params, 'contract'));
    const id = requiredPositiveInt(params, 'id');
    const from = optionalInt(params, 'from', 0, Number.MAX_SAFE_INTEGER);
    const limit = optionalInt(params, 'limit', 100, 1_000);
    return view(ctx, METHOD_PATHS.process_instance as string, utf8(JSON.stringify({ contract, id, from, limit: Math.max(1, limit) })));
  },

  /** A contract's webhooks (spec/webhooks.md): declarations, hook account and balance, conflicting attestations per attester. */
  async contract_hooks(params, ctx) {
    const contract = formatAddress(requiredAddress(params, 'contract'));
    return view(ctx, METHOD_PATHS.contract_hooks as string, utf8(JSON.stringify({ contract })));
  },

  /** One webhook event: who attested to which payload, conflicts, and what became of it. */
  async hook_event(params, ctx) {
    const contract = formatAddress(requiredAddress(params, 'contract'));
    const hook = requiredString(params, 'hook', 64);
    const id = requiredString(params, 'id', 128);
    return view(ctx, METHOD_PATHS.hook_event as string, utf8(JSON.stringify({ contract, hook, id })));
  },

  /** One proposal with its live (while voting) or final tally, and every vote in the order first cast. */
  async proposal(params, ctx) {
    const id = requiredPositiveInt(params, 'id');
    return view(ctx, METHOD_PATHS.proposal as string, utf8(JSON.stringify({ id })));
  },

  /**
   * A committed transaction by hash (hex or base64, params.ts). prove=true adds CometBFT's
   * TxProof: the Merkle path of the transaction's hash to the block's data_hash.
   */
  async tx(params, { api }) {
    const hash = requiredHash(params, 'hash');
    const prove = optionalBool(params, 'prove');
    const record = await api.tx(hash);
    if (!record) throw notFound(`transaction ${hexUpper(hash)} is not in a committed block`);
    if (!prove) return txView(hash, record);
    const block = await api.block(record.height);
    if (!block) throw notFound(`block ${record.height}, which holds transaction ${hexUpper(hash)}, is no longer stored: no proof`);
    return { ...txView(hash, record), proof: txProofView(block.block.txs, record.index) };
  },

  async broadcast_tx_async(params, { api }) {
    const tx = requiredTx(params);
    const hash = txHash(tx);
    // CometBFT's async mode answers before CheckTx; the outcome shows in the mempool or /tx.
    void api.broadcastTx(tx).catch(() => undefined);
    return { code: 0, data: '', log: '', codespace: '', hash: hexUpper(hash) };
  },

  async broadcast_tx_sync(params, { api }) {
    const result = await api.broadcastTx(requiredTx(params));
    return { code: result.code, data: '', log: result.log, codespace: result.codespace, hash: hexUpper(result.hash) };
  },

  async broadcast_tx_commit(params, { api, timeoutBroadcastTxCommitMs }) {
    const tx = requiredTx(params);
    const hash = txHash(tx);
    // Listen before submitting, so a block committed in between cannot be missed; stop
    // listening if CheckTx refuses it, or refused transactions would pile up waiters.
    const refused = new AbortController();
    const included = api.events.waitForTx(hash, timeoutBroadcastTxCommitMs, refused.signal);
    included.catch(() => undefined);
    let check;
    try {
      check = await api.broadcastTx(tx);
    } catch (err) {
      refused.abort();
      throw err;
    }
    if (check.code !== 0) {
      refused.abort();
      return { check_tx: checkTxView(check), tx_result: null, hash: hexUpper(hash), height: '0' };
    }
    try {
      const event = await included;
      return { check_tx: checkTxView(check), tx_result: txResultView(event.result), hash: hexUpper(hash), height: String(event.height) };
    } catch (err) {
      if (err instanceof TimeoutError) throw new RpcError(RPC_TIMEOUT, 'Timed out', err.message);
      throw err;
    }
  },

  async num_unconfirmed_txs(_params, { api }) {
    const info = api.mempoolInfo(0);
    return { n_txs: String(info.count), total: String(info.count), total_bytes: String(info.bytes), txs: null };
  },

  /**
   * Up to `limit` pending transactions (CometBFT's paging: 30 by default, at most 100), fewer
   * when more would not fit in one answer (n_txs says how many).
   */
  async unconfirmed_txs(params, { api, maxResponseBytes }) {
    const info = api.mempoolInfo(perPage(params, 'limit'));
    const txs: string[] = [];
    let bytes = 0;
    for (const tx of info.txs) {
      bytes += Math.ceil(tx.length / 3) * 4 + 3;
      if (bytes > maxResponseBytes / 2) break;
      txs.push(base64(tx));
    }
    return { n_txs: String(txs.length), total: String(info.count), total_bytes: String(info.bytes), txs };
  },

  /**
   * How long the newest `limit` blocks' transactions (1..1000, default 100) waited in this
   * node's mempool before their block was committed, newest first: this node's clock, not
   * consensus (spec/rpc.md, "tx_latency").
   */
  async tx_latency(params, { api }) {
    return txLatencyView(api.txLatency(latencyLimit(params)));
  },

  /**
   * ABCI Query of any app path (spec/queries.md), answered in CometBFT's shape. A request the
   * app cannot take (unknown path, undecodable data) is invalid params; any other failure is
   * the response's code and log.
   */
  async abci_query(params, { api, client = '', gone }) {
    const path = optionalString(params, 'path');
    if (!path) throw invalidParams('path is required (e.g. /account, /store, /params, /supply, /staking/candidates)');
    const data = params.data === undefined || params.data === '' ? new Uint8Array(0) : requiredHex(params, 'data');
    const res = await gated(() => api.query({ path, data, height: optionalHeight(params) ?? 0, prove: optionalBool(params, 'prove') }, client, gone));
    if (res.code === QueryCode.BAD_REQUEST) throw invalidParams(res.log);
    return {
      response: {
        code: res.code,
        log: res.log,
        info: '',
        index: '0',
        key: base64(res.key),
        value: base64(res.value),
        // CometBFT's proof operations: cmt's state proof is one op (spec/rpc.md), verified against the header at height + 1.
        proofOps: res.proof ? { ops: [{ type: 'cmt:state', key: base64(res.key), data: base64(res.proof) }] } : null,
        height: String(res.height),
        codespace: res.code === 0 ? '' : 'query',
      },
    };
  },

  /**
   * An account's balance and nonces. With prove=true the answer is for the newest state
   * whose root a header already carries (header height = state height + 1), with the proof.
   */
  async account(params, { api }) {
    const address = requiredAddress(params);
    const prove = optionalBool(params, 'prove');
    const latest = api.status().latestBlockHeight;
    const asked = optionalHeight(params);
    const height = asked ?? (prove ? latest - 1 : latest);
    if (prove && (height < 0 || height + 1 > latest)) {
      throw invalidParams(`no header carries the state root of height ${height} yet; ask for a height up to ${latest - 1}`);
    }
    let account;
    try {
      account = api.account(address, height, prove);
    } catch (err) {
      throw notFound((err as Error).message);
    }
    return {
      address: formatAddress(address),
      balance: account.balance.toString(),
      nonce: String(account.nonce),
      pending_nonce: String(account.pendingNonce),
      height: String(account.height),
      ...(account.proof
        ? {
            proof: {
              proof: to0x(account.proof.proof),
              key: to0x(account.proof.key),
              value: account.proof.value ? to0x(account.proof.value) : null,
              header_height: String(account.height + 1),
            },
          }
        : {}),
    };
  },

  async params(_params, { api }) {
    const { app, consensus, baseFee } = api.params();
    return {
      app: { min_gas_price: app.minGasPrice.toString(), base_fee: baseFee.toString(), gas: { tx_base: app.gas.txBase, tx_byte: app.gas.txByte, transfer: app.gas.transfer } },
      consensus: consensusParamsToJson(consensus),
    };
  },

  /**
   * A read-only call of a contract method at the latest state (spec/contracts.md): free, and
   * nothing it writes is kept. `result` is the returned JSON value, BigInt tagged as
   * {"$bigint": "…"}; a failing method is error −32004 with the contract's error in `data`.
   */
  async contract_query(params, ctx) {
    const address = requiredAddress(params);
    const method = requiredString(params, 'method', MAX_METHOD_NAME_BYTES);
    if (method.startsWith('__')) throw invalidParams(`method "${method}" is not callable (names starting with __ are reserved)`);
    const args = optionalJsonArray(params, 'args', MAX_CONTRACT_ARGS_BYTES);
    const from = params.from === undefined || params.from === null || params.from === '' ? undefined : requiredAddress(params, 'from');
    const request = { address: formatAddress(address), method, args, ...(from ? { from: formatAddress(from) } : {}) };
    const res = await ask(ctx, METHOD_PATHS.contract_query as string, utf8(JSON.stringify(request)));
    if (res.code === QueryCode.CONTRACT_FAILED) {
      const failed = JSON.parse(utf8Text(res.value)) as { error: string; gas_used: string };
      const cap = failed.error === 'out of gas' ? ` after ${failed.gas_used} gas (a query may use at most ${ctx.api.queryLimits.gasLimit}, the node's query.gas_limit)` : '';
      throw new RpcError(RPC_CONTRACT_FAILED, 'Contract failed', `${formatAddress(address)}.${method}: ${failed.error}${cap}`);
    }
    if (res.code !== QueryCode.OK) throw queryFailure(res);
    // {"result": <the contract's JSON>, "gas_used"}: re-serializing the answer recurses, so a
    // result deeper than that can take (one level more here) is the contract's failure.
    const text = utf8Text(res.value);
    if (nestedDeeperThan(text, MAX_RESULT_DEPTH + 1)) {
      throw new RpcError(RPC_CONTRACT_FAILED, 'Contract failed', `${formatAddress(address)}.${method}: the result is nested deeper than ${MAX_RESULT_DEPTH} levels`);
    }
    const { result, gas_used } = JSON.parse(text) as { result: unknown; gas_used: string };
    return { result, gas_used };
  },

  /** A deployed contract: who deployed it when, its bundle's hash and files, its balance and methods. */
  async contract(params, ctx) {
    return view(ctx, METHOD_PATHS.contract as string, requiredAddress(params));
  },

  /**
   * The gas a signed transaction would use if a block executed it now, from the sender's
   * pending nonce: a dry run capped at min(query.gas_limit, block gas limit) with no fee, the
   * signature not checked. `code` and `log` say how the run ended (0: it would succeed).
   */
  async estimate_gas(params, ctx) {
    return view(ctx, METHOD_PATHS.estimate_gas as string, requiredTx(params));
  },

  /** A registered file's record (spec/files.md): {cid, size, owner, height, name, index}; not registered is −32001. */
  async file_info(params, ctx) {
    const cid = requiredString(params, 'cid', 128);
    return view(ctx, METHOD_PATHS.file_info as string, utf8(JSON.stringify({ cid })));
  },

  ...COMET_METHODS,
  ...SEARCH_METHODS,
};

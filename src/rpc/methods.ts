/**
 * Every RPC method, by name. The same table answers `GET /name?param=..`, JSON-RPC POSTs and
 * WebSocket requests. Unknown names and bad parameters are errors with JSON-RPC codes.
 */
import { BlockHeader } from '../codec/block.js';
import { to0x } from '../codec/bytes.js';
import { encode } from '../codec/schema.js';
import { Commit, type Vote } from '../codec/vote.js';
import type { CandidateInfo, ValidatorInfo } from '../app/staking/queries.js';
import { PROPOSAL_STATUSES, proposalToJson, tallyToJson, voteToJson, type ProposalStatus } from '../app/gov/index.js';
import { MAX_CONTRACT_ARGS_BYTES, MAX_METHOD_NAME_BYTES, txHash } from '../codec/tx.js';
import { formatAddress } from '../crypto/address.js';
import type { GovProposalInfo, NodeApi } from '../node/api.js';
import { consensusParamsToJson, genesisToJson } from '../node/genesis.js';
import { TimeoutError } from '../node/event-bus.js';
import { QueryLimitError } from '../node/query-gate.js';
import { RpcError, RPC_CONTRACT_FAILED, RPC_LIMIT, RPC_TIMEOUT, invalidParams, notFound } from './errors.js';
import { MAX_RESULT_DEPTH, nestedDeeperThan } from './json-depth.js';
import type { AnswerSlots } from './answer-slots.js';
import {
  optionalBool,
  optionalHeight,
  optionalInt,
  optionalJsonArray,
  optionalString,
  requiredAddress,
  requiredHex,
  requiredPositiveInt,
  requiredString,
  requiredTx,
  type Params,
} from './params.js';
import {
  base64,
  blockResultsView,
  blockView,
  checkTxView,
  commitView,
  headerView,
  hexUpper,
  isoTime,
  pubKeyView,
  txResultView,
  txView,
  validatorsView,
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
  /** True once the asking client's connection is closed: its waiting reads are not run. */
  gone?: () => boolean;
}

/**
 * Methods whose work grows with the state and is paid by nobody (contract code, live governance
 * tallies; spec/node.md, "Queries"): run through the query gate, limited per batch and per client.
 */
export const QUERY_METHODS: ReadonlySet<string> = new Set(['contract_query', 'estimate_gas', 'contract', 'proposals', 'proposal']);

/** Refuses a batch holding more queries and estimates than query.max_per_batch. */
export function checkQueryBatch(batch: readonly unknown[], api: NodeApi): void {
  const costly = batch.filter((r) => r !== null && typeof r === 'object' && QUERY_METHODS.has(String((r as { method?: unknown }).method))).length;
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

async function blockAt(api: NodeApi, height: number | undefined) {
  const found = await api.block(height);
  if (!found) throw notFound(`block ${height ?? 'latest'} is not available (latest is ${api.status().latestBlockHeight})`);
  return found;
}

export const METHODS: Record<string, Method> = {
  async health() {
    return {};
  },

  async status(_params, { api, rpcAddress }) {
    const s = api.status();
    const earliestHash = await api.earliestBlockHash();
    return {
      node_info: {
        network: s.chainId,
        version: s.version,
        moniker: s.moniker,
        other: { tx_index: 'on', rpc_address: rpcAddress },
      },
      sync_info: {
        latest_block_hash: hexUpper(s.latestBlockHash),
        latest_app_hash: hexUpper(s.latestAppHash),
        latest_block_height: String(s.latestBlockHeight),
        latest_block_time: isoTime(s.latestBlockTime),
        earliest_block_hash: hexUpper(earliestHash),
        earliest_block_height: String(s.earliestBlockHeight),
        catching_up: false,
      },
      validator_info: s.validator
        ? { address: formatAddress(s.validator.address), pub_key: pubKeyView(s.validator.publicKey), voting_power: String(s.validator.power) }
        : null,
    };
  },

  async genesis(_params, { api }) {
    return { genesis: genesisToJson(api.genesis) };
  },

  async block(params, { api }) {
    const found = await blockAt(api, optionalHeight(params));
    return blockView(found.block, found.hash);
  },

  async block_by_hash(params, { api }) {
    const hash = requiredHex(params, 'hash', 32);
    const found = await api.blockByHash(hash);
    if (!found) throw notFound(`no block with hash ${hexUpper(hash)}`);
    return blockView(found.block, found.hash);
  },

  async block_results(params, { api }) {
    const height = optionalHeight(params);
    const results = await api.blockResults(height);
    if (!results) throw notFound(`results of block ${height ?? 'latest'} are not available`);
    return blockResultsView(results);
  },

  async commit(params, { api }) {
    const height = optionalHeight(params);
    const found = await api.commit(height);
    if (!found) throw notFound(`commit ${height ?? 'latest'} is not available`);
    return {
      signed_header: { header: headerView(found.block.block.header), commit: commitView(found.commit) },
      canonical: found.canonical,
      // The canonical encodings, so a client can hash the header and check every signature itself.
      raw_header: to0x(encode(BlockHeader, found.block.block.header)),
      raw_commit: to0x(encode(Commit, found.commit)),
    };
  },

  async validators(params, { api }) {
    const height = optionalHeight(params);
    const found = await api.validators(height);
    if (!found) throw notFound(`validators of height ${height} are not available`);
    const perPage = optionalInt(params, 'per_page', 100, 100) || 100;
    const page = Math.max(1, optionalInt(params, 'page', 1, 1_000_000));
    return validatorsView(found.height, found.set, { offset: (page - 1) * perPage, limit: perPage });
  },

  /** Staking candidates (spec/staking.md), as stored at the latest height. */
  async candidates(_params, { api }) {
    const all = api.stakingCandidates();
    return { total: String(all.length), candidates: all.map(candidateView) };
  },

  async candidate(params, { api }) {
    const address = requiredAddress(params);
    const found = api.stakingCandidate(address);
    if (!found) throw notFound(`${formatAddress(address)} is not a candidate`);
    return candidateView(found);
  },

  async delegations(params, { api }) {
    const address = requiredAddress(params);
    return {
      delegator: formatAddress(address),
      delegations: api.stakingDelegations(address).map((d) => ({
        candidate: formatAddress(d.candidate),
        stake: d.stake.toString(),
        shares: d.shares.toString(),
        rewards: d.rewards.toString(),
        unbonding: d.unbonding.map(unbondingEntryView),
      })),
    };
  },

  /**
   * The staking view of the validator set (owner, stake, signing record) and the backups, as
   * the application last elected them. CometBFT's `validators` (the consensus set at a height)
   * is unchanged; this is its staking companion.
   */
  async staking_validators(_params, { api }) {
    const { height, validators, backups } = api.stakingValidators();
    return { height: String(height), validators: validators.map(stakingValidatorView), backups: backups.map(candidateView) };
  },

  /** Unpaid rewards (and, for a candidate's owner, commission) per candidate: what withdrawRewards pays. */
  async rewards(params, { api }) {
    const address = requiredAddress(params);
    const r = api.stakingRewards(address);
    return {
      address: formatAddress(address),
      rewards: r.entries.map((e) => ({ candidate: formatAddress(e.candidate), rewards: e.rewards.toString(), commission: e.commission.toString() })),
      total: r.total.toString(),
    };
  },

  /** Unbonding entries per candidate, and redelegations still slashable at their source. */
  async unbonding(params, { api }) {
    const address = requiredAddress(params);
    const u = api.stakingUnbonding(address);
    return {
      delegator: formatAddress(address),
      unbonding: u.unbonding.flatMap((group) => group.entries.map((e) => ({ candidate: formatAddress(group.candidate), ...unbondingEntryView(e) }))),
      redelegations: u.redelegations.flatMap((group) =>
        group.entries.map((e) => ({ from: formatAddress(group.from), to: formatAddress(e.to), amount: e.amount.toString(), created_at: String(e.createdAt), completes_at: String(e.completesAt) })),
      ),
      total_unbonding: u.totalUnbonding.toString(),
    };
  },

  /** Staking parameters by their genesis names (app_state.staking.params): amounts as decimal strings. */
  async staking_params(_params, { api }) {
    return Object.fromEntries(Object.entries(api.stakingParams()).map(([k, v]) => [k, typeof v === 'bigint' ? v.toString() : v]));
  },

  /**
   * Governance proposals (spec/governance.md), newest first, as stored at the latest height;
   * `status` keeps only those with that status. `current_tally` is the live tally while a
   * proposal is voting and the final one after (`tally` is the stored one: zero while voting).
   */
  async proposals(params, { api, client = '', gone }) {
    const status = optionalString(params, 'status');
    if (status !== undefined && status !== '' && !(PROPOSAL_STATUSES as readonly string[]).includes(status)) {
      throw invalidParams(`status must be one of ${PROPOSAL_STATUSES.join(', ')}`);
    }
    const all = await gated(() => api.govProposals(status ? (status as ProposalStatus) : undefined, client, gone));
    return { total: String(all.length), proposals: all.map(proposalView) };
  },

  /** One proposal with its live (while voting) or final tally, and every vote in the order first cast. */
  async proposal(params, { api, client = '', gone }) {
    const id = requiredPositiveInt(params, 'id');
    const found = await gated(() => api.govProposal(id, client, gone));
    if (!found) throw notFound(`no proposal ${id}`);
    return { ...proposalView(found), votes: found.votes.map(voteToJson) };
  },

  async net_info(_params, { api }) {
    const n = api.netInfo();
    return {
      listening: n.listening,
      listeners: n.listenAddrs,
      node_id: n.peerId,
      n_peers: String(n.peers.length),
      peers: n.peers.map((p) => ({ node_id: p.peerId, remote_addr: p.addr, is_outbound: p.direction === 'outbound' })),
    };
  },

  /** CometBFT's round state: height/round/step, the proposal, lock and valid value, and every vote seen per round. */
  async consensus_state(_params, { api }) {
    const p = api.consensusPosition();
    return {
      round_state: {
        'height/round/step': `${p.height}/${p.round}/${p.step}`,
        height: String(p.height),
        round: p.round,
        step: p.step,
        proposer: p.proposer ? { address: formatAddress(p.proposer.address), index: p.proposer.index } : null,
        proposal_block_hash: p.proposalBlockHash ? hexUpper(p.proposalBlockHash) : '',
        locked_block_hash: p.lockedBlockHash ? hexUpper(p.lockedBlockHash) : '',
        locked_round: p.lockedRound,
        valid_block_hash: p.validBlockHash ? hexUpper(p.validBlockHash) : '',
        valid_round: p.validRound,
        height_vote_set: p.votes.map((r) => ({
          round: r.round,
          prevotes: r.prevotes.map(voteSummary),
          prevotes_bit_array: bitArray(r.prevotes, p.powers, p.totalPower),
          precommits: r.precommits.map(voteSummary),
          precommits_bit_array: bitArray(r.precommits, p.powers, p.totalPower),
        })),
      },
    };
  },

  async tx(params, { api }) {
    const hash = requiredHex(params, 'hash', 32);
    const record = await api.tx(hash);
    if (!record) throw notFound(`transaction ${hexUpper(hash)} is not in a committed block`);
    return txView(hash, record);
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

  /** Up to `limit` pending transactions, fewer when more would not fit in one answer (n_txs says how many). */
  async unconfirmed_txs(params, { api, maxResponseBytes }) {
    const info = api.mempoolInfo(optionalInt(params, 'limit', 30, 1000));
    const txs: string[] = [];
    let bytes = 0;
    for (const tx of info.txs) {
      bytes += Math.ceil(tx.length / 3) * 4 + 3;
      if (bytes > maxResponseBytes / 2) break;
      txs.push(base64(tx));
    }
    return { n_txs: String(txs.length), total: String(info.count), total_bytes: String(info.bytes), txs };
  },

  async abci_query(params, { api }) {
    const path = optionalString(params, 'path');
    if (!path) throw invalidParams('path is required (e.g. /account, /store, /params, /supply)');
    const data = params.data === undefined || params.data === '' ? new Uint8Array(0) : requiredHex(params, 'data');
    const res = api.query({ path, data, height: optionalHeight(params) ?? 0, prove: optionalBool(params, 'prove') });
    return {
      response: {
        code: res.code,
        log: res.log,
        info: '',
        index: '0',
        key: base64(res.key),
        value: base64(res.value),
        proof: res.proof ? `0x${Buffer.from(res.proof).toString('hex')}` : null,
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
  async contract_query(params, { api, client = '', gone }) {
    const address = requiredAddress(params);
    const method = requiredString(params, 'method', MAX_METHOD_NAME_BYTES);
    if (method.startsWith('__')) throw invalidParams(`method "${method}" is not callable (names starting with __ are reserved)`);
    const args = optionalJsonArray(params, 'args', MAX_CONTRACT_ARGS_BYTES);
    const from = params.from === undefined || params.from === null || params.from === '' ? undefined : requiredAddress(params, 'from');
    const outcome = await gated(() => api.queryContract(address, method, args, from, client, gone));
    if (!outcome) throw notFound(`no contract at ${formatAddress(address)}`);
    if (!outcome.ok) {
      const cap = outcome.error === 'out of gas' ? ` after ${outcome.gasUsed} gas (a query may use at most ${api.queryLimits.gasLimit}, the node's query.gas_limit)` : '';
      throw new RpcError(RPC_CONTRACT_FAILED, 'Contract failed', `${formatAddress(address)}.${method}: ${outcome.error}${cap}`);
    }
    // The answer is re-serialized, which recurses: a value deeper than that can take is the contract's failure.
    if (nestedDeeperThan(outcome.resultJson, MAX_RESULT_DEPTH)) {
      throw new RpcError(RPC_CONTRACT_FAILED, 'Contract failed', `${formatAddress(address)}.${method}: the result is nested deeper than ${MAX_RESULT_DEPTH} levels`);
    }
    return { result: JSON.parse(outcome.resultJson) as unknown, gas_used: String(outcome.gasUsed) };
  },

  /** A deployed contract: who deployed it when, its bundle's hash and files, its balance and methods. */
  async contract(params, { api, client = '', gone }) {
    const address = requiredAddress(params);
    const found = await gated(() => api.contract(address, client, gone));
    if (!found) throw notFound(`no contract at ${formatAddress(address)}`);
    return {
      address: formatAddress(found.address),
      deployer: formatAddress(found.deployer),
      bundle_hash: Buffer.from(found.bundleHash).toString('hex'),
      deployed_at: String(found.deployedAt),
      balance: found.balance.toString(),
      files: found.files,
      ...(found.methods ? { methods: found.methods } : {}),
    };
  },

  /**
   * The gas a signed transaction would use if a block executed it now, from the sender's
   * pending nonce: a dry run capped at min(query.gas_limit, block gas limit) with no fee, the
   * signature not checked. `code` and `log` say how the run ended (0: it would succeed).
   */
  async estimate_gas(params, { api, client = '', gone }) {
    const r = await gated(() => api.estimateGas(requiredTx(params), client, gone));
    return { gas_used: String(r.gasUsed), code: r.code, log: r.log };
  },
};

function voteSummary(vote: Vote | undefined): string {
  if (!vote) return 'nil-Vote';
  const kind = vote.type === 1 ? 'Prevote' : 'Precommit';
  const block = vote.blockHash.length === 0 ? 'nil' : hexUpper(vote.blockHash).slice(0, 12);
  return `Vote{${vote.validatorIndex}:${formatAddress(vote.validatorAddress).slice(2, 14)} ${vote.height}/${vote.round} ${kind} ${block}}`;
}

/** CometBFT's "BA{4:xx_x} 30/40 = 0.75": who voted, and the power that did. */
function bitArray(votes: (Vote | undefined)[], powers: number[], total: number): string {
  let voted = 0;
  const bits = votes.map((v, i) => {
    if (v) voted += powers[i] ?? 0;
    return v ? 'x' : '_';
  });
  return `BA{${votes.length}:${bits.join('')}} ${voted}/${total} = ${total === 0 ? '0.00' : (voted / total).toFixed(2)}`;
}

function unbondingEntryView(u: { amount: bigint; createdAt: number; completesAt: number }): { amount: string; created_at: string; completes_at: string } {
  return { amount: u.amount.toString(), created_at: String(u.createdAt), completes_at: String(u.completesAt) };
}

function proposalView(info: GovProposalInfo): Record<string, unknown> {
  return { ...(proposalToJson(info.proposal) as Record<string, unknown>), current_tally: tallyToJson(info.tally) };
}

function candidateView(info: CandidateInfo): Record<string, unknown> {
  const c = info.candidate;
  return {
    owner: formatAddress(c.owner),
    consensus_key: pubKeyView(c.consensusKey),
    consensus_address: formatAddress(info.consensusAddress),
    total_stake: c.totalStake.toString(),
    self_stake: info.selfStake.toString(),
    total_shares: c.totalShares.toString(),
    self_shares: c.selfShares.toString(),
    max_stake: c.maxStake.toString(),
    commission_bps: c.commissionBps,
    commission_changed_at: String(c.commissionChangedAt),
    /** active | withdrawn | jailed (see jailed_until) | tombstoned */
    status: info.status,
    jailed_until: String(c.jailedUntil),
    tombstoned: c.tombstoned,
    /** validator | backup | none, in the set chosen at the last election */
    role: info.role,
    voting_power: String(info.power),
    delegators: info.delegators,
    unpaid_commission: c.commission.toString(),
    name: c.name,
    website: c.website,
    description: c.description,
    created_at: String(c.createdAt),
  };
}

function stakingValidatorView(v: ValidatorInfo): Record<string, unknown> {
  const c = v.candidate;
  return {
    address: formatAddress(v.consensusAddress),
    pub_key: pubKeyView(v.consensusKey),
    voting_power: String(v.power),
    owner: v.owner ? formatAddress(v.owner) : null,
    name: c ? c.candidate.name : '',
    status: c ? c.status : null,
    total_stake: c ? c.candidate.totalStake.toString() : null,
    self_stake: c ? c.selfStake.toString() : null,
    commission_bps: c ? c.candidate.commissionBps : null,
    signing_info: v.signing
      ? {
          start_height: String(v.signing.startHeight),
          index_offset: String(v.signing.indexOffset),
          missed_blocks: String(v.signing.missed),
          window: String(v.signing.window),
        }
      : null,
  };
}

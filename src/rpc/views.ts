/**
 * JSON views in CometBFT's shapes (int64 as strings, hashes as upper-case hex, bytes as
 * base64), so scripts written against CometBFT's RPC read these too. Validator addresses are
 * CometBFT's upper-case hex (comet-views.ts); cmt's own methods keep the 0x account form.
 */
import type { Block, BlockHeader } from '../codec/block.js';
import { toHex } from '../codec/bytes.js';
import type { AppEvent, TxResult } from '../codec/results.js';
import type { Commit } from '../codec/vote.js';
import type { RoundStep } from '../consensus/types.js';
import type { ValidatorSet } from '../consensus/validator-set.js';
import type { BlockResults, TxRecord } from '../store/records.js';
import type { CheckTxResponse } from '../app/abci.js';
import { pubKeyJson } from '../app/query/json.js';
import { blockIdView, consensusParamsView, evidenceView, validatorAddressView, ZERO_TIME } from './comet-views.js';

export const hexUpper = (bytes: Uint8Array): string => toHex(bytes).toUpperCase();
export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** One form for a public key everywhere: the app's query views (staking) use the same. */
export const pubKeyView = pubKeyJson;

/**
 * The round step as consensus_state shows it. The core calls the step after a decision
 * `decided` ("commit" names only the precommit signatures); clients keep reading `commit`,
 * after CometBFT's RoundStepCommit.
 */
export function roundStepView(step: RoundStep): string {
  return step === 'decided' ? 'commit' : step;
}

/** A header in CometBFT's shape; `appVersion` is protocol_version.app (cmt's app: 0). */
export function headerView(h: BlockHeader, appVersion = 0): Record<string, unknown> {
  return {
    version: { block: String(h.version), app: String(appVersion) },
    chain_id: h.chainId,
    height: String(h.height),
    time: isoTime(h.time),
    last_block_id: blockIdView(h.lastBlockHash),
    last_commit_hash: hexUpper(h.lastCommitHash),
    data_hash: hexUpper(h.dataHash),
    validators_hash: hexUpper(h.validatorsHash),
    next_validators_hash: hexUpper(h.nextValidatorsHash),
    consensus_hash: hexUpper(h.consensusParamsHash),
    app_hash: hexUpper(h.appHash),
    last_results_hash: hexUpper(h.lastResultsHash),
    evidence_hash: hexUpper(h.evidenceHash),
    proposer_address: validatorAddressView(h.proposerAddress),
  };
}

/**
 * A commit in CometBFT's shape. cmt's votes carry no timestamp: a signature that is there shows
 * `time` (ms), the time of the block that carries the commit (CometBFT's block time is the
 * median of these), or CometBFT's zero time when no time is given; an absent one shows zero time.
 */
export function commitView(c: Commit, time?: number): Record<string, unknown> {
  const present = time === undefined ? ZERO_TIME : isoTime(time);
  return {
    height: String(c.height),
    round: c.round,
    block_id: blockIdView(c.blockHash),
    signatures: c.signatures.map((s) => ({
      block_id_flag: s.flag,
      validator_address: s.validatorAddress.length ? validatorAddressView(s.validatorAddress) : '',
      timestamp: s.flag === 1 ? ZERO_TIME : present,
      signature: s.signature.length ? base64(s.signature) : null,
    })),
  };
}

export function blockView(block: Block, hash: Uint8Array): Record<string, unknown> {
  return {
    block_id: blockIdView(hash),
    block: {
      header: headerView(block.header),
      data: { txs: block.txs.map(base64) },
      evidence: { evidence: block.evidence.map(evidenceView) },
      // The commit of the block before, carried by this one: its signatures show this block's time.
      last_commit: commitView(block.lastCommit, block.header.time),
    },
  };
}

export function eventsView(events: readonly AppEvent[]): Record<string, unknown>[] {
  return events.map((e) => ({ type: e.type, attributes: e.attributes.map((a) => ({ key: a.key, value: a.value, index: true })) }));
}

export function txResultView(r: TxResult): Record<string, unknown> {
  return {
    code: r.code,
    data: null,
    log: r.log,
    info: '',
    gas_wanted: String(r.gasWanted),
    gas_used: String(r.gasUsed),
    events: eventsView(r.events),
    codespace: r.codespace,
  };
}

export function checkTxView(r: CheckTxResponse): Record<string, unknown> {
  return { code: r.code, data: null, log: r.log, info: '', gas_wanted: String(r.gasWanted), gas_used: '0', events: [], codespace: r.codespace };
}

export function txView(hash: Uint8Array, record: TxRecord): Record<string, unknown> {
  return { hash: hexUpper(hash), height: String(record.height), index: record.index, tx_result: txResultView(record.result), tx: base64(record.tx) };
}

export function blockResultsView(r: BlockResults): Record<string, unknown> {
  return {
    height: String(r.height),
    txs_results: r.txResults.map(txResultView),
    finalize_block_events: eventsView(r.events),
    validator_updates: r.validatorUpdates.map((u) => ({ pub_key: pubKeyView(u.publicKey), power: String(u.power) })),
    consensus_param_updates: r.consensusParamUpdates[0] ? consensusParamsView(r.consensusParamUpdates[0]) : null,
    app_hash: base64(r.appHash),
  };
}

export function validatorsView(height: number, set: ValidatorSet, page: { offset: number; limit: number }): Record<string, unknown> {
  const slice = set.validators.slice(page.offset, page.offset + page.limit);
  return {
    block_height: String(height),
    validators: slice.map((v) => ({
      address: validatorAddressView(v.address),
      pub_key: pubKeyView(v.publicKey),
      voting_power: String(v.power),
      proposer_priority: String(v.proposerPriority),
    })),
    count: String(slice.length),
    total: String(set.size),
  };
}

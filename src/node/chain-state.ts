/**
 * Where the chain stands after the last committed block, as CometBFT's state.State:
 * everything the next header must carry and the validator sets of the last, current and
 * next heights. `nextChainState` is CometBFT's updateState.
 */
import { EMPTY_HASH } from '../codec/hash.js';
import { ConsensusParams, type ConsensusParams as ConsensusParamsT } from '../codec/params.js';
import { resultsHash, type TxResult } from '../codec/results.js';
import { bytes, decode, encode, fixedBytes, list, safeUint, struct, text } from '../codec/schema.js';
import { MAX_CHAIN_ID_LENGTH } from '../codec/tx.js';
import { hashOrNil } from '../codec/vote.js';
import { ValidatorSet, ValidatorSetRecord, type ValidatorUpdate } from '../consensus/validator-set.js';
import type { GenesisDoc } from './genesis.js';

export interface ChainState {
  chainId: string;
  initialHeight: number;
  lastBlockHeight: number;
  lastBlockHash: Uint8Array;
  /** ms since the Unix epoch: the last block's time, or genesis time before the first block. */
  lastBlockTime: number;
  /** Validators of lastBlockHeight + 1 (the height being decided). */
  validators: ValidatorSet;
  nextValidators: ValidatorSet;
  /** Validators of lastBlockHeight; null before the first block. */
  lastValidators: ValidatorSet | null;
  lastHeightValidatorsChanged: number;
  consensusParams: ConsensusParamsT;
  lastResultsHash: Uint8Array;
  /** State root after lastBlockHeight: the next header's appHash. */
  appHash: Uint8Array;
}

const ChainStateRecord = struct('ChainState', {
  chainId: text(MAX_CHAIN_ID_LENGTH),
  initialHeight: safeUint,
  lastBlockHeight: safeUint,
  lastBlockHash: hashOrNil,
  lastBlockTime: safeUint,
  validators: ValidatorSetRecord,
  nextValidators: ValidatorSetRecord,
  lastValidators: list(ValidatorSetRecord, 1),
  lastHeightValidatorsChanged: safeUint,
  consensusParams: ConsensusParams,
  lastResultsHash: fixedBytes(32),
  appHash: bytes(64),
});

export function encodeChainState(s: ChainState): Uint8Array {
  return encode(ChainStateRecord, {
    ...s,
    validators: s.validators.toRecord(),
    nextValidators: s.nextValidators.toRecord(),
    lastValidators: s.lastValidators ? [s.lastValidators.toRecord()] : [],
  });
}

export function decodeChainState(raw: Uint8Array): ChainState {
  const r = decode(ChainStateRecord, raw, 'chain state');
  const last = r.lastValidators[0];
  return {
    ...r,
    validators: ValidatorSet.fromRecord(r.validators),
    nextValidators: ValidatorSet.fromRecord(r.nextValidators),
    lastValidators: last ? ValidatorSet.fromRecord(last) : null,
  };
}

/** The state before the first block: CometBFT's MakeGenesisState. */
export function genesisChainState(genesis: GenesisDoc, appHash: Uint8Array): ChainState {
  const validators = ValidatorSet.fromGenesis(genesis.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })));
  return {
    chainId: genesis.chainId,
    initialHeight: genesis.initialHeight,
    lastBlockHeight: genesis.initialHeight - 1,
    lastBlockHash: new Uint8Array(0),
    lastBlockTime: genesis.genesisTime,
    validators,
    nextValidators: validators.copyIncrementProposerPriority(1),
    lastValidators: null,
    lastHeightValidatorsChanged: genesis.initialHeight,
    consensusParams: genesis.consensusParams,
    lastResultsHash: EMPTY_HASH,
    appHash,
  };
}

export interface ExecutedBlock {
  height: number;
  hash: Uint8Array;
  time: number;
  txResults: readonly TxResult[];
  validatorUpdates: readonly ValidatorUpdate[];
  consensusParamUpdates: ConsensusParamsT | null;
  appHash: Uint8Array;
}

/** Validator updates from block H take effect at H + 2, as in CometBFT. */
export function nextChainState(state: ChainState, block: ExecutedBlock): ChainState {
  let next = state.nextValidators;
  let lastHeightValidatorsChanged = state.lastHeightValidatorsChanged;
  if (block.validatorUpdates.length > 0) {
    next = next.applyUpdates(block.validatorUpdates);
    lastHeightValidatorsChanged = block.height + 2;
  }
  return {
    chainId: state.chainId,
    initialHeight: state.initialHeight,
    lastBlockHeight: block.height,
    lastBlockHash: block.hash,
    lastBlockTime: block.time,
    validators: state.nextValidators,
    nextValidators: next.copyIncrementProposerPriority(1),
    lastValidators: state.validators,
    lastHeightValidatorsChanged,
    consensusParams: block.consensusParamUpdates ?? state.consensusParams,
    lastResultsHash: resultsHash(block.txResults),
    appHash: block.appHash,
  };
}

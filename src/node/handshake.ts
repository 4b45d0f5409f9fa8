/**
 * Brings the application, the block store and the chain state into line at start-up
 * (CometBFT's Handshaker). Applying a block writes, in order: the block, its results, the
 * app's state version, the chain state. Whatever step a crash interrupted, the next start
 * finishes it; anything else (data lost or from another chain) is a clear error, never a reset.
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import type { Application, FinalizeBlockResponse, InitChainRequest, InitChainResponse } from '../app/abci.js';
import type { BlockStore } from '../store/block-store.js';
import type { BlockExecutor } from './block-executor.js';
import { decodeChainState, encodeChainState, genesisChainState, type ChainState } from './chain-state.js';
import { InvalidGenesisFileError, type GenesisDoc } from './genesis.js';
import type { Logger } from './logger.js';

export class HandshakeError extends CmtError {
  constructor(message: string) {
    super('HANDSHAKE_FAILED', message);
  }
}

export interface HandshakeDeps {
  app: Application;
  blockStore: BlockStore;
  executor: BlockExecutor;
  genesis: GenesisDoc;
  logger: Logger;
  /** Where the data lives, for error messages. */
  dataDir: string;
  /** The genesis file, for error messages. */
  genesisFile?: string;
}

/** The app's refusal of the genesis state (it is read only here, at the first start) names the genesis file. */
async function initChainNamingGenesis(deps: HandshakeDeps, request: InitChainRequest): Promise<InitChainResponse> {
  try {
    return await deps.app.initChain(request);
  } catch (err) {
    if (err instanceof CmtError) throw new InvalidGenesisFileError(deps.genesisFile ?? 'genesis', err.message);
    throw err;
  }
}

export async function handshake(deps: HandshakeDeps): Promise<ChainState> {
  const { app, blockStore, executor, genesis, logger } = deps;
  const stored = await blockStore.loadChainState();
  if (!stored) {
    if (blockStore.height > 0) throw new HandshakeError(`${deps.dataDir}: the block store has blocks but no chain state`);
    const { appHash } = await initChainNamingGenesis(deps, {
      chainId: genesis.chainId,
      time: genesis.genesisTime,
      initialHeight: genesis.initialHeight,
      consensusParams: genesis.consensusParams,
      validators: genesis.validators.map((v) => ({ publicKey: v.publicKey, power: v.power })),
      appState: genesis.appState,
    });
    const state = genesisChainState(genesis, appHash);
    await blockStore.saveValidatorCheckpoint(genesis.initialHeight, state.validators.encode());
    await blockStore.saveChainState(encodeChainState(state));
    logger.info({ chainId: genesis.chainId, appHash: toHex(appHash) }, 'initialized chain from genesis');
    return state;
  }

  let state = decodeChainState(stored);
  if (state.chainId !== genesis.chainId) throw new HandshakeError(`${deps.dataDir} belongs to chain "${state.chainId}", the genesis file says "${genesis.chainId}"`);
  const stateHeight = state.lastBlockHeight;
  const storeHeight = blockStore.height;
  const appHeight = app.info().lastBlockHeight;

  if (storeHeight < stateHeight || storeHeight > stateHeight + 1) {
    throw new HandshakeError(`${deps.dataDir}: block store at height ${storeHeight} does not fit the chain state at height ${stateHeight}`);
  }
  if (appHeight < stateHeight || appHeight > storeHeight) {
    throw new HandshakeError(
      `${deps.dataDir}: application state at height ${appHeight} does not fit the chain at height ${stateHeight} (block store ${storeHeight}); restore data/ from a backup`,
    );
  }

  if (storeHeight === stateHeight + 1) {
    const block = await blockStore.loadBlock(storeHeight);
    if (!block) throw new HandshakeError(`${deps.dataDir}: block ${storeHeight} is missing`);
    const hash = (await blockStore.loadSeenCommit(storeHeight))?.blockHash;
    if (!hash) throw new HandshakeError(`${deps.dataDir}: the commit of block ${storeHeight} is missing`);
    if (appHeight === stateHeight) {
      logger.info({ height: storeHeight }, 'replaying the last block, saved but not applied before the node stopped');
      state = (await executor.applyBlock(state, block, hash)).state;
    } else {
      // The app persisted the block; only the chain state was not saved. Its results were.
      const results = await blockStore.loadResults(storeHeight);
      if (!results) throw new HandshakeError(`${deps.dataDir}: results of block ${storeHeight} are missing`);
      const response: FinalizeBlockResponse = {
        txResults: results.txResults,
        events: results.events,
        validatorUpdates: results.validatorUpdates,
        consensusParamUpdates: results.consensusParamUpdates[0] ?? null,
        appHash: results.appHash,
      };
      const next = executor.advance(state, block, hash, response);
      await executor.saveState(state, next);
      state = next;
      logger.info({ height: storeHeight }, 'recovered the chain state of the last block');
    }
  }

  const appHash = app.info().lastBlockAppHash;
  if (!bytesEqual(appHash, state.appHash)) {
    throw new HandshakeError(`${deps.dataDir}: application hash ${toHex(appHash)} differs from the chain's ${toHex(state.appHash)} at height ${state.lastBlockHeight}`);
  }
  return state;
}

/**
 * An application over a real state store in a temp directory, with helpers to run blocks
 * (FinalizeBlock + Commit) and to sum every balance for the supply invariant.
 */
import { ONE_CMT } from '../../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../../src/codec/params.js';
import { formatAddress } from '../../src/crypto/address.js';
import type { FinalizeBlockResponse, VoteInfo } from '../../src/app/abci.js';
import type { Evidence } from '../../src/codec/vote.js';
import { readAccount, readSupply } from '../../src/app/bank/accounts.js';
import { CmtApp } from '../../src/app/cmt-app.js';
import { InlineVerifier } from '../../src/app/executor/signature-verifier.js';
import { SequentialExecutor, type TxExecutor } from '../../src/app/executor/tx-executor.js';
import { appGenesisToJson } from '../../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../../src/app/params.js';
import { StateStore } from '../../src/state/store.js';
import type { StakingGenesis } from '../../src/app/staking/genesis.js';
import { genesisValidatorSet } from '../../src/app/staking/init-chain.js';
import { DEFAULT_STAKING_PARAMS } from '../../src/app/staking/params.js';
import { readPool, type Pool } from '../../src/app/staking/records.js';
import { readDeposits } from '../../src/app/gov/index.js';
import { readProcessDeposits } from '../../src/app/process/records.js';
import { tempDir } from './temp-dir.js';
import { addressOf, testKey, TEST_CHAIN_ID } from './nodes.js';

export const PROPOSER = new Uint8Array(20).fill(0xee);
const POOLS: Pool[] = ['bonded', 'unbondingPool', 'rewards', 'community'];

/** No inflation and no candidates: a block without successful transactions changes nothing. */
export const NO_INFLATION: StakingGenesis = { params: { ...DEFAULT_STAKING_PARAMS, inflationBps: 0 }, candidates: [] };

/** What consensus tells FinalizeBlock besides the transactions. */
export interface BlockContext {
  proposer?: Uint8Array;
  votes?: VoteInfo[];
  misbehavior?: Evidence[];
}

export interface AppHarness {
  app: CmtApp;
  store: StateStore;
  height: number;
  /** Every address that ever held CMT here, for summing balances. */
  addresses: Map<string, Uint8Array>;
  runBlock(txs: Uint8Array[], context?: BlockContext): Promise<FinalizeBlockResponse>;
  balance(address: Uint8Array): bigint;
  nonce(address: Uint8Array): number;
  totalBalances(): bigint;
  /** Balances plus every staking pool, governance deposits and process deposits: what the supply must equal. */
  totalHeld(): bigint;
  supply(): bigint;
  close(): Promise<void>;
}

export interface AppHarnessOptions {
  /** The block executor, given the state directory (default: the sequential reference). */
  executor?: (stateDir: string) => TxExecutor;
}

export async function appHarness(funded = 4, balance = 1_000n * ONE_CMT, staking?: StakingGenesis, options: AppHarnessOptions = {}): Promise<AppHarness> {
  const dir = await tempDir('app');
  const store = await StateStore.open(dir.path, { keepRecent: 100 });
  const executor = options.executor?.(dir.path) ?? new SequentialExecutor();
  const app = new CmtApp(store, new InlineVerifier(), undefined, executor);
  const accounts = Array.from({ length: funded }, (_, i) => ({ address: addressOf(testKey(i)), balance }));
  await app.initChain({
    chainId: TEST_CHAIN_ID,
    time: 1_700_000_000_000,
    initialHeight: 1,
    consensusParams: DEFAULT_CONSENSUS_PARAMS,
    validators: staking ? genesisValidatorSet(staking).map((v) => ({ publicKey: v.consensusKey, power: v.power })) : [],
    appState: appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts, staking }),
  });
  const addresses = new Map<string, Uint8Array>([[formatAddress(PROPOSER), PROPOSER], ...accounts.map((a): [string, Uint8Array] => [formatAddress(a.address), a.address])]);
  const h: AppHarness = {
    app,
    store,
    height: 0,
    addresses,
    async runBlock(txs, context = {}) {
      h.height++;
      const res = await app.finalizeBlock({
        height: h.height,
        time: 1_700_000_000_000 + h.height * 1000,
        hash: new Uint8Array(32).fill(h.height % 256),
        proposerAddress: context.proposer ?? PROPOSER,
        txs,
        decidedLastCommit: { round: 0, votes: context.votes ?? [] },
        misbehavior: context.misbehavior ?? [],
      });
      await app.persist();
      return res;
    },
    balance: (address) => readAccount(store, address).balance,
    nonce: (address) => readAccount(store, address).nonce,
    totalBalances: () => [...addresses.values()].reduce((sum, a) => sum + readAccount(store, a).balance, 0n),
    totalHeld: () => h.totalBalances() + POOLS.reduce((sum, pool) => sum + readPool(store, pool), 0n) + readDeposits(store) + readProcessDeposits(store),
    supply: () => readSupply(store),
    async close() {
      await executor.close();
      await store.close();
      await dir.cleanup();
    },
  };
  return h;
}

/** A chain for the benchmarks that drive the application directly: a real state store in a temp directory, funded keys, no inflation, a roomy block gas limit. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ONE_CMT } from '../src/codec/amount.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../src/codec/params.js';
import { CmtApp } from '../src/app/cmt-app.js';
import { InlineVerifier } from '../src/app/executor/signature-verifier.js';
import type { TxExecutor } from '../src/app/executor/tx-executor.js';
import { appGenesisToJson } from '../src/app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../src/app/params.js';
import { DEFAULT_STAKING_PARAMS } from '../src/app/staking/params.js';
import { addressFromPublicKey } from '../src/crypto/address.js';
import type { KeyPair } from '../src/crypto/ed25519.js';
import { StateStore } from '../src/state/store.js';

export interface BenchChain {
  app: CmtApp;
  store: StateStore;
  executor: TxExecutor;
  dir: string;
}

export async function openBenchChain(chainId: string, keys: readonly KeyPair[], makeExecutor: (dir: string) => TxExecutor): Promise<BenchChain> {
  const dir = await mkdtemp(join(tmpdir(), `${chainId}-`));
  const store = await StateStore.open(dir, { sync: false });
  const executor = makeExecutor(dir);
  const app = new CmtApp(store, new InlineVerifier(), undefined, executor);
  await app.initChain({
    chainId,
    time: 1_700_000_000_000,
    initialHeight: 1,
    consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, blockMaxGas: 10_000_000_000 },
    validators: [],
    appState: appGenesisToJson({
      params: DEFAULT_APP_PARAMS,
      accounts: keys.map((k) => ({ address: addressFromPublicKey(k.publicKey), balance: 1_000_000n * ONE_CMT })),
      staking: { params: { ...DEFAULT_STAKING_PARAMS, inflationBps: 0 }, candidates: [] },
    }),
  });
  return { app, store, executor, dir };
}

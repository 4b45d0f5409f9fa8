/**
 * The chain a simulation runs: one validator per scenario validator, each a staking candidate
 * whose self-stake gives it the scenario's power (1 CMT of stake is 1 unit of power), with the
 * local staking parameters `cmt testnet` uses (epochs of 10 blocks), plus funded accounts for
 * the transfer load. Keys derive from names, so a scenario names the same chain on every run.
 */
import { ONE_CMT } from '../codec/amount.js';
import { sha256 } from '../codec/hash.js';
import { DEFAULT_CONSENSUS_PARAMS } from '../codec/params.js';
import { utf8 } from '../codec/bytes.js';
import { appGenesisToJson } from '../app/genesis-state.js';
import { DEFAULT_APP_PARAMS } from '../app/params.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { keyPairFromSeed, type KeyPair } from '../crypto/ed25519.js';
import type { GenesisDoc } from '../node/genesis.js';
import { localStakingGenesis } from '../node/local-staking-params.js';
import type { Scenario } from './scenario-types.js';

export const SIM_CHAIN_ID = 'cmt-sim';
export const MIN_GAS_PRICE = 1n;
const BALANCE = 1_000_000n * ONE_CMT;

/** Derived keys by label, one object per process: signing reuses the OpenSSL key made for the first run. */
const derived = new Map<string, KeyPair>();

export function derivedKey(label: string): KeyPair {
  let pair = derived.get(label);
  if (!pair) {
    pair = keyPairFromSeed(sha256(utf8(label)));
    derived.set(label, pair);
  }
  return pair;
}
export const validatorKey = (name: string): KeyPair => derivedKey(`sim validator ${name}`);
export const ownerKey = (name: string): KeyPair => derivedKey(`sim owner ${name}`);
/** The account that makes the scenario's delegations. */
export const delegatorKey = (): KeyPair => derivedKey('sim delegator');

export function simGenesis(scenario: Scenario, loadAccounts: readonly Uint8Array[]): GenesisDoc {
  const staking = localStakingGenesis(
    scenario.validators.map((v) => ({ owner: addressFromPublicKey(ownerKey(v.name).publicKey), consensusKey: validatorKey(v.name).publicKey, selfStake: BigInt(v.power) * ONE_CMT, name: v.name })),
  );
  const owners = scenario.validators.map((v) => addressFromPublicKey(ownerKey(v.name).publicKey));
  // Unbonding returns stake after the unbonding period: only the delegations need funds.
  const delegated = (scenario.delegations ?? []).reduce((sum, d) => sum + (d.action === 'unbond' ? 0n : BigInt(d.amount)), 0n);
  const delegator = { address: addressFromPublicKey(delegatorKey().publicKey), balance: (delegated + 1000n) * ONE_CMT };
  return {
    chainId: SIM_CHAIN_ID,
    genesisTime: 0,
    initialHeight: 1,
    consensusParams: { ...DEFAULT_CONSENSUS_PARAMS, timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, ...scenario.timeouts } },
    validators: scenario.validators.map((v) => ({ name: v.name, publicKey: validatorKey(v.name).publicKey, power: v.power })),
    appState: appGenesisToJson({
      params: { ...DEFAULT_APP_PARAMS, minGasPrice: MIN_GAS_PRICE },
      accounts: [...[...owners, ...loadAccounts].map((address) => ({ address, balance: BALANCE })), delegator],
      staking,
    }),
  };
}

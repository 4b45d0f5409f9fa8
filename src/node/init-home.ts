/**
 * Creates a node's home: validator key, config, genesis, and optionally a funded development
 * key. Refuses to touch a home that already has a genesis.
 */
import { access, mkdir } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { CmtError } from '../codec/errors.js';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusParams, type TimeoutParams } from '../codec/params.js';
import { addressFromPublicKey } from '../crypto/address.js';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { KeyDirectory } from '../crypto/key-directory.js';
import { encryptKey } from '../crypto/keystore.js';
import { appGenesisToJson, type GenesisAccount } from '../app/genesis-state.js';
import type { StakingGenesis } from '../app/staking/genesis.js';
import { genesisValidatorSet } from '../app/staking/init-chain.js';
import { LOCAL_STAKING_PARAMS } from './local-staking-params.js';
import { DEFAULT_APP_PARAMS, type AppParams } from '../app/params.js';
import { DEFAULT_CONFIG, writeConfigFile, type NodeConfig } from './config.js';
import { genesisToJson, type GenesisDoc } from './genesis.js';
import { homePaths, type HomePaths } from './home.js';
import { writeValidatorKey } from './priv-validator.js';

export class HomeExistsError extends CmtError {
  constructor(path: string) {
    super('HOME_EXISTS', `${path} already exists; use another --home, or remove it to start over`);
  }
}

export interface InitHomeOptions {
  home: string;
  chainId: string;
  moniker?: string;
  validatorPower?: number;
  accounts?: GenesisAccount[];
  /**
   * Also create a passphrase-less key with this name and balance (development chains only).
   * With `selfStake`, that key declares this node's validator as a genesis candidate, so the
   * chain runs with staking (LOCAL_STAKING_PARAMS) and the validator's power is its stake.
   */
  devKey?: { name: string; balance: bigint; selfStake?: bigint };
  consensusParams?: Partial<Omit<ConsensusParams, 'timeouts'>> & { timeouts?: Partial<TimeoutParams> };
  appParams?: AppParams;
  config?: (config: NodeConfig) => NodeConfig;
  /** Use this validator key instead of a new one. */
  validatorKey?: KeyPair;
  /** Genesis time (ms); defaults to now. */
  genesisTime?: number;
  /**
   * Join an existing chain: use this genesis (checked, copied as is) instead of making one.
   * The node's validator key is then only a validator if the genesis lists it.
   */
  genesis?: GenesisDoc;
}

export interface InitializedHome {
  paths: HomePaths;
  genesis: GenesisDoc;
  validatorAddress: Uint8Array;
  devKey?: { name: string; address: Uint8Array };
}

export async function initHome(options: InitHomeOptions): Promise<InitializedHome> {
  const paths = homePaths(options.home);
  try {
    await access(paths.genesis);
    throw new HomeExistsError(paths.genesis);
  } catch (err) {
    if (err instanceof HomeExistsError) throw err;
  }
  await mkdir(`${paths.root}/config`, { recursive: true, mode: 0o700 });
  await mkdir(paths.data, { recursive: true, mode: 0o700 });

  const validator = await writeValidatorKey(paths.privValidatorKey, options.validatorKey);
  const accounts = [...(options.accounts ?? [])];
  let devKey: InitializedHome['devKey'];
  let staking: StakingGenesis | undefined;
  if (options.devKey) {
    const pair = generateKeyPair();
    await new KeyDirectory(paths.keys).save(await encryptKey(pair, '', { name: options.devKey.name }));
    const address = addressFromPublicKey(pair.publicKey);
    accounts.push({ address, balance: options.devKey.balance });
    devKey = { name: options.devKey.name, address };
    const selfStake = options.devKey.selfStake;
    if (selfStake !== undefined) {
      staking = {
        params: LOCAL_STAKING_PARAMS,
        candidates: [{ owner: address, consensusKey: validator.publicKey, selfStake, maxStake: selfStake * 10n, commissionBps: 1000, name: options.moniker ?? 'validator', website: '', description: '' }],
      };
    }
  }
  const stakedPower = staking ? genesisValidatorSet(staking)[0]?.power : undefined;

  const consensusParams: ConsensusParams = {
    ...DEFAULT_CONSENSUS_PARAMS,
    ...options.consensusParams,
    timeouts: { ...DEFAULT_CONSENSUS_PARAMS.timeouts, ...options.consensusParams?.timeouts },
  };
  const genesis: GenesisDoc = options.genesis ?? {
    chainId: options.chainId,
    genesisTime: options.genesisTime ?? Date.now(),
    initialHeight: 1,
    consensusParams,
    validators: [{ name: options.moniker ?? 'validator', publicKey: validator.publicKey, power: stakedPower ?? options.validatorPower ?? 10 }],
    appState: appGenesisToJson({ params: options.appParams ?? DEFAULT_APP_PARAMS, accounts, ...(staking ? { staking } : {}) }),
  };
  await writeFile(paths.genesis, JSON.stringify(genesisToJson(genesis), null, 2) + '\n');
  const config = { ...DEFAULT_CONFIG, moniker: options.moniker ?? DEFAULT_CONFIG.moniker };
  await writeConfigFile(paths.config, options.config ? options.config(config) : config);
  return { paths, genesis, validatorAddress: addressFromPublicKey(validator.publicKey), ...(devKey ? { devKey } : {}) };
}

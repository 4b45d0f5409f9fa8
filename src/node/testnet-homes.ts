/**
 * The homes of a local testnet: one genesis with N validators and funded accounts, N + K
 * node homes that list each other as persistent peers on loopback ports, and a manifest
 * (`testnet.json`) that the `cmt testnet` commands read to find the nodes again.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONE_CMT } from '../codec/amount.js';
import { CmtError } from '../codec/errors.js';
import { DEFAULT_CONSENSUS_PARAMS, type ConsensusParams } from '../codec/params.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { generateKeyPair } from '../crypto/ed25519.js';
import { KeyDirectory } from '../crypto/key-directory.js';
import { encryptKey } from '../crypto/keystore.js';
import { appGenesisToJson } from '../app/genesis-state.js';
import { genesisValidatorSet } from '../app/staking/init-chain.js';
import type { StakingParams } from '../app/staking/params.js';
import { localStakingGenesis } from './local-staking-params.js';
import { toHex } from '../codec/bytes.js';
import { DEFAULT_APP_PARAMS } from '../app/params.js';
import { DEFAULT_CONFIG, writeConfigFile } from './config.js';
import { genesisToJson, type GenesisDoc } from './genesis.js';
import { homePaths } from './home.js';
import { writeValidatorKey } from './priv-validator.js';

export interface TestnetNode {
  name: string;
  home: string;
  role: 'validator' | 'full';
  rpcPort: number;
  p2pPort: number;
  peerId: string;
  /** 0x address of its consensus key (validators only are in genesis). */
  validatorAddress: string;
  /** Its webhook endpoint's port (spec/webhooks.md); validators attest with their operator account (account<i>). */
  webhookPort?: number;
  /** The account that signs its attestations. */
  attester?: string;
}

export interface TestnetManifest {
  chainId: string;
  nodes: TestnetNode[];
  accounts: { name: string; address: string }[];
}

export interface CreateTestnetOptions {
  dir: string;
  validators: number;
  fullNodes: number;
  chainId: string;
  /** Returns a free TCP port on loopback. */
  freePort: () => Promise<number>;
  accountBalance?: bigint;
  consensusParams?: ConsensusParams;
  /** Self-stake of each validator in base units (voting power is stake in whole CMT); default DEFAULT_TESTNET_STAKE each. */
  stakes?: readonly bigint[];
  /** Funded accounts with no validator, for delegating (named delegator0, delegator1, ...). */
  delegators?: number;
  /** Over LOCAL_STAKING_PARAMS. */
  stakingParams?: Partial<StakingParams>;
}

export const DEFAULT_TESTNET_STAKE = 10_000n * ONE_CMT;



export const MANIFEST_FILE = 'testnet.json';

export class NoTestnetError extends CmtError {
  constructor(dir: string) {
    super('NO_TESTNET', `${dir} holds no testnet (no ${MANIFEST_FILE}); start one with "cmt testnet start --dir ${dir}"`);
  }
}

export function peerAddress(node: TestnetNode): string {
  return `/ip4/127.0.0.1/tcp/${node.p2pPort}/p2p/${node.peerId}`;
}

export async function createTestnet(options: CreateTestnetOptions): Promise<TestnetManifest> {
  const total = options.validators + options.fullNodes;
  // libp2p's crypto loads only when nodes are made, not for commands that read a manifest.
  const { loadOrCreateNodeKey } = await import('../p2p/node-key.js');
  const nodes: TestnetNode[] = [];
  const validatorKeys = [];
  for (let i = 0; i < total; i++) {
    const name = `node${i}`;
    const paths = homePaths(join(options.dir, name));
    await mkdir(join(paths.root, 'config'), { recursive: true, mode: 0o700 });
    await mkdir(paths.data, { recursive: true, mode: 0o700 });
    const key = await writeValidatorKey(paths.privValidatorKey);
    const nodeKey = await loadOrCreateNodeKey(paths.nodeKey);
    const role = i < options.validators ? 'validator' : 'full';
    if (role === 'validator') validatorKeys.push({ name, publicKey: key.publicKey });
    nodes.push({
      name,
      home: paths.root,
      role,
      rpcPort: await options.freePort(),
      p2pPort: await options.freePort(),
      peerId: nodeKey.peerId,
      validatorAddress: formatAddress(addressFromPublicKey(key.publicKey)),
      ...(role === 'validator' ? { webhookPort: await options.freePort() } : {}),
    });
  }

  // Passphrase-less accounts stored in every home (a local testnet only): account<i> owns
  // validator i's candidacy and pays its self-stake; delegator<j> only holds CMT.
  const names = [...validatorKeys.map((_, i) => `account${i}`), ...Array.from({ length: options.delegators ?? 0 }, (_, j) => `delegator${j}`)];
  const accounts = await Promise.all(
    names.map(async (name) => {
      const pair = generateKeyPair();
      return { name, pair, file: await encryptKey(pair, '', { name }) };
    }),
  );
  const balance = options.accountBalance ?? 1_000_000n * ONE_CMT;
  const stakes = options.stakes ?? validatorKeys.map(() => DEFAULT_TESTNET_STAKE);
  if (stakes.length !== validatorKeys.length) throw new CmtError('INVALID_ARGUMENT', `${stakes.length} stakes given for ${validatorKeys.length} validators`);
  const staking = localStakingGenesis(
    validatorKeys.map((v, i) => ({ owner: addressFromPublicKey((accounts[i] as (typeof accounts)[number]).pair.publicKey), consensusKey: v.publicKey, selfStake: stakes[i] as bigint, name: v.name })),
    options.stakingParams,
  );
  const elected = new Map(genesisValidatorSet(staking).map((v) => [toHex(v.consensusKey), v.power]));
  const genesis: GenesisDoc = {
    chainId: options.chainId,
    genesisTime: Date.now(),
    initialHeight: 1,
    consensusParams: options.consensusParams ?? DEFAULT_CONSENSUS_PARAMS,
    validators: validatorKeys.filter((v) => elected.has(toHex(v.publicKey))).map((v) => ({ name: v.name, publicKey: v.publicKey, power: elected.get(toHex(v.publicKey)) as number })),
    appState: appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts: accounts.map((a) => ({ address: addressFromPublicKey(a.pair.publicKey), balance })), staking }),
  };
  const genesisJson = JSON.stringify(genesisToJson(genesis), null, 2) + '\n';
  // Every node's dashboard shows the whole testnet, and may call every other node's RPC from the page.
  const dashboardNodes = nodes.map((n) => ({ name: n.name, rpc: `http://127.0.0.1:${n.rpcPort}` }));
  // Validator i's operator account attests its webhook calls: a local testnet serves webhooks on every validator.
  nodes.forEach((node, i) => {
    if (node.webhookPort !== undefined) node.attester = `account${i}`;
  });
  for (const node of nodes) {
    const paths = homePaths(node.home);
    await writeFile(paths.genesis, genesisJson);
    const keys = new KeyDirectory(paths.keys);
    for (const a of accounts) await keys.save(a.file);
    await writeConfigFile(paths.config, {
      ...DEFAULT_CONFIG,
      moniker: node.name,
      rpc: { ...DEFAULT_CONFIG.rpc, port: node.rpcPort, corsAllowedOrigins: dashboardNodes.map((n) => n.rpc) },
      dashboard: { ...DEFAULT_CONFIG.dashboard, nodes: dashboardNodes },
      webhooks: node.webhookPort === undefined ? DEFAULT_CONFIG.webhooks : { ...DEFAULT_CONFIG.webhooks, enabled: true, port: node.webhookPort, attesterKey: node.attester as string },
      p2p: { ...DEFAULT_CONFIG.p2p, port: node.p2pPort, persistentPeers: nodes.filter((n) => n !== node).map(peerAddress) },
    });
  }
  const manifest: TestnetManifest = {
    chainId: options.chainId,
    nodes,
    accounts: accounts.map((a) => ({ name: a.name, address: formatAddress(addressFromPublicKey(a.pair.publicKey)) })),
  };
  await writeFile(join(options.dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

export async function readTestnet(dir: string): Promise<TestnetManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch {
    throw new NoTestnetError(dir);
  }
  return JSON.parse(text) as TestnetManifest;
}

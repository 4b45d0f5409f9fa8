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
import { DEFAULT_APP_PARAMS } from '../app/params.js';
import { loadOrCreateNodeKey } from '../p2p/node-key.js';
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
  /** The per-validator cap of voting power stays far away; every validator gets this power. */
  validatorPower?: number;
}

export const MANIFEST_FILE = 'testnet.json';
const VALIDATOR_POWER = 10;

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
    });
  }

  // One funded, passphrase-less account per validator, stored in every home (a local testnet only).
  const accounts = await Promise.all(
    validatorKeys.map(async (_, i) => {
      const pair = generateKeyPair();
      return { name: `account${i}`, pair, file: await encryptKey(pair, '', { name: `account${i}` }) };
    }),
  );
  const balance = options.accountBalance ?? 1_000_000n * ONE_CMT;
  const genesis: GenesisDoc = {
    chainId: options.chainId,
    genesisTime: Date.now(),
    initialHeight: 1,
    consensusParams: options.consensusParams ?? DEFAULT_CONSENSUS_PARAMS,
    validators: validatorKeys.map((v) => ({ name: v.name, publicKey: v.publicKey, power: options.validatorPower ?? VALIDATOR_POWER })),
    appState: appGenesisToJson({ params: DEFAULT_APP_PARAMS, accounts: accounts.map((a) => ({ address: addressFromPublicKey(a.pair.publicKey), balance })) }),
  };
  const genesisJson = JSON.stringify(genesisToJson(genesis), null, 2) + '\n';
  for (const node of nodes) {
    const paths = homePaths(node.home);
    await writeFile(paths.genesis, genesisJson);
    const keys = new KeyDirectory(paths.keys);
    for (const a of accounts) await keys.save(a.file);
    await writeConfigFile(paths.config, {
      ...DEFAULT_CONFIG,
      moniker: node.name,
      rpc: { ...DEFAULT_CONFIG.rpc, port: node.rpcPort },
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

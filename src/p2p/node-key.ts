/**
 * The node's network identity: an Ed25519 key in `<home>/config/node_key.json`, separate from
 * the validator's consensus key so that the two can be rotated and protected independently.
 * The peer id is derived from its public key; the file is created on first use and never
 * replaced afterwards — a malformed file is an error, because a silently new key would give
 * the node a new identity that its peers' `persistent_peers` no longer name.
 */
import './polyfill.js';
import { randomBytes } from 'node:crypto';
import { readStartFile, START_FILE_MAX_BYTES } from '../runtime/start-file.js';
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { fromHex, toHex } from '../codec/bytes.js';
import { createFileExclusively } from '../runtime/durable-file.js';
import { P2PError } from './errors.js';

export interface NodeKey {
  /** The libp2p key object, passed to libp2p as `privateKey`. */
  readonly privateKey: Ed25519PrivateKey;
  /** Base58 peer id (`12D3KooW…`), the `/p2p/<id>` part of this node's multiaddrs. */
  readonly peerId: string;
}

/** The JSON on disk. `private_key` is the 32-byte Ed25519 seed, not the 64-byte expanded key. */
export interface NodeKeyFile {
  type: 'ed25519';
  private_key: string;
}

const SEED_BYTES = 32;

export async function nodeKeyFromSeed(seed: Uint8Array): Promise<NodeKey> {
  if (seed.length !== SEED_BYTES) throw new P2PError('INVALID_NODE_KEY', `node key seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  const privateKey = await generateKeyPairFromSeed('Ed25519', seed);
  return { privateKey, peerId: peerIdFromPrivateKey(privateKey).toString() };
}

/** A fresh key that lives only in memory (tests, throwaway nodes). */
export function generateNodeKey(): Promise<NodeKey> {
  return nodeKeyFromSeed(new Uint8Array(randomBytes(SEED_BYTES)));
}

function parseNodeKeyFile(text: string, file: string): Uint8Array {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new P2PError('INVALID_NODE_KEY', `${file}: not valid JSON (${(err as Error).message}); fix or remove it — it is not replaced automatically`);
  }
  const f = json as Partial<NodeKeyFile> | null;
  if (f === null || typeof f !== 'object' || f.type !== 'ed25519' || typeof f.private_key !== 'string' || !/^[0-9a-fA-F]{64}$/.test(f.private_key)) {
    throw new P2PError(
      'INVALID_NODE_KEY',
      `${file}: expected {"type":"ed25519","private_key":"<64 hex digits>"}; fix or remove it — it is not replaced automatically`,
    );
  }
  return fromHex(f.private_key, 'private_key');
}

async function readSeed(file: string): Promise<Uint8Array | null> {
  let text: string;
  try {
    text = await readStartFile(file, START_FILE_MAX_BYTES.key);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new P2PError('INVALID_NODE_KEY', `${file}: cannot read the node key (${(err as Error).message})`, { cause: err });
  }
  return parseNodeKeyFile(text, file);
}

/** Reads an existing node key; throws INVALID_NODE_KEY if the file is missing or malformed. */
export async function readNodeKey(file: string): Promise<NodeKey> {
  const seed = await readSeed(file);
  if (seed === null) throw new P2PError('INVALID_NODE_KEY', `${file}: no node key (it is created when the node first starts)`);
  return nodeKeyFromSeed(seed);
}

/** Reads the node key, or creates it (mode 0600, atomically) when the file does not exist. */
export async function loadOrCreateNodeKey(file: string): Promise<NodeKey> {
  const existing = await readSeed(file);
  if (existing !== null) return nodeKeyFromSeed(existing);
  const seed = new Uint8Array(randomBytes(SEED_BYTES));
  const content: NodeKeyFile = { type: 'ed25519', private_key: toHex(seed) };
  const created = await createFileExclusively(file, JSON.stringify(content, null, 2) + '\n', 0o600);
  // Another process created it between our read and our write: its key is the node's key.
  return created ? nodeKeyFromSeed(seed) : readNodeKey(file);
}

/** The peer id stored in a node key file, without creating the file or starting a host (for the CLI). */
export async function peerIdOfNodeKeyFile(file: string): Promise<string> {
  return (await readNodeKey(file)).peerId;
}

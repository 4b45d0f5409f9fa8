/**
 * Ed25519 keys and signatures. Keys and signing come from @noble/ed25519 (portable, also runs in
 * a browser); verification goes through node:crypto (OpenSSL), about 10x faster, and every node
 * uses it, so validity is the same everywhere. OpenSSL alone accepts small-order and
 * non-canonical public keys (the identity key verifies (R=identity, S=0) for ANY message), so
 * the protocol rejects those keys before asking OpenSSL. Pinned by test/crypto/ed25519-vectors.json.
 */
import { createPrivateKey, createPublicKey, hash, randomBytes, sign as osslSign, verify as osslVerify, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { bytesKey } from '../codec/bytes.js';

ed.hashes.sha512 = (message: Uint8Array): Uint8Array<ArrayBuffer> => {
  const digest = hash('sha512', message, 'buffer');
  return new Uint8Array(digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength));
};

export const PRIVATE_KEY_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

export interface KeyPair {
  /** The 32-byte Ed25519 seed (RFC 8032 private key). */
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

export function keyPairFromSeed(privateKey: Uint8Array): KeyPair {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) throw new RangeError('an Ed25519 private key is 32 bytes');
  return { privateKey: Uint8Array.from(privateKey), publicKey: ed.getPublicKey(privateKey) };
}

export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(new Uint8Array(randomBytes(PRIVATE_KEY_LENGTH)));
}

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** OpenSSL keys of the private keys this process signs with, by the key array itself (no copy of the secret as a map key). */
const signingKeys = new WeakMap<Uint8Array, KeyObject>();

/**
 * Signs through OpenSSL (about 15x faster than @noble/ed25519, which a validator's every vote
 * paid for). Ed25519 signatures are deterministic: the same bytes either way (a test checks it).
 */
export function sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  let key = signingKeys.get(privateKey);
  if (!key) {
    if (privateKey.length !== PRIVATE_KEY_LENGTH) throw new RangeError('an Ed25519 private key is 32 bytes');
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
    signingKeys.set(privateKey, key);
  }
  const signature = new Uint8Array(osslSign(null, message, key));
  // A signature just made with the key verifies under its public key (RFC 8032): the memo can say so now, and no node of the simulator checks it again.
  if (memo) remember(memoKeyOf(signature, signerPublicKey(privateKey, key), message), true);
  return signature;
}

/** The public key of a private key this process signs with (derived once, by OpenSSL). */
const signerPublicKeys = new WeakMap<Uint8Array, Uint8Array>();
function signerPublicKey(privateKey: Uint8Array, key: KeyObject): Uint8Array {
  let publicKey = signerPublicKeys.get(privateKey);
  if (!publicKey) {
    publicKey = new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' })).slice(-PUBLIC_KEY_LENGTH);
    signerPublicKeys.set(privateKey, publicKey);
  }
  return publicKey;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const KEY_CACHE_LIMIT = 50_000;
/** Parsed OpenSSL keys by public key bytes; `null` marks a key the protocol rejects. */
const keyCache = new Map<string, KeyObject | null>();

/** Strict RFC 8032 decoding (y < p, no x=0 with sign bit) and not of small order. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  try {
    return !ed.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}

function opensslKey(publicKey: Uint8Array): KeyObject | null {
  const cacheKey = bytesKey(publicKey);
  const cached = keyCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = isValidPublicKey(publicKey)
    ? createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' })
    : null;
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.clear();
  keyCache.set(cacheKey, key);
  return key;
}

/** The protocol's signature check: valid key, canonical S (OpenSSL enforces S < L), cofactorless equation. */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false;
  const key = opensslKey(publicKey);
  if (key === null) return false;
  if (!memo) return osslVerify(null, message, key, signature);
  const memoKey = memoKeyOf(signature, publicKey, message);
  let valid = memo.get(memoKey);
  if (valid === undefined) {
    valid = osslVerify(null, message, key, signature);
    remember(memoKey, valid);
  }
  return valid;
}

const memoKeyOf = (signature: Uint8Array, publicKey: Uint8Array, message: Uint8Array): string => bytesKey(signature) + bytesKey(publicKey) + hash('sha256', message, 'base64');

function remember(memoKey: string, valid: boolean): void {
  if (!memo) return;
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(memoKey, valid);
}

const MEMO_LIMIT = 200_000;
let memo: Map<string, boolean> | null = null;

/**
 * Remembers verification results in this thread (bounded). For the simulator, whose N nodes
 * share one thread and each check every vote: a check is a pure function of (key, message,
 * signature), all three in the memo's key, so results do not change, only the time. What this
 * thread signs is remembered as valid when it is signed: Ed25519 signatures verify under the
 * signer's public key by construction (the key's own checks still run first on every verify).
 * A node process never turns it on (its peers' messages are each checked once anyway).
 */
export function memoizeVerification(): void {
  memo ??= new Map();
}

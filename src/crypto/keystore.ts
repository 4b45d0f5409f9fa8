/**
 * Encrypted key files: scrypt derives a key from the passphrase, AES-256-GCM encrypts the
 * Ed25519 seed with the public key as associated data (a file cannot be re-labelled with
 * another public key without failing authentication). All of it is node:crypto.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { fromHex, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { addressFromPublicKey, formatAddress } from './address.js';
import { keyPairFromSeed, type KeyPair } from './ed25519.js';

export interface KeystoreFile {
  version: 1;
  name: string;
  address: string;
  publicKey: string;
  /** True for development keys written with an empty passphrase; the CLI then does not prompt. */
  unprotected: boolean;
  crypto: {
    kdf: 'scrypt';
    kdfparams: { n: number; r: number; p: number; dklen: 32; salt: string };
    cipher: 'aes-256-gcm';
    iv: string;
    ciphertext: string;
    tag: string;
  };
}

export class WrongPassphraseError extends CmtError {
  constructor(name: string) {
    super('WRONG_PASSPHRASE', `wrong passphrase for key "${name}" (or the key file was altered)`);
  }
}

export class InvalidKeystoreError extends CmtError {
  constructor(message: string) {
    super('INVALID_KEYSTORE', message);
  }
}

/** scrypt N: 2^15 costs about 100 ms here, the usual interactive setting. */
export const DEFAULT_SCRYPT_N = 1 << 15;
const SCRYPT_R = 8;
const SCRYPT_P = 1;

function deriveKey(passphrase: string, salt: Uint8Array, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: 256 * n * r + (1 << 20) }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function encryptKey(
  keyPair: KeyPair,
  passphrase: string,
  options: { name: string; scryptN?: number },
): Promise<KeystoreFile> {
  const n = options.scryptN ?? DEFAULT_SCRYPT_N;
  const salt = randomBytes(32);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, n, SCRYPT_R, SCRYPT_P);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(keyPair.publicKey);
  const ciphertext = Buffer.concat([cipher.update(keyPair.privateKey), cipher.final()]);
  return {
    version: 1,
    name: options.name,
    address: formatAddress(addressFromPublicKey(keyPair.publicKey)),
    publicKey: toHex(keyPair.publicKey),
    unprotected: passphrase === '',
    crypto: {
      kdf: 'scrypt',
      kdfparams: { n, r: SCRYPT_R, p: SCRYPT_P, dklen: 32, salt: salt.toString('hex') },
      cipher: 'aes-256-gcm',
      iv: iv.toString('hex'),
      ciphertext: ciphertext.toString('hex'),
      tag: cipher.getAuthTag().toString('hex'),
    },
  };
}

const hexOf = (bytes: number): RegExp => new RegExp(`^[0-9a-fA-F]{${2 * bytes}}$`);
const HEX_32 = hexOf(32);
const HEX_IV = hexOf(12);
const HEX_TAG = hexOf(16);
const HEX_SALT = /^(?:[0-9a-fA-F]{2}){16,64}$/;
/** scrypt's r and p: far above what encryptKey writes (8 and 1), low enough that memory stays bounded. */
const MAX_SCRYPT_R = 32;
const MAX_SCRYPT_P = 16;

/**
 * Checks untrusted JSON before it is used as a keystore file: every field of its type and
 * size, so that unlocking can fail only as a wrong passphrase (or an altered file), never in
 * the middle of scrypt or AES with an error that does not name the file.
 */
export function parseKeystore(json: unknown, source: string): KeystoreFile {
  const f = json as Partial<KeystoreFile> | null;
  const c = f !== null && typeof f === 'object' ? f.crypto : undefined;
  const k = c !== null && typeof c === 'object' ? c.kdfparams : undefined;
  const ok =
    f !== null && typeof f === 'object' && f.version === 1 && typeof f.name === 'string' &&
    typeof f.publicKey === 'string' && HEX_32.test(f.publicKey) && typeof f.address === 'string' &&
    (f.unprotected === undefined || typeof f.unprotected === 'boolean') &&
    c !== null && typeof c === 'object' && c.kdf === 'scrypt' && c.cipher === 'aes-256-gcm' &&
    typeof c.iv === 'string' && HEX_IV.test(c.iv) && typeof c.ciphertext === 'string' && HEX_32.test(c.ciphertext) &&
    typeof c.tag === 'string' && HEX_TAG.test(c.tag) &&
    k !== null && typeof k === 'object' && Number.isSafeInteger(k.n) && Number.isSafeInteger(k.r) && Number.isSafeInteger(k.p) &&
    (k.dklen === undefined || k.dklen === 32) && typeof k.salt === 'string' && HEX_SALT.test(k.salt);
  if (!ok) throw new InvalidKeystoreError(`${source} is not a cmt keystore file (version 1, scrypt, aes-256-gcm, hex fields of their sizes)`);
  const { n, r, p } = k;
  if (n < 2 || (n & (n - 1)) !== 0 || n > 1 << 20) throw new InvalidKeystoreError(`${source}: scrypt n must be a power of two up to 2^20`);
  if (r < 1 || r > MAX_SCRYPT_R || p < 1 || p > MAX_SCRYPT_P) throw new InvalidKeystoreError(`${source}: scrypt r must be 1-${MAX_SCRYPT_R} and p 1-${MAX_SCRYPT_P}`);
  const file = f as KeystoreFile;
  if (file.address.toLowerCase() !== formatAddress(addressFromPublicKey(fromHex(file.publicKey)))) throw new InvalidKeystoreError(`${source}: address does not match publicKey`);
  return { ...file, unprotected: f.unprotected === true };
}

export async function decryptKey(file: KeystoreFile, passphrase: string): Promise<KeyPair> {
  const { kdfparams, iv, ciphertext, tag } = file.crypto;
  const publicKey = fromHex(file.publicKey, 'public key');
  const key = await deriveKey(passphrase, fromHex(kdfparams.salt), kdfparams.n, kdfparams.r, kdfparams.p);
  const decipher = createDecipheriv('aes-256-gcm', key, fromHex(iv));
  decipher.setAAD(publicKey);
  decipher.setAuthTag(fromHex(tag));
  let seed: Buffer;
  try {
    seed = Buffer.concat([decipher.update(fromHex(ciphertext)), decipher.final()]);
  } catch {
    throw new WrongPassphraseError(file.name);
  }
  const pair = keyPairFromSeed(new Uint8Array(seed));
  if (toHex(pair.publicKey) !== file.publicKey.toLowerCase()) throw new InvalidKeystoreError(`key "${file.name}": public key does not match the private key`);
  return pair;
}

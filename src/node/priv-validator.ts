/**
 * The validator's consensus key and its signing record. Before a signature leaves this
 * class, the height/round/step it is for and the signed bytes are on disk; a request to
 * sign different bytes at the same or an earlier step is refused, across restarts too.
 */
import { readFile } from 'node:fs/promises';
import { bytesEqual, fromHex, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { generateKeyPair, keyPairFromSeed, sign, type KeyPair } from '../crypto/ed25519.js';
import { Mutex } from '../runtime/mutex.js';
import { writeFileDurably } from '../runtime/durable-file.js';

export const SIGN_STEP_PROPOSAL = 1;
export const SIGN_STEP_PREVOTE = 2;
export const SIGN_STEP_PRECOMMIT = 3;
export type SignStep = typeof SIGN_STEP_PROPOSAL | typeof SIGN_STEP_PREVOTE | typeof SIGN_STEP_PRECOMMIT;

export class DoubleSignError extends CmtError {
  constructor(message: string) {
    super('DOUBLE_SIGN_REFUSED', message);
  }
}

interface LastSignState {
  height: number;
  round: number;
  step: number;
  signBytes: Uint8Array;
  signature: Uint8Array;
}

export async function writeValidatorKey(path: string, pair: KeyPair = generateKeyPair()): Promise<KeyPair> {
  const json = {
    address: formatAddress(addressFromPublicKey(pair.publicKey)),
    pub_key: toHex(pair.publicKey),
    priv_key: toHex(pair.privateKey),
  };
  await writeFileDurably(path, JSON.stringify(json, null, 2) + '\n', 0o600);
  return pair;
}

export async function readValidatorKey(path: string): Promise<KeyPair> {
  let json: { pub_key?: string; priv_key?: string };
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new CmtError('INVALID_VALIDATOR_KEY', `${path}: cannot read the validator key (${(err as Error).message})`);
  }
  const pair = keyPairFromSeed(fromHex(String(json.priv_key), 'priv_key'));
  if (toHex(pair.publicKey) !== String(json.pub_key).toLowerCase()) throw new CmtError('INVALID_VALIDATOR_KEY', `${path}: pub_key does not match priv_key`);
  return pair;
}

export class PrivValidator {
  readonly address: Uint8Array;
  private readonly signing = new Mutex();

  private constructor(
    private readonly key: KeyPair,
    private readonly statePath: string,
    private last: LastSignState | null,
  ) {
    this.address = addressFromPublicKey(key.publicKey);
  }

  get publicKey(): Uint8Array {
    return this.key.publicKey;
  }

  static async load(keyPath: string, statePath: string): Promise<PrivValidator> {
    const key = await readValidatorKey(keyPath);
    let last: LastSignState | null = null;
    try {
      const raw = JSON.parse(await readFile(statePath, 'utf8')) as { height: number; round: number; step: number; sign_bytes: string; signature: string };
      last = { height: raw.height, round: raw.round, step: raw.step, signBytes: fromHex(raw.sign_bytes), signature: fromHex(raw.signature) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CmtError('INVALID_SIGN_STATE', `${statePath}: cannot read the last-sign state (${(err as Error).message}); refusing to sign without it`);
      }
    }
    return new PrivValidator(key, statePath, last);
  }

  /** The last height/round/step signed, for observability. */
  get lastSigned(): { height: number; round: number; step: number } | null {
    return this.last && { height: this.last.height, round: this.last.round, step: this.last.step };
  }

  sign(height: number, round: number, step: SignStep, signBytes: Uint8Array): Promise<Uint8Array> {
    return this.signing.runExclusive(() => this.signOnce(height, round, step, signBytes));
  }

  private async signOnce(height: number, round: number, step: SignStep, signBytes: Uint8Array): Promise<Uint8Array> {
    const last = this.last;
    if (last) {
      const order = height - last.height || round - last.round || step - last.step;
      if (order < 0) {
        throw new DoubleSignError(`refusing to sign ${height}/${round}/${step}: already signed ${last.height}/${last.round}/${last.step}`);
      }
      if (order === 0) {
        if (bytesEqual(signBytes, last.signBytes)) return last.signature;
        throw new DoubleSignError(`refusing to sign different data at ${height}/${round}/${step}`);
      }
    }
    const signature = sign(this.key.privateKey, signBytes);
    const next = { height, round, step, signBytes, signature };
    await writeFileDurably(
      this.statePath,
      JSON.stringify({ height, round, step, sign_bytes: toHex(signBytes), signature: toHex(signature) }) + '\n',
    );
    this.last = next;
    return signature;
  }
}

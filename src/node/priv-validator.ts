/**
 * The validator's consensus key and its signing record. Before a signature leaves this
 * class, the height/round/step it is for and the signed bytes are on disk; a request to
 * sign different bytes at the same or an earlier step is refused, across restarts too.
 */
import { lstat } from 'node:fs/promises';
import { readStartFile, START_FILE_MAX_BYTES } from '../runtime/start-file.js';
import { bytesEqual, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { generateKeyPair, sign, type KeyPair } from '../crypto/ed25519.js';
import { Mutex } from '../runtime/mutex.js';
import { writeFileDurably } from '../runtime/durable-file.js';
import { parseSignState, parseValidatorKey, signStateToJson, type LastSignState, type SignStep } from './priv-validator-files.js';

export { SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, type SignStep } from './priv-validator-files.js';

export class DoubleSignError extends CmtError {
  constructor(message: string) {
    super('DOUBLE_SIGN_REFUSED', message);
  }
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

/** Reads a file of the validator; any failure (missing, unreadable) is an error naming it. */
async function readText(path: string, code: string, what: string): Promise<string> {
  try {
    return await readStartFile(path, START_FILE_MAX_BYTES.key);
  } catch (err) {
    throw new CmtError(code, `${path}: cannot read the ${what} (${(err as Error).message})`);
  }
}

export async function readValidatorKey(path: string): Promise<KeyPair> {
  return parseValidatorKey(await readText(path, 'INVALID_VALIDATOR_KEY', 'validator key'), path);
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

  /** A missing sign state is a validator that never signed; any other problem with it refuses to start. */
  static async load(keyPath: string, statePath: string): Promise<PrivValidator> {
    const key = await readValidatorKey(keyPath);
    let text: string | null = null;
    try {
      text = await readStartFile(statePath, START_FILE_MAX_BYTES.signState);
    } catch (err) {
      // Never signed means no file at all: a symlink to nothing (a data disk not mounted) is a lost state.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || (await lstat(statePath).catch(() => undefined))) {
        throw new CmtError('INVALID_SIGN_STATE', `${statePath}: cannot read the last-sign state (${(err as Error).message}); refusing to sign without it`);
      }
    }
    return new PrivValidator(key, statePath, text === null ? null : parseSignState(text, statePath, key.publicKey));
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
      if (order === 0) {
        if (bytesEqual(signBytes, last.signBytes)) return last.signature;
        throw new DoubleSignError(`refusing to sign different data at ${height}/${round}/${step}`);
      }
      // Written so that anything not strictly later (NaN included) is refused.
      if (!(order > 0)) {
        throw new DoubleSignError(`refusing to sign ${height}/${round}/${step}: already signed ${last.height}/${last.round}/${last.step}`);
      }
    }
    const signature = sign(this.key.privateKey, signBytes);
    const next = { height, round, step, signBytes, signature };
    await writeFileDurably(this.statePath, signStateToJson(next));
    this.last = next;
    return signature;
  }
}

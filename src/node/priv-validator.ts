/**
 * The validator's consensus key and its signing record. Before a signature leaves this
 * class, the height/round/step it is for and the signed bytes are on disk; a request to
 * sign different bytes at the same or an earlier step is refused, across restarts too. (Two
 * `unsafe` options break exactly that, for tests of the double-sign checkers.) The files are read
 * and written through a Disk: the real file system, or the simulator's MemoryDisk.
 */
import { bytesEqual, toHex } from '../codec/bytes.js';
import { CmtError } from '../codec/errors.js';
import { hasMutation, type MutationSet } from '../consensus/mutations.js';
import { addressFromPublicKey, formatAddress } from '../crypto/address.js';
import { generateKeyPair, sign, type KeyPair } from '../crypto/ed25519.js';
import { nodeDisk, type Disk } from '../runtime/disk.js';
import { Mutex } from '../runtime/mutex.js';
import { START_FILE_MAX_BYTES } from '../runtime/start-file.js';
import { parseSignState, parseValidatorKey, SIGN_STEP_PRECOMMIT, signStateToJson, type LastSignState, type SignedLock, type SignStep } from './priv-validator-files.js';

export { SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, type SignStep } from './priv-validator-files.js';

export interface PrivValidatorOptions {
  /** Where the key and the sign state live: the real file system (default), or a host's, e.g. the simulator's MemoryDisk. */
  disk?: Disk;
  /**
   * UNSAFE, a test switch for the double-sign checkers, never a feature: signs whatever it is
   * asked to, skipping the refusal of different bytes at the same or an earlier height/round/step.
   * It exists so a test can show that a checker reports the double signing it lets through.
   */
  unsafeSkipGuard?: boolean;
  /**
   * UNSAFE, a test switch for the double-sign checkers, never a feature: returns the signature
   * before the sign state is durably written (the write follows in the background). A crash in
   * between makes the restarted validator forget the signature and sign again differently; it
   * exists so a test can show that a checker catches that wrong ordering.
   */
  unsafeSignBeforePersist?: boolean;
}

/** The signer's share of a simulator's mutations (src/consensus/mutations.ts): its two unsafe options. */
export function unsafeSignerOptions(mutations: MutationSet): Pick<PrivValidatorOptions, 'unsafeSkipGuard' | 'unsafeSignBeforePersist'> {
  return {
    ...(hasMutation(mutations, 'sign-without-state') ? { unsafeSkipGuard: true } : {}),
    ...(hasMutation(mutations, 'sign-before-persist') ? { unsafeSignBeforePersist: true } : {}),
  };
}

export class DoubleSignError extends CmtError {
  constructor(message: string) {
    super('DOUBLE_SIGN_REFUSED', message);
  }
}

export async function writeValidatorKey(path: string, pair: KeyPair = generateKeyPair(), disk: Disk = nodeDisk): Promise<KeyPair> {
  const json = {
    address: formatAddress(addressFromPublicKey(pair.publicKey)),
    pub_key: toHex(pair.publicKey),
    priv_key: toHex(pair.privateKey),
  };
  await disk.replaceDurably(path, JSON.stringify(json, null, 2) + '\n', 0o600);
  return pair;
}

const utf8 = new TextDecoder();

export async function readValidatorKey(path: string, disk: Disk = nodeDisk): Promise<KeyPair> {
  let bytes: Uint8Array | null;
  try {
    bytes = await disk.readSmallFile(path, START_FILE_MAX_BYTES.key);
  } catch (err) {
    throw new CmtError('INVALID_VALIDATOR_KEY', `${path}: cannot read the validator key (${(err as Error).message})`);
  }
  if (bytes === null) throw new CmtError('INVALID_VALIDATOR_KEY', `${path}: cannot read the validator key (no such file)`);
  return parseValidatorKey(utf8.decode(bytes), path);
}

/** The last signature this key gave, or null for a validator that never signed (no file at all). */
async function readSignState(disk: Disk, statePath: string, publicKey: Uint8Array): Promise<LastSignState | null> {
  let bytes: Uint8Array | null;
  try {
    bytes = await disk.readSmallFile(statePath, START_FILE_MAX_BYTES.signState);
  } catch (err) {
    throw new CmtError('INVALID_SIGN_STATE', `${statePath}: cannot read the last-sign state (${(err as Error).message}); refusing to sign without it`);
  }
  return bytes === null ? null : parseSignState(utf8.decode(bytes), statePath, publicKey);
}

export class PrivValidator {
  readonly address: Uint8Array;
  private readonly signing = new Mutex();
  /** With unsafeSignBeforePersist: the background writes of the sign state, one after another. */
  private persisting: Promise<void> = Promise.resolve();

  private constructor(
    private readonly key: KeyPair,
    private readonly statePath: string,
    private last: LastSignState | null,
    private readonly disk: Disk,
    private readonly unsafe: { skipGuard: boolean; signBeforePersist: boolean },
  ) {
    this.address = addressFromPublicKey(key.publicKey);
  }

  get publicKey(): Uint8Array {
    return this.key.publicKey;
  }

  /**
   * A missing sign state is a validator that never signed; any other problem with it refuses to
   * start. (Never signed means no file at all: on the real disk a symlink to nothing, a data disk
   * not mounted, is a lost state.)
   */
  static async load(keyPath: string, statePath: string, options: PrivValidatorOptions = {}): Promise<PrivValidator> {
    const key = await readValidatorKey(keyPath, options.disk ?? nodeDisk);
    return PrivValidator.create(key, statePath, options);
  }

  /** For a host that holds the key itself (the simulator derives one per validator): only the sign state is on the disk. */
  static async create(key: KeyPair, statePath: string, options: PrivValidatorOptions = {}): Promise<PrivValidator> {
    const disk = options.disk ?? nodeDisk;
    const last = await readSignState(disk, statePath, key.publicKey);
    const unsafe = { skipGuard: options.unsafeSkipGuard === true, signBeforePersist: options.unsafeSignBeforePersist === true };
    return new PrivValidator(key, statePath, last, disk, unsafe);
  }

  /** The last height/round/step signed, for observability. */
  get lastSigned(): { height: number; round: number; step: number } | null {
    return this.last && { height: this.last.height, round: this.last.round, step: this.last.step };
  }

  /** The block this key last precommitted at `height` and its round, if the sign state holds it. */
  lockAt(height: number): SignedLock | null {
    return this.last && this.last.height === height && this.last.lock ? this.last.lock : null;
  }

  /** `precommitted`: the block hash of a precommit for a block, which becomes the lock the sign state keeps. */
  sign(height: number, round: number, step: SignStep, signBytes: Uint8Array, precommitted?: Uint8Array): Promise<Uint8Array> {
    return this.signing.runExclusive(() => this.signOnce(height, round, step, signBytes, precommitted));
  }

  private async signOnce(height: number, round: number, step: SignStep, signBytes: Uint8Array, precommitted: Uint8Array | undefined): Promise<Uint8Array> {
    const last = this.last;
    if (last && !this.unsafe.skipGuard) {
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
    const kept = last && last.height === height ? last.lock : undefined;
    const lock = step === SIGN_STEP_PRECOMMIT && precommitted && precommitted.length > 0 ? { round, blockHash: precommitted } : kept;
    const next: LastSignState = { height, round, step, signBytes, signature, ...(lock ? { lock } : {}) };
    if (this.unsafe.signBeforePersist) {
      this.last = next;
      const json = signStateToJson(next);
      this.persisting = this.persisting.then(() => this.disk.replaceDurably(this.statePath, json, 0o600)).catch(() => undefined);
      return signature;
    }
    await this.disk.replaceDurably(this.statePath, signStateToJson(next), 0o600);
    this.last = next;
    return signature;
  }
}

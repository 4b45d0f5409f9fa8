/**
 * The validator's key and its last-sign state are read strictly: a damaged file stops the
 * validator with an error naming the file, and whatever the file says, no two different
 * signatures for one height/round/step ever leave the node.
 */
import fc from 'fast-check';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { CmtError } from '../../src/codec/errors.js';
import { DoubleSignError, PrivValidator, SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, SIGN_STEP_PROPOSAL, writeValidatorKey } from '../../src/node/priv-validator.js';
import { mutate, mutation } from '../support/file-mutations.js';
import { tempDir } from '../support/temp-dir.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const STEPS = [SIGN_STEP_PROPOSAL, SIGN_STEP_PREVOTE, SIGN_STEP_PRECOMMIT] as const;

describe('the last-sign state and the validator key files', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let keyPath: string;
  let statePath: string;
  let validKey: Uint8Array;
  let validState: Uint8Array;
  let publicKey: string;

  beforeAll(async () => {
    dir = await tempDir('sign-state');
    keyPath = join(dir.path, 'priv_validator_key.json');
    statePath = join(dir.path, 'priv_validator_state.json');
    publicKey = toHex((await writeValidatorKey(keyPath)).publicKey);
    validKey = await readFile(keyPath);
    const pv = await PrivValidator.load(keyPath, statePath);
    await pv.sign(5, 1, SIGN_STEP_PREVOTE, bytes('vote A at 5/1/prevote'));
    validState = await readFile(statePath);
  });
  afterAll(() => dir.cleanup());

  /** Loads with the given files; the error, if any, must be a CmtError naming `file`. */
  async function loadOrRefuse(file: string): Promise<PrivValidator | null> {
    try {
      return await PrivValidator.load(keyPath, statePath);
    } catch (err) {
      expect(err).toBeInstanceOf(CmtError);
      expect((err as Error).message).toContain(file);
      return null;
    }
  }

  it('a sign state without a step, or with a step out of its enum, is refused at load', async () => {
    const state = JSON.parse(validState.toString()) as Record<string, unknown>;
    for (const broken of [{ ...state, step: undefined }, { ...state, step: 7 }, { ...state, height: -1 }, { ...state, round: 1.5 }, { ...state, extra: 1 }]) {
      await writeFile(keyPath, validKey);
      await writeFile(statePath, JSON.stringify(broken));
      await expect(PrivValidator.load(keyPath, statePath)).rejects.toThrow(statePath);
    }
  });

  it('a mutated sign state is refused, or still refuses every conflicting signature', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, fc.constantFrom(...STEPS), async (m, otherStep) => {
        await writeFile(keyPath, validKey);
        await writeFile(statePath, mutate(validState, m));
        const pv = await loadOrRefuse(statePath);
        if (!pv) return;
        const last = pv.lastSigned;
        if (!last) throw new Error('a sign state that loads must say what was signed');
        expect(Number.isSafeInteger(last.height) && Number.isSafeInteger(last.round) && STEPS.includes(last.step as 1 | 2 | 3)).toBe(true);
        // Different bytes at the recorded height/round/step, or anything before it, are refused.
        await expect(pv.sign(last.height, last.round, last.step as 1 | 2 | 3, bytes('a conflicting vote'))).rejects.toBeInstanceOf(DoubleSignError);
        if (otherStep < last.step) await expect(pv.sign(last.height, last.round, otherStep, bytes('an earlier step'))).rejects.toBeInstanceOf(DoubleSignError);
      }),
      { numRuns: 300 },
    );
  });

  it('a mutated validator key is refused, or is the same key', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        await writeFile(keyPath, mutate(validKey, m));
        await writeFile(statePath, validState);
        const pv = await loadOrRefuse(keyPath);
        if (pv) expect(toHex(pv.publicKey)).toBe(publicKey);
      }),
      { numRuns: 300 },
    );
  });

  it('a key file that cannot be read is an error naming it', async () => {
    await rm(keyPath, { force: true });
    await mkdir(keyPath);
    try {
      await expect(PrivValidator.load(keyPath, statePath)).rejects.toThrow(keyPath);
    } finally {
      await rm(keyPath, { recursive: true });
      await writeFile(keyPath, validKey);
    }
  });
});

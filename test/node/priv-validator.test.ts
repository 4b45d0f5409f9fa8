import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verify } from '../../src/crypto/ed25519.js';
import { PrivValidator, SIGN_STEP_PRECOMMIT, SIGN_STEP_PREVOTE, writeValidatorKey } from '../../src/node/priv-validator.js';
import { tempDir } from '../support/temp-dir.js';

describe('PrivValidator double-sign guard', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let keyPath: string;
  let statePath: string;
  beforeEach(async () => {
    dir = await tempDir('privval');
    keyPath = join(dir.path, 'key.json');
    statePath = join(dir.path, 'state.json');
    await writeValidatorKey(keyPath);
  });
  afterEach(() => dir.cleanup());

  const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

  it('signs, and re-signing the same bytes returns the same signature', async () => {
    const pv = await PrivValidator.load(keyPath, statePath);
    const a = await pv.sign(5, 0, SIGN_STEP_PREVOTE, bytes('vote A'));
    expect(verify(pv.publicKey, bytes('vote A'), a)).toBe(true);
    expect(await pv.sign(5, 0, SIGN_STEP_PREVOTE, bytes('vote A'))).toEqual(a);
  });

  it('refuses different bytes at the same height/round/step, also after a restart', async () => {
    const pv = await PrivValidator.load(keyPath, statePath);
    await pv.sign(5, 0, SIGN_STEP_PREVOTE, bytes('vote A'));
    await expect(pv.sign(5, 0, SIGN_STEP_PREVOTE, bytes('vote B'))).rejects.toMatchObject({ code: 'DOUBLE_SIGN_REFUSED' });
    const restarted = await PrivValidator.load(keyPath, statePath);
    await expect(restarted.sign(5, 0, SIGN_STEP_PREVOTE, bytes('vote B'))).rejects.toMatchObject({ code: 'DOUBLE_SIGN_REFUSED' });
  });

  it('refuses to go back in height, round or step', async () => {
    const pv = await PrivValidator.load(keyPath, statePath);
    await pv.sign(5, 2, SIGN_STEP_PRECOMMIT, bytes('x'));
    await expect(pv.sign(5, 2, SIGN_STEP_PREVOTE, bytes('y'))).rejects.toMatchObject({ code: 'DOUBLE_SIGN_REFUSED' });
    await expect(pv.sign(5, 1, SIGN_STEP_PRECOMMIT, bytes('y'))).rejects.toMatchObject({ code: 'DOUBLE_SIGN_REFUSED' });
    await expect(pv.sign(4, 9, SIGN_STEP_PRECOMMIT, bytes('y'))).rejects.toMatchObject({ code: 'DOUBLE_SIGN_REFUSED' });
    await expect(pv.sign(5, 3, SIGN_STEP_PREVOTE, bytes('y'))).resolves.toHaveLength(64);
  });

  it('serialises concurrent requests: only one of two conflicting votes is signed', async () => {
    const pv = await PrivValidator.load(keyPath, statePath);
    const results = await Promise.allSettled([pv.sign(7, 0, SIGN_STEP_PREVOTE, bytes('A')), pv.sign(7, 0, SIGN_STEP_PREVOTE, bytes('B'))]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
  });

  it('refuses to start from an unreadable sign state instead of assuming it is empty', async () => {
    await writeFile(statePath, '{"height":');
    await expect(PrivValidator.load(keyPath, statePath)).rejects.toMatchObject({ code: 'INVALID_SIGN_STATE' });
  });
});

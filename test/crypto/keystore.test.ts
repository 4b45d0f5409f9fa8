import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { KeyDirectory } from '../../src/crypto/key-directory.js';
import { decryptKey, encryptKey, parseKeystore } from '../../src/crypto/keystore.js';

const FAST = { scryptN: 1 << 10 };

describe('keystore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cmt-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips a key through scrypt + AES-256-GCM', async () => {
    const pair = generateKeyPair();
    const file = await encryptKey(pair, 'correct horse', { name: 'alice', ...FAST });
    expect(file.unprotected).toBe(false);
    const back = await decryptKey(file, 'correct horse');
    expect(back.privateKey).toEqual(pair.privateKey);
  });

  it('rejects a wrong passphrase with WRONG_PASSPHRASE', async () => {
    const file = await encryptKey(generateKeyPair(), 'right', { name: 'bob', ...FAST });
    await expect(decryptKey(file, 'wrong')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });

  it('detects a file relabelled with another public key', async () => {
    const file = await encryptKey(generateKeyPair(), 'pw', { name: 'bob', ...FAST });
    const other = await encryptKey(generateKeyPair(), 'pw', { name: 'eve', ...FAST });
    await expect(decryptKey({ ...file, publicKey: other.publicKey }, 'pw')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });

  it('stores files 0600 under keys/, lists them sorted, refuses duplicates', async () => {
    const keys = new KeyDirectory(join(dir, 'keys'));
    await keys.save(await encryptKey(generateKeyPair(), '', { name: 'zed', ...FAST }));
    const path = await keys.save(await encryptKey(generateKeyPair(), '', { name: 'amy', ...FAST }));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await keys.list()).map((k) => k.name)).toEqual(['amy', 'zed']);
    await expect(keys.save(await encryptKey(generateKeyPair(), '', { name: 'amy', ...FAST }))).rejects.toMatchObject({ code: 'KEY_EXISTS' });
    await keys.delete('amy');
    expect((await keys.list()).map((k) => k.name)).toEqual(['zed']);
    await expect(keys.get('amy')).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });

  it('rejects bad names and corrupt files clearly', async () => {
    const keys = new KeyDirectory(join(dir, 'keys'));
    await expect(keys.get('../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_KEY_NAME' });
    await keys.save(await encryptKey(generateKeyPair(), '', { name: 'ok', ...FAST }));
    await writeFile(join(dir, 'keys', 'ok.json'), '{"version":1');
    await expect(keys.get('ok')).rejects.toMatchObject({ code: 'INVALID_KEYSTORE' });
    expect(() => parseKeystore({ version: 2 }, 'x.json')).toThrow(/not a cmt keystore/);
  });
});

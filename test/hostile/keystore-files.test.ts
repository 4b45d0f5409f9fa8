/**
 * A keystore file (`<home>/keys/<name>.json`) damaged any way: reading and unlocking it either
 * gives the same key, or a clear error (INVALID_KEYSTORE naming the file, or WRONG_PASSPHRASE,
 * which says the file may have been altered). Never another kind of error, never another key.
 */
import fc from 'fast-check';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/codec/bytes.js';
import { CmtError } from '../../src/codec/errors.js';
import { generateKeyPair } from '../../src/crypto/ed25519.js';
import { KeyDirectory } from '../../src/crypto/key-directory.js';
import { decryptKey, encryptKey } from '../../src/crypto/keystore.js';
import { mutate, mutation } from '../support/file-mutations.js';
import { tempDir } from '../support/temp-dir.js';

describe('a damaged keystore file', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let keys: KeyDirectory;
  let valid: Uint8Array;
  let path: string;
  const pair = generateKeyPair();

  beforeAll(async () => {
    dir = await tempDir('keystore');
    keys = new KeyDirectory(join(dir.path, 'keys'));
    path = await keys.save(await encryptKey(pair, '', { name: 'k', scryptN: 1 << 4 }));
    valid = await readFile(path);
  });
  afterAll(() => dir.cleanup());

  it('unlocks to the same key or is refused with a clear error', async () => {
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        await writeFile(path, mutate(valid, m));
        try {
          const unlocked = await decryptKey(await keys.get('k'), '');
          expect(toHex(unlocked.publicKey)).toBe(toHex(pair.publicKey));
        } catch (err) {
          if (!(err instanceof CmtError)) throw new Error(`not a CmtError: ${(err as Error).stack ?? String(err)}`);
          if (err.code !== 'WRONG_PASSPHRASE') expect(err.message).toContain(path);
        }
      }),
      { numRuns: 300 },
    );
  });
});

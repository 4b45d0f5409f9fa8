import { readFile, stat, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateNodeKey, nodeKeyFromSeed, peerIdOfNodeKeyFile, readNodeKey } from '../../src/p2p/node-key.js';
import { tempDir } from '../support/temp-dir.js';

describe('node key file', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let file: string;
  beforeEach(async () => {
    dir = await tempDir('node-key');
    file = join(dir.path, 'config', 'node_key.json');
  });
  afterEach(() => dir.cleanup());

  it('creates the file (mode 0600, no temp file left) and reloads the same identity', async () => {
    const created = await loadOrCreateNodeKey(file);
    expect(created.peerId).toMatch(/^12D3KooW/);
    const json = JSON.parse(await readFile(file, 'utf8')) as { type: string; private_key: string };
    expect(json.type).toBe('ed25519');
    expect(json.private_key).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir.path, 'config'))).toEqual(['node_key.json']);

    const reloaded = await loadOrCreateNodeKey(file);
    expect(reloaded.peerId).toBe(created.peerId);
    expect(reloaded.privateKey.equals(created.privateKey)).toBe(true);
    expect(await peerIdOfNodeKeyFile(file)).toBe(created.peerId);
  });

  it('derives the peer id from the seed deterministically', async () => {
    const seed = new Uint8Array(32).fill(1);
    await writeFile(file.replace('config/node_key.json', 'k.json'), JSON.stringify({ type: 'ed25519', private_key: Buffer.from(seed).toString('hex') }));
    const fromFile = await readNodeKey(file.replace('config/node_key.json', 'k.json'));
    expect(fromFile.peerId).toBe((await nodeKeyFromSeed(seed)).peerId);
  });

  it('two concurrent first starts end up with one key', async () => {
    const [x, y] = await Promise.all([loadOrCreateNodeKey(file), loadOrCreateNodeKey(file)]);
    expect(x.peerId).toBe(y.peerId);
    expect(await peerIdOfNodeKeyFile(file)).toBe(x.peerId);
  });

  it.each([
    ['not JSON', '{oops'],
    ['the wrong type', JSON.stringify({ type: 'secp256k1', private_key: '00'.repeat(32) })],
    ['a short key', JSON.stringify({ type: 'ed25519', private_key: 'abcd' })],
    ['non-hex', JSON.stringify({ type: 'ed25519', private_key: 'zz'.repeat(32) })],
    ['an array', '[]'],
  ])('refuses a file with %s, naming it, and leaves it untouched', async (_label, content) => {
    await loadOrCreateNodeKey(file);
    await writeFile(file, content);
    const err = await loadOrCreateNodeKey(file).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INVALID_NODE_KEY' });
    expect((err as Error).message).toContain(file);
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('peerIdOfNodeKeyFile does not create a missing file', async () => {
    await expect(peerIdOfNodeKeyFile(file)).rejects.toMatchObject({ code: 'INVALID_NODE_KEY' });
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_COMMIT, encodeBlock, headerHash, type Block } from '../../src/codec/block.js';
import { txHash } from '../../src/codec/tx.js';
import { BlockStore } from '../../src/store/block-store.js';
import { storeTestBlock as block } from '../support/store-blocks.js';
import { tempDir } from '../support/temp-dir.js';


describe('block store', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir('blockstore');
  });
  afterEach(() => dir.cleanup());

  it('stores blocks, commits, results and the tx index, and knows its bounds after reopening', async () => {
    let store = await BlockStore.open(dir.path);
    expect([store.base, store.height]).toEqual([0, 0]);
    const tx = new Uint8Array([1, 2, 3]);
    for (let h = 1; h <= 3; h++) {
      const b = block(h, [tx.map((x) => x + h)]);
      const hash = headerHash(b.header);
      await store.saveBlock(b, encodeBlock(b), hash, { ...EMPTY_COMMIT, height: h, blockHash: hash });
      await store.saveResults(
        { height: h, txResults: [{ code: 0, codespace: '', log: '', gasWanted: 5, gasUsed: 4, events: [] }], events: [], validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) },
        [new Uint8Array(32).fill(h)],
      );
    }
    await store.close();
    store = await BlockStore.open(dir.path);
    expect([store.base, store.height]).toEqual([1, 3]);
    const b2 = await store.loadBlock(2);
    expect(b2?.header.height).toBe(2);
    expect(await store.heightOfHash(headerHash((b2 as Block).header))).toBe(2);
    // The canonical commit of 2 is the one block 3 carries; the newest block has only its seen commit.
    expect((await store.loadCommit(2))?.height).toBe(2);
    expect((await store.loadCommit(3))?.blockHash).toEqual(headerHash((await store.loadBlock(3) as Block).header));
    expect(await store.loadTx(new Uint8Array(32).fill(2))).toMatchObject({ height: 2, index: 0, result: { gasUsed: 4 } });
    expect(await store.loadTx(new Uint8Array(32).fill(9))).toBeUndefined();
    expect(await store.loadBlock(4)).toBeUndefined();
    await store.close();
  });

  it('prunes blocks, commits, results and indexed transactions below a height, and keeps the rest', async () => {
    let store = await BlockStore.open(dir.path);
    const blocks = [1, 2, 3, 4, 5].map((h) => block(h, [Uint8Array.of(h, 7)]));
    for (const b of blocks) {
      const h = b.header.height;
      const hash = headerHash(b.header);
      await store.saveBlock(b, encodeBlock(b), hash, { ...EMPTY_COMMIT, height: h, blockHash: hash });
      await store.saveResults(
        { height: h, txResults: [{ code: 0, codespace: '', log: '', gasWanted: 5, gasUsed: 4, events: [] }], events: [], validatorUpdates: [], consensusParamUpdates: [], appHash: new Uint8Array(32) },
        [txHash(b.txs[0] as Uint8Array)],
      );
    }
    await store.saveValidatorCheckpoint(1, Uint8Array.of(1));
    expect(await store.pruneBelow(4)).toBe(3);
    expect([store.base, store.height]).toEqual([4, 5]);
    for (const h of [1, 2, 3]) {
      expect(await store.loadBlock(h)).toBeUndefined();
      expect(await store.loadSeenCommit(h)).toBeUndefined();
      expect(await store.loadResults(h)).toBeUndefined();
      expect(await store.heightOfHash(headerHash((blocks[h - 1] as Block).header))).toBeUndefined();
      expect(await store.loadTx(txHash((blocks[h - 1] as Block).txs[0] as Uint8Array))).toBeUndefined();
    }
    expect(await store.loadTx(txHash((blocks[3] as Block).txs[0] as Uint8Array))).toMatchObject({ height: 4 });
    expect(await store.loadValidatorCheckpoint(5)).toMatchObject({ height: 1 });
    // The newest block always stays, and pruning is idempotent.
    expect(await store.pruneBelow(100)).toBe(1);
    expect(await store.pruneBelow(100)).toBe(0);
    await store.close();
    store = await BlockStore.open(dir.path);
    expect([store.base, store.height]).toEqual([5, 5]);
    await store.close();
  });

  it('finds the newest validator checkpoint at or below a height', async () => {
    const store = await BlockStore.open(dir.path);
    await store.saveValidatorCheckpoint(1, Uint8Array.of(1));
    await store.saveValidatorCheckpoint(10, Uint8Array.of(10));
    expect(await store.loadValidatorCheckpoint(9)).toEqual({ height: 1, set: Uint8Array.of(1) });
    expect(await store.loadValidatorCheckpoint(10)).toEqual({ height: 10, set: Uint8Array.of(10) });
    expect(await store.loadValidatorCheckpoint(500)).toEqual({ height: 10, set: Uint8Array.of(10) });
    await store.close();
  });

  it('refuses a second opener and a corrupted database with errors naming the directory', async () => {
    const store = await BlockStore.open(dir.path);
    await expect(BlockStore.open(dir.path)).rejects.toMatchObject({ code: 'DATABASE_ERROR', message: expect.stringContaining(dir.path) });
    const b = block(1);
    await store.saveBlock(b, encodeBlock(b), headerHash(b.header), EMPTY_COMMIT);
    await store.close();
    for (const f of await readdir(dir.path)) {
      if (f.startsWith('MANIFEST') || f === 'CURRENT') await writeFile(join(dir.path, f), 'garbage garbage garbage');
    }
    await expect(BlockStore.open(dir.path)).rejects.toMatchObject({ code: 'DATABASE_ERROR', message: expect.stringContaining(dir.path) });
  });
});

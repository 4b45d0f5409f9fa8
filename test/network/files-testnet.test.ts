/**
 * Files on a 3-validator testnet of real processes (spec/files.md): a file added on node0 with
 * `cmt files add` is registered on chain, pinned by every node (fetched over bitswap from its
 * peers), and served byte-identical by node2's /ipfs/<cid>, whole and by range; its CID is
 * the one pinned in spec/files.md for those bytes.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestnetManifest, TestnetNode } from '../../src/node/testnet-homes.js';
import { rpcUrlOf, waitForHeights } from '../../src/cli/testnet-processes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { cmt } from '../support/cli.js';
import { startTestnet, type RunningTestnet } from '../support/running-testnet.js';
import { patternBytes, PINNED_CIDS } from '../files/vectors.js';


describe('files on a 3-validator testnet', () => {
  let testnet: RunningTestnet;
  let dir: { path: string };
  let net: TestnetManifest;
  const node = (i: number): TestnetNode => net.nodes[i] as TestnetNode;

  beforeAll(async () => {
    testnet = await startTestnet('files-test', 3);
    net = testnet.net;
    dir = { path: testnet.dir };
  }, 90_000);

  afterAll(async () => testnet?.stop());

  it('a file added on node0 is pinned everywhere and served by node2, whole and by range, under its pinned CID', async () => {
    const bytes = patternBytes(2.5 * 1024 * 1024);
    const path = join(dir.path, 'pattern.bin');
    await writeFile(path, bytes);
    const added = await cmt(['files', 'add', path, '--home', node(0).home, '--node', rpcUrlOf(node(0)), '--from', 'account0', '-o', 'json'], {});
    expect(added.code, added.stderr).toBe(0);
    const answer = JSON.parse(added.stdout) as { cid: string; size: number; status: string; height: string };
    expect(answer.cid).toBe(PINNED_CIDS.pattern2_5MiB);
    expect(answer.status).toBe('success');
    // node2 answers from its own committed state: it must hold the registration's block.
    await waitForHeights(net.nodes, Number(answer.height), 30_000);

    const url = `${rpcUrlOf(node(2))}/ipfs/${answer.cid}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect(whole.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.headers.get('etag')).toBe(`"${answer.cid}"`);
    const got = new Uint8Array(await whole.arrayBuffer());
    expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'));

    const start = 1024 * 1024 - 10;
    const ranged = await fetch(url, { headers: { range: `bytes=${start}-${start + 99}` } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes ${start}-${start + 99}/${bytes.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(Buffer.from(bytes.subarray(start, start + 100)))).toBe(true);

    // Every node pins it (node1 was never asked for it): its gateway answers without a peer fetch.
    const info = await new RpcClient(rpcUrlOf(node(1))).call<{ size: string }>('file_info', { cid: answer.cid });
    expect(info.size).toBe(String(bytes.length));
    const deadline = Date.now() + 30_000;
    for (;;) {
      const head = await fetch(`${rpcUrlOf(node(1))}/ipfs/${answer.cid}`, { method: 'HEAD' });
      if (head.status === 200) break;
      if (Date.now() > deadline) throw new Error(`node1 never pinned ${answer.cid}`);
      await new Promise((r) => setTimeout(r, 250));
    }

    const got2 = await cmt(['files', 'get', answer.cid, '--node', rpcUrlOf(node(1)), '--out', join(dir.path, 'back.bin')], {});
    expect(got2.code, got2.stderr).toBe(0);

    const missing = await fetch(`${rpcUrlOf(node(2))}/ipfs/${PINNED_CIDS.empty}`);
    expect(missing.status).toBe(404);
  }, 60_000);
});

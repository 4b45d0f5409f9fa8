/** `cmt testnet` as a user types it: start detached, status, kill, restart, stop, reset. */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import type { NodeProbe } from '../../src/cli/testnet-processes.js';

type StatusRow = NodeProbe;

describe('cmt testnet', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let net: string;

  beforeAll(async () => {
    dir = await tempDir('cli-testnet');
    net = join(dir.path, 'net');
  });
  afterAll(async () => {
    await cmt(['testnet', 'stop', '--dir', net]);
    await dir.cleanup();
  });

  const status = async (): Promise<StatusRow[]> => {
    const res = await cmt(['testnet', 'status', '--dir', net, '-o', 'json']);
    expect(res.code).toBe(0);
    return JSON.parse(res.stdout) as StatusRow[];
  };

  it('starts detached, reports every node, and survives a kill and a restart', async () => {
    const started = await cmt(['testnet', 'start', '--dir', net, '--validators', '3', '--full-nodes', '1', '--block-time', '200', '--detach']);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/node0\s+validator\s+http:\/\/127\.0\.0\.1:\d+\s+12D3KooW\w+\s+0x[0-9a-f]{40}\s+\d+/);
    expect(started.stdout).toMatch(/node3\s+full/);
    let rows = await status();
    expect(rows.map((r) => r.name)).toEqual(['node0', 'node1', 'node2', 'node3']);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(['height', 'name', 'peers', 'pid', 'round', 'rpc', 'webhooks']);
      expect(r.pid).toBeGreaterThan(0);
      expect(r.height).toBeGreaterThanOrEqual(2);
    }
    expect((await cmt(['testnet', 'kill', 'node1', '--dir', net])).stdout).toContain('killed node1');
    rows = await status();
    expect(rows[1]).toMatchObject({ name: 'node1', pid: null, height: null });
    const restarted = await cmt(['testnet', 'restart', 'node1', '--dir', net]);
    expect(restarted.stdout).toMatch(/restarted node1 \(pid \d+\)/);
    expect((await status())[1]?.pid).toBeGreaterThan(0);
    const unknown = await cmt(['testnet', 'kill', 'node9', '--dir', net]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no node "node9"');
  }, 120_000);

  it('stops every node, continues the same chain on start, and reset deletes it', async () => {
    expect((await cmt(['testnet', 'stop', '--dir', net])).stdout).toContain('stopped 4 node(s)');
    expect((await status()).every((r) => r.pid === null)).toBe(true);
    const again = await cmt(['testnet', 'start', '--dir', net, '--detach']);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('(created)');
    expect((await cmt(['testnet', 'reset', '--dir', net])).stdout).toContain('deleted');
    await expect(access(net)).rejects.toThrow();
    const none = await cmt(['testnet', 'status', '--dir', net]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('NO_TESTNET');
  }, 120_000);
});

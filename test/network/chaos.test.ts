/**
 * The chaos runner on real processes, and the admin endpoint it drives: a crash with restart,
 * a partition that stops the chain until it heals, and a pause, all checked through the RPC.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startChaosAdmin } from '../../src/node/chaos-admin.js';
import { silentLogger } from '../../src/node/logger.js';
import { LinkFaults } from '../../src/p2p/link-faults.js';
import { CLI_MAIN } from '../../src/cli/node-process.js';
import { freePort, isAlive } from '../../src/cli/testnet-processes.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

const SCENARIO = `name: chaos-smoke
duration_ms: 16000
liveness_bound_ms: 8000
timeouts: { commit_ms: 200 }
validators:
  - { name: v0, power: 10 }
  - { name: v1, power: 10 }
  - { name: v2, power: 10 }
  - { name: v3, power: 10 }
network: { delay: 1, drop: 0 }
faults:
  - { type: crash, at: 1000, node: v3, restart_at: 4000 }
  - { type: partition, at: 5000, until: 8000, groups: [[v0, v1], [v2, v3]] }
  - { type: pause, at: 9000, until: 10500, node: v1 }
`;

/** The end of every node's log, for a failure message (the directory is gone after the test). */
async function logTails(net: string): Promise<string> {
  const names = await readdir(net).catch(() => [] as string[]);
  const tails = await Promise.all(
    names.filter((n) => n.startsWith('node')).map(async (n) => `\n--- ${n}\n` + (await readFile(join(net, n, 'node.log'), 'utf8').catch(() => '')).split('\n').slice(-15).join('\n')),
  );
  return tails.join('');
}

describe('cmt testnet chaos', () => {
  it('crashes, partitions and pauses real nodes on schedule, and the checkers find agreement and liveness', async () => {
    const dir = await tempDir('chaos');
    try {
      const file = join(dir.path, 'smoke.yaml');
      await writeFile(file, SCENARIO);
      // The run is 16 s of scenario plus start-up, which a loaded machine can stretch: it gets
      // nearly the whole test's budget.
      const res = await cmt(['testnet', 'chaos', file, '--dir', join(dir.path, 'net'), '-o', 'json'], {}, undefined, 110_000);
      expect(res.code, res.stderr + (res.code === 0 ? '' : await logTails(join(dir.path, 'net')))).toBe(0);
      const out = JSON.parse(res.stdout) as { violations: Record<string, number>; livenessChecked: boolean; heights: Record<string, number>; commits: Record<string, [number, number][]>; faults: { at: number; description: string }[] };
      expect(Object.entries(out.violations).filter(([, n]) => n > 0)).toEqual([]);
      expect(Object.keys(out.violations)).toEqual(expect.arrayContaining(['agreement', 'validity', 'doubleSign', 'liveness']));
      expect(out.livenessChecked).toBe(true);
      expect(Math.min(...Object.values(out.heights))).toBeGreaterThan(5);
      expect(out.faults.map((f) => f.description)).toEqual(['start crash v3', 'end crash v3', 'start partition v0,v1 | v2,v3', 'end partition v0,v1 | v2,v3', 'start pause v1', 'end pause v1']);
      // Two halves of equal power cannot commit: while the partition held, no node got past the
      // highest block any node had when it began (a restarted node may still catch up to it).
      // A commit's time is when the runner's poll saw it; one poll round of four loaded nodes
      // can take a second, so a height decided before the cut may be seen up to then.
      const faultAt = (d: string): number => out.faults.find((f) => f.description === d)?.at ?? Number.NaN;
      const cut = faultAt('start partition v0,v1 | v2,v3') + 1_500;
      const healed = faultAt('end partition v0,v1 | v2,v3');
      const all = Object.values(out.commits).flat();
      const before = Math.max(...all.filter(([, at]) => at <= cut).map(([h]) => h));
      expect(all.filter(([h, at]) => at > cut && at < healed && h > before)).toEqual([]);
      // ...and the chain went on after it healed.
      expect(Object.values(out.commits).every((list) => list.some(([, at]) => at > healed))).toBe(true);
    } finally {
      await dir.cleanup();
    }
  }, 120_000);

  it('fires a protocol-triggered messages fault on real nodes: no precommit gets through for 3 s once a node reaches height 10, then the chain goes on', async () => {
    const dir = await tempDir('chaos-trigger');
    try {
      const file = join(dir.path, 'trigger.yaml');
      await writeFile(
        file,
        `name: chaos-trigger
duration_ms: 14000
liveness_bound_ms: 8000
timeouts: { commit_ms: 200 }
validators:
  - { name: v0, power: 10 }
  - { name: v1, power: 10 }
  - { name: v2, power: 10 }
  - { name: v3, power: 10 }
network: { delay: 1, drop: 0 }
faults:
  - { type: messages, when: { height: 10 }, for_ms: 3000, filter: { kinds: [precommit] }, drop: 1 }
`,
      );
      const res = await cmt(['testnet', 'chaos', file, '--dir', join(dir.path, 'net'), '-o', 'json'], {}, undefined, 110_000);
      expect(res.code, res.stderr + (res.code === 0 ? '' : await logTails(join(dir.path, 'net')))).toBe(0);
      const out = JSON.parse(res.stdout) as { violations: Record<string, number>; commits: Record<string, [number, number][]>; faults: { at: number; description: string }[] };
      expect(Object.entries(out.violations).filter(([, n]) => n > 0)).toEqual([]);
      expect(Object.keys(out.violations)).toEqual(expect.arrayContaining(['agreement', 'validity', 'doubleSign', 'liveness']));
      const started = out.faults.find((f) => f.description.startsWith('start messages'));
      const ended = out.faults.find((f) => f.description.startsWith('end messages'));
      expect(started && ended, JSON.stringify(out.faults)).toBeTruthy();
      expect((ended?.at ?? 0) - (started?.at ?? 0)).toBeGreaterThanOrEqual(2_900);
      const all = Object.values(out.commits).flat();
      const from = started?.at ?? 0;
      const to = ended?.at ?? 0;
      // Fired by the position, not a time: height 10 was being decided when it started (seen by a 50 ms poll; a commit by a 250 ms one).
      // The run's clock starts once the chain is at height 2 and the runner's listener is connected: a
      // trigger a few heights on leaves room for a slow start, which a trigger at height 4 did not.
      expect(Math.max(...all.filter(([, at]) => at <= from).map(([h]) => h))).toBeLessThanOrEqual(9);
      expect(all.some(([h, at]) => h === 9 && at <= from + 500)).toBe(true);
      // Gossip carries no precommit while it lasts: only vote catch-up requests (not filtered) let a
      // node decide, at most a height per catch-up tick (500 ms: 7 in 3 s at the very most, two to
      // four as the ticks usually fall, CI once saw 7), where a healthy chain decides ten or more...
      const CATCH_UP_TICK_MS = 500;
      for (const list of Object.values(out.commits)) expect(list.filter(([, at]) => at > from && at < to).length).toBeLessThanOrEqual(Math.ceil((to - from) / CATCH_UP_TICK_MS) + 1);
      // ...and the chain goes on once they flow again.
      expect(Object.values(out.commits).every((list) => list.filter(([, at]) => at > to).length >= 3)).toBe(true);
    } finally {
      await dir.cleanup();
    }
  }, 120_000);

  it('stops every node it started when it is interrupted', async () => {
    const dir = await tempDir('chaos-interrupt');
    try {
      const file = join(dir.path, 'long.yaml');
      await writeFile(file, SCENARIO.replace('duration_ms: 16000', 'duration_ms: 600000'));
      const net = join(dir.path, 'net');
      const child = spawn(process.execPath, [CLI_MAIN, 'testnet', 'chaos', file, '--dir', net], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // The first fault is applied once every node runs.
      await new Promise<void>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('start crash v3')) resolve();
        });
        void exited.then((code) => reject(new Error(`chaos exited with ${code} before its first fault: ${out}`)));
      });
      const pids = await Promise.all(['node0', 'node1', 'node2'].map(async (name) => Number(await readFile(join(net, name, 'node.pid'), 'utf8'))));
      expect(pids.every((pid) => isAlive(pid))).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(143);
      expect(pids.filter((pid) => isAlive(pid))).toEqual([]);
    } finally {
      await dir.cleanup();
    }
  }, 120_000);
});

describe('the chaos admin endpoint', () => {
  it('sets and lists link faults over loopback, and refuses malformed rules without changing them', async () => {
    const faults = new LinkFaults();
    const admin = await startChaosAdmin(faults, await freePort(), silentLogger());
    const url = `http://127.0.0.1:${admin.port}/link-faults`;
    try {
      const rule = { peer: '12D3KooWtest', drop: 1, minDelayMs: 0, maxDelayMs: 0 };
      expect((await fetch(url, { method: 'PUT', body: JSON.stringify({ rules: [rule] }) })).status).toBe(200);
      expect(faults.drops('12D3KooWtest')).toBe(true);
      expect(faults.drops('someone else')).toBe(false);
      for (const body of ['not json', '{}', JSON.stringify({ rules: [{ ...rule, drop: 2 }] }), JSON.stringify({ rules: [{ ...rule, minDelayMs: 5, maxDelayMs: 1 }] })]) {
        const res = await fetch(url, { method: 'PUT', body });
        expect(res.status).toBe(400);
      }
      expect(await (await fetch(url)).json()).toEqual({ rules: [rule] });
      expect((await fetch(`http://127.0.0.1:${admin.port}/other`)).status).toBe(404);
    } finally {
      await admin.close();
    }
  });
});

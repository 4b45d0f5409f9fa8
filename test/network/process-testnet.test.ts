/**
 * The design's purchase process end to end on a 4-validator testnet of real processes: the
 * buyer (account0) deploys examples/purchase and requests; the seller (account1) approves
 * through its own node; the warehouse, the seller and the buyer then complete the three
 * branches at once, each signing its own step and sending it to its own node, so they land in
 * whatever order the chain gives them; the last ends the purchase, and every node holds the
 * same instance and history. The BPMN purchase the same way, its parallel gateway joining the
 * three tasks. Then a process timer: it fires at the start of the same block on every node, and
 * every node moves the instance the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestnetManifest, TestnetNode } from '../../src/node/testnet-homes.js';
import { rpcUrlOf, waitForHeights } from '../../src/cli/testnet-processes.js';
import { RpcClient } from '../../src/rpc/client.js';
import { cmt } from '../support/cli.js';
import { startTestnet, type RunningTestnet } from '../support/running-testnet.js';
import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const EXAMPLE = new URL('../../examples/purchase', import.meta.url).pathname;

interface Sent {
  address?: string;
  result?: unknown;
  status: string;
  hash: string;
  height: string;
}

describe('processes on a 4-validator testnet', () => {
  let testnet: RunningTestnet;
  let dir: { path: string };
  let net: TestnetManifest;
  const node = (i: number): TestnetNode => net.nodes[i] as TestnetNode;
  /** `cmt … -o json` as account i, through node i. */
  const as = async (i: number, args: string[]): Promise<Sent> => {
    const res = await cmt([...args, '--home', node(i).home, '--node', rpcUrlOf(node(i)), '--from', `account${i}`, '-o', 'json'], {});
    expect(res.code, `${args.join(' ')}: ${res.stderr}`).toBe(0);
    return JSON.parse(res.stdout) as Sent;
  };
  /**
   * `as`, and then every node holds the block the step landed in: the next party acts through
   * its own node, whose dry run must see this step (a node a block behind answers from the
   * state before it, as any CometBFT node does).
   */
  const step = async (i: number, args: string[]): Promise<Sent> => {
    const sent = await as(i, args);
    await waitForHeights(net.nodes, Number(sent.height), 60_000);
    return sent;
  };
  const instanceOn = (i: number, contract: string, id: string) => new RpcClient(rpcUrlOf(node(i))).call<Record<string, unknown>>('process_instance', { contract, id, limit: '1000' });

  beforeAll(async () => {
    testnet = await startTestnet('process-test', 4);
    net = testnet.net;
    dir = { path: testnet.dir };
  }, 90_000);

  afterAll(async () => testnet?.stop());

  it('runs the purchase: each party signs its own steps on its own node, the branches in any order, the same instance everywhere', async () => {
    const [buyer, seller, warehouse] = net.accounts.map((a) => a.address.toLowerCase());
    const deployed = await as(0, ['contract', 'deploy', EXAMPLE]);
    const contract = deployed.address as string;
    const requested = await step(0, ['contract', 'call', contract, 'request', '--args', JSON.stringify([seller, warehouse, 'bike', 300])]);
    expect(requested.result).toBe('1');
    const approved = await step(1, ['contract', 'call', contract, 'approve', '--args', '["1"]']);
    expect(approved.status).toBe('success');
    // The three branches at once, from three nodes.
    const branches = await Promise.all([as(2, ['contract', 'call', contract, 'decrementInventory', '--args', '["1"]']), as(1, ['contract', 'call', contract, 'creditSeller', '--args', '["1"]']), as(0, ['contract', 'call', contract, 'deductFromBuyer', '--args', '["1"]'])]);
    expect(branches.map((b) => b.status)).toEqual(['success', 'success', 'success']);
    const last = Math.max(...branches.map((b) => Number(b.height)));
    await waitForHeights(net.nodes, last + 1, 60_000);
    const views = await Promise.all(net.nodes.map((_, i) => instanceOn(i, contract, '1')));
    expect(views[0]).toMatchObject({ status: 'ended', tokens: [], steps: 8, vars: { buyer, seller, warehouse } });
    for (const v of views.slice(1)) expect(v).toEqual(views[0]);
    const history = (views[0] as { history: { from: string; to: string; tx: string; height: number }[] }).history;
    // The join: the end comes from the three branches, in the order the chain took them.
    const ends = history.slice(5).map((s) => s.from);
    expect([...ends].sort()).toEqual(['credit seller', 'decrement inventory', 'deduct from buyer']);
    for (const b of branches) expect(history.some((s) => s.tx === b.hash && s.height === Number(b.height))).toBe(true);
  }, 120_000);

  it('runs the BPMN purchase too: the parties complete their tasks at once on their own nodes, the join ends it', async () => {
    const [, seller, warehouse] = net.accounts.map((a) => a.address.toLowerCase());
    const deployed = await as(0, ['contract', 'deploy', new URL('../../examples/purchase-bpmn', import.meta.url).pathname]);
    const contract = deployed.address as string;
    expect((await step(0, ['contract', 'call', contract, 'request', '--args', JSON.stringify([seller, warehouse, 'car', 9000])])).result).toBe('1');
    expect((await step(1, ['contract', 'call', contract, 'evaluate', '--args', '["1", true]'])).status).toBe('success');
    const tasks = await Promise.all([as(2, ['contract', 'call', contract, 'decrementInventory', '--args', '["1"]']), as(1, ['contract', 'call', contract, 'creditSeller', '--args', '["1"]']), as(0, ['contract', 'call', contract, 'deductFromBuyer', '--args', '["1"]'])]);
    await waitForHeights(net.nodes, Math.max(...tasks.map((t) => Number(t.height))) + 1, 60_000);
    const views = await Promise.all(net.nodes.map((_, i) => instanceOn(i, contract, '1')));
    expect(views[0]).toMatchObject({ status: 'ended', tokens: [], steps: 10 });
    for (const v of views.slice(1)) expect(v).toEqual(views[0]);
    const history = (views[0] as { history: { from: string; to: string; by: string }[] }).history;
    expect(history.slice(-1)).toMatchObject([{ from: 'Gateway_join', to: 'Event_done', by: 'flow' }]);
  }, 120_000);

  it('fires a process timer at the start of the same block on every node', async () => {
    const bundle = join(dir.path, 'offer');
    await mkdir(bundle, { recursive: true });
    await writeFile(join(bundle, 'contract.js'), `
export function open() { const id = process.start('offer', {}); process.deposit(id, 1000000000000000n); return id; }
export function state(id) { return process.state(id); }`);
    await writeFile(join(bundle, 'offer.jpdl.xml'), `<process-definition name="offer">
  <start-state name="s"><transition to="open"/></start-state>
  <state name="open"><timer duedate="3 blocks" transition="expire"/><transition name="accept" to="done"/><transition name="expire" to="expired"/></state>
  <state name="expired"><transition name="close" to="done"/></state>
  <end-state name="done"/>
</process-definition>`);
    const deployed = await as(3, ['contract', 'deploy', bundle, '--value', '1cmt']);
    const contract = deployed.address as string;
    const opened = await as(3, ['contract', 'call', contract, 'open']);
    const due = Number(opened.height) + 3;
    await waitForHeights(net.nodes, due, 60_000);
    const fired = await Promise.all(
      net.nodes.map(async (_, i) => {
        const results = await new RpcClient(rpcUrlOf(node(i))).call<{ finalize_block_events: { type: string; attributes: { key: string; value: string }[] }[] }>('block_results', { height: String(due) });
        return results.finalize_block_events.filter((e) => e.type === 'process_timer').map((e) => Object.fromEntries(e.attributes.map((a) => [a.key, a.value])));
      }),
    );
    expect(fired[0]).toMatchObject([{ contract, instance: String(opened.result), status: 'active', steps: '1' }]);
    for (const f of fired.slice(1)) expect(f).toEqual(fired[0]);
    const views = await Promise.all(net.nodes.map((_, i) => instanceOn(i, contract, String(opened.result))));
    expect(views[0]).toMatchObject({ status: 'active', tokens: [{ name: 'expired', since: due }] });
    for (const v of views.slice(1)) expect(v).toEqual(views[0]);
  }, 120_000);
});

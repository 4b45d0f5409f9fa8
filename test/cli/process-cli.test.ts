/**
 * `cmt process` as a person uses it: `render` draws the purchase process of each notation as
 * SVG (to a file or standard output) and refuses a definition that does not check, naming the
 * element; `show` prints an instance of a deployed contract on a real devnet node, as text and
 * as JSON, with its history's blocks and transactions.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';
import { tempDir } from '../support/temp-dir.js';

const EXAMPLE = new URL('../../examples/purchase', import.meta.url).pathname;
const BPMN = new URL('../../examples/purchase-bpmn/purchase.bpmn', import.meta.url).pathname;

describe('cmt process', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let devnet: DevnetNode | undefined;

  beforeAll(async () => {
    dir = await tempDir('process-cli');
  });
  afterAll(async () => {
    await devnet?.stop();
    await dir?.cleanup();
  });

  it('render: the purchase process of either notation as SVG, to a file or to standard output', async () => {
    const out = join(dir.path, 'purchase.svg');
    const written = await cmt(['process', 'render', join(EXAMPLE, 'purchase.jpdl.xml'), '--out', out], {});
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toContain('7 nodes of "purchase process"');
    const svg = await readFile(out, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of ['evaluate', 'approved', 'credit seller', 'done']) expect(svg).toContain(`<title>${name} (`);
    const printed = await cmt(['process', 'render', BPMN], {});
    expect(printed.code, printed.stderr).toBe(0);
    // The modeler's positions: the evaluate task where the diagram put it (x 240, width 100 → centre 290).
    expect(printed.stdout).toMatch(/<rect x="240" y="180" width="100" height="80"/);
  });

  it('render: refuses a definition that does not check, naming the element, and files that are not process files', async () => {
    const broken = join(dir.path, 'broken.jpdl.xml');
    await writeFile(broken, (await readFile(join(EXAMPLE, 'purchase.jpdl.xml'), 'utf8')).replace('<state name="credit seller"><transition to="done"/></state>', '<state name="credit seller"><transition to="nowhere"/></state>'));
    const res = await cmt(['process', 'render', broken], {});
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('broken.jpdl.xml: credit seller: a transition to "nowhere", which is not in the process');
    const other = await cmt(['process', 'render', join(EXAMPLE, 'contract.js')], {});
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('*.jpdl.xml (jPDL) or *.bpmn (BPMN 2.0)');
    const missing = await cmt(['process', 'render', join(dir.path, 'none.bpmn')], {});
    expect(missing.stderr).toContain('no process file at');
  });

  it('show: an instance of the purchase contract on a devnet, as text and JSON, with its steps', async () => {
    devnet = await startDevnetNode('process-cli');
    const { env, dev } = devnet;
    const deployed = await cmt(['contract', 'deploy', EXAMPLE, '--from', 'dev', '-o', 'json'], env);
    expect(deployed.code, deployed.stderr).toBe(0);
    const address = (JSON.parse(deployed.stdout) as { address: string }).address;
    const requested = await cmt(['contract', 'call', address, 'request', '--args', JSON.stringify([dev, dev, 'bike', 300]), '--from', 'dev', '-o', 'json'], env);
    expect(requested.code, requested.stderr).toBe(0);
    const request = JSON.parse(requested.stdout) as { result: string; hash: string; height: string };
    expect(request.result).toBe('1');
    const approved = await cmt(['contract', 'call', address, 'approve', '--args', '["1"]', '--from', 'dev', '-o', 'json'], env);
    expect(approved.code, approved.stderr).toBe(0);
    const json = await cmt(['process', 'show', address, '1', '-o', 'json'], env);
    expect(json.code, json.stderr).toBe(0);
    const shown = JSON.parse(json.stdout) as { status: string; tokens: { name: string }[]; history: { tx: string; height: number; by: string }[]; steps: number; more: boolean };
    expect(shown.status).toBe('active');
    expect(shown.tokens.map((t) => t.name).sort()).toEqual(['credit seller', 'decrement inventory', 'deduct from buyer']);
    expect(shown.steps).toBe(5);
    expect(shown.history[0]).toMatchObject({ tx: request.hash, height: Number(request.height), by: 'start' });
    const page = JSON.parse((await cmt(['process', 'show', address, '1', '--from', '3', '--limit', '1', '-o', 'json'], env)).stdout) as { history: { seq: number }[]; more: boolean };
    expect(page).toMatchObject({ history: [{ seq: 3 }], more: true });
    const text = await cmt(['process', 'show', address, '1'], env);
    expect(text.stdout).toContain('instance:  1 of "purchase process" (purchase.jpdl.xml)');
    expect(text.stdout).toContain('evaluate --approve--> approved');
    const none = await cmt(['process', 'show', address, '9'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no process instance 9');
  });
});

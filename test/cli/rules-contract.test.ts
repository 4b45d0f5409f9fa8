/**
 * The design's pricing example as a deployed contract on a real devnet node: examples/pricing
 * deployed with `cmt contract deploy`, queried (80 for a score of 741) and called in a
 * transaction whose receipt carries the quote; a bundle whose rule file does not compile is
 * refused at deploy with the file, line and column.
 */
import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';
import { tempDir } from '../support/temp-dir.js';

const EXAMPLE = new URL('../../examples/pricing', import.meta.url).pathname;

describe('the pricing rules as a contract on a devnet', () => {
  let devnet: DevnetNode;
  let env: NodeJS.ProcessEnv;
  let dir: { path: string; cleanup: () => Promise<void> };
  let address: string;

  beforeAll(async () => {
    dir = await tempDir('rules-contract');
    devnet = await startDevnetNode('rules-contract');
    ({ env } = devnet);
  });
  afterAll(async () => {
    await devnet?.stop();
    await dir?.cleanup();
  });

  it('deploys examples/pricing and prices a score of 741 at 80', async () => {
    const deployed = await cmt(['contract', 'deploy', EXAMPLE, '--from', 'dev', '-o', 'json'], env);
    expect(deployed.code, deployed.stderr).toBe(0);
    address = (JSON.parse(deployed.stdout) as { address: string }).address;
    const priced = await cmt(['contract', 'query', address, 'price', '--args', '[741, 100]', '-o', 'json'], env);
    expect(priced.code, priced.stderr).toBe(0);
    expect((JSON.parse(priced.stdout) as { result: unknown }).result).toBe(80);
    const none = await cmt(['contract', 'query', address, 'price', '--args', '[740, 100]', '-o', 'json'], env);
    expect((JSON.parse(none.stdout) as { result: unknown }).result).toBeNull();
  });

  it('prices in a transaction: the receipt has the result and the event, and the quote is kept', async () => {
    const called = await cmt(['contract', 'call', address, 'quote', '--args', '[1, 760, 250]', '--from', 'dev', '-o', 'json'], env);
    expect(called.code, called.stderr).toBe(0);
    const receipt = JSON.parse(called.stdout) as { status: string; result: unknown; events: { type: string; attributes: Record<string, unknown> }[] };
    expect(receipt.status).toBe('success');
    expect(receipt.result).toBe(200);
    expect(receipt.events.some((e) => e.type === 'contract' && e.attributes.event === 'quoted')).toBe(true);
    const kept = await cmt(['contract', 'query', address, 'getQuote', '--args', '[1]', '-o', 'json'], env);
    expect((JSON.parse(kept.stdout) as { result: unknown }).result).toEqual({ fico_score: 760, listed_price: 250, price: 200 });
  });

  it('refuses at deploy a bundle whose rule file does not compile', async () => {
    const broken = join(dir.path, 'broken');
    await cp(EXAMPLE, broken, { recursive: true });
    await writeFile(join(broken, 'pricing.drl'), 'rule "Pricing"\n  when\n    m : Message(status == )\n  then\nend\n');
    const res = await cmt(['contract', 'deploy', broken, '--from', 'dev', '-o', 'json'], env);
    expect(res.code).not.toBe(0);
    expect(`${res.stdout}${res.stderr}`).toMatch(/pricing\.drl:3:27: expected a value/);
  });
});

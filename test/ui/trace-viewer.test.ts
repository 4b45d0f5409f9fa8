/**
 * The fault-run viewer as a person uses it, in real Chromium: a run that forks (four
 * validators split in two halves, each counting one unit of power too many) is simulated now,
 * its trace put in the traces directory of a node's dashboard, and opened by URL
 * (/ui/?trace=NAME): the chart shows, the violation is listed and marked in red, the partition
 * is a shaded band, and the step-through starts on the violation and moves by button and by
 * arrow key, its cursor following on the chart. The same file opened through the file picker
 * shows the same; a trace from before timelines says how to add one; a junk file is refused.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, screenshot, startBesideBrowser, type WatchedPage } from '../support/browser.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { initHome } from '../../src/node/init-home.js';
import { spawnNode, type NodeProcess } from '../../src/cli/node-process.js';
import { SPLIT_SCENARIO_YAML } from '../support/sim-scenarios.js';


/** Functions run in the page (a string would be eval, which the page's CSP forbids); the tests have no DOM types. */
interface PageElement {
  getAttribute(name: string): string | null;
  textContent: string | null;
}
/** The page's global, as the page's functions see it (only types: a function sent to the page carries no closure). */
type PageGlobal = { document: { querySelector(selector: string): PageElement | null } };

async function currentIndex(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid=step-current]', 'data-index'));
}

/** Waits until the current message is `index` and the chart's cursor stands at its time. */
async function currentIs(page: Page, index: number): Promise<void> {
  await page.waitForFunction((want) => {
    const doc = (globalThis as unknown as PageGlobal).document;
    const row = doc.querySelector('[data-testid=step-current]');
    const chart = doc.querySelector('[data-testid=trace-chart]');
    return row?.getAttribute('data-index') === String(want) && chart?.getAttribute('data-cursor') === row.getAttribute('data-at');
  }, index);
}

describe('the fault-run viewer, in Chromium', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let node: NodeProcess | undefined;
  let browser: Browser | undefined;
  let watched: WatchedPage;
  let page: Page;
  let tracePath: string;
  let fork: { property: string; at: number; height: number };

  beforeAll(async () => {
    dir = await tempDir('trace-viewer');
    const traces = join(dir.path, 'traces');
    const scenario = join(dir.path, 'split.yaml');
    await writeFile(scenario, SPLIT_SCENARIO_YAML);
    const home = join(dir.path, 'home');
    const [run] = await Promise.all([
      cmt(['sim', 'run', scenario, '--unsafe-mutation', 'quorum-off-by-one', '--trace-dir', traces, '-o', 'json']),
      initHome({ home, chainId: 'cmt-devnet', config: (c) => ({ ...c, rpc: { ...c.rpc, port: 0 }, p2p: { ...c.p2p, port: 0 }, dashboard: { ...c.dashboard, tracesDir: traces } }) }),
    ]);
    expect(run.code, run.stderr).toBe(1);
    tracePath = (JSON.parse(run.stdout) as { traces: string[] }).traces[0] as string;
    const written = JSON.parse(await readFile(tracePath, 'utf8')) as { summary: { violations: { property: string; at: number; height: number }[] } };
    fork = written.summary.violations.find((v) => v.property === 'agreement') as typeof fork;
    [node, browser] = await startBesideBrowser(spawnNode({ home }), (n, b) => ([node, browser] = [n, b]));
    watched = await openPage(browser, `${node.rpcUrl}/ui/?trace=${encodeURIComponent(basename(tracePath))}`);
    page = watched.page;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await node?.stop();
    await dir?.cleanup();
  });

  it('opens the trace named in the address: summary, the violation listed and marked, the partition shaded', async () => {
    await page.waitForSelector('[data-testid=trace-chart] svg path', { state: 'attached' });
    expect(page.url()).toContain('#/trace?file=');
    const summary = await page.innerText('[data-testid=trace-summary]');
    expect(summary).toContain('split, seed 1');
    expect(summary).toContain('quorum-off-by-one');
    const violations = page.locator('[data-testid=violation]');
    expect(await violations.count()).toBe(2);
    expect(await violations.first().getAttribute('data-property')).toBe('agreement');
    expect(await violations.first().innerText()).toContain(`at ${fork.at} ms, height ${fork.height}`);
    const chart = page.locator('[data-testid=trace-chart]');
    expect(await chart.getAttribute('data-validators')).toBe('4');
    expect(await chart.getAttribute('data-violations')).toBe('2');
    // The violation's red line and its label are drawn in the chart itself.
    expect(await page.locator('[data-testid=trace-chart] svg [stroke="#d32f2f"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=trace-chart] svg text', { hasText: 'agreement, accountability' }).count()).toBe(1);
    const bands = page.locator('[data-testid=fault-band]');
    expect(await bands.count()).toBe(1);
    expect(await bands.first().innerText()).toContain('1000–2500 ms partition v0,v1 | v2,v3');
    expect(await page.locator('[data-testid=trace-chart] svg text', { hasText: 'partition v0,v1 | v2,v3' }).count()).toBe(1);
    await screenshot(page, 'trace');
  });

  it('starts the step-through on the violation and moves by button and arrow key, the cursor following', async () => {
    const start = await currentIndex(page);
    expect(await page.getAttribute('[data-testid=step-current]', 'data-kind')).toBe('violation');
    expect(Number(await page.getAttribute('[data-testid=step-current]', 'data-at'))).toBe(fork.at);
    await currentIs(page, start);
    // Just before a fork: the messages of the run leading to it.
    await page.click('[data-testid=step-prev]');
    await currentIs(page, start - 1);
    expect(await page.getAttribute('[data-testid=step-current]', 'data-kind')).not.toBe('violation');
    await page.click('[data-testid=step-next]');
    await page.click('[data-testid=step-next]');
    await currentIs(page, start + 1);
    await page.keyboard.press('ArrowRight');
    await currentIs(page, start + 2);
    await page.keyboard.press('ArrowLeft');
    await currentIs(page, start + 1);
    expect(Number(await page.getAttribute('[data-testid=step-current]', 'data-at'))).toBeGreaterThanOrEqual(fork.at);
    await page.locator('[data-testid=step-through]').scrollIntoViewIfNeeded();
    await screenshot(page, 'trace-step');
    // A click on the chart early in the run centres the step-through there.
    const chart = page.locator('[data-testid=trace-chart]');
    const box = await chart.boundingBox();
    await chart.click({ position: { x: 56 + ((box?.width ?? 0) - 88) * 0.1, y: 200 } });
    await page.waitForFunction((before) => Number((globalThis as unknown as PageGlobal).document.querySelector('[data-testid=trace-chart]')?.getAttribute('data-cursor')) < before, fork.at - 500);
    expect(await page.getAttribute('[data-testid=step-current]', 'data-kind')).not.toBe('violation');
  });

  it('opens the same file through the file picker', async () => {
    await page.setInputFiles('input[data-testid=trace-file]', tracePath);
    await page.waitForSelector('[data-testid=trace-view][data-origin=file] [data-testid=trace-chart] svg path', { state: 'attached' });
    expect(await page.getAttribute('[data-testid=step-current]', 'data-kind')).toBe('violation');
    expect(await page.locator('[data-testid=violation]').count()).toBe(2);
    expect(await page.locator('[data-testid=fault-band]').count()).toBe(1);
    expect(await page.locator('[data-testid=trace-chart]').getAttribute('data-violations')).toBe('2');
  });

  it('says how to add a timeline to an older trace, and still lists its violations', async () => {
    const { timeline: _t, ...old } = JSON.parse(await readFile(tracePath, 'utf8')) as Record<string, unknown>;
    const oldPath = join(dir.path, 'picked', 'old.trace.json');
    await mkdir(join(dir.path, 'picked'), { recursive: true });
    await writeFile(oldPath, JSON.stringify(old));
    await page.setInputFiles('input[data-testid=trace-file]', oldPath);
    await page.waitForSelector('[data-testid=no-timeline]');
    expect(await page.innerText('[data-testid=no-timeline]')).toContain('replay it with cmt sim replay old.trace.json to add one');
    expect(await page.locator('[data-testid=violation]').count()).toBe(2);
    expect(await page.locator('[data-testid=trace-chart]').count()).toBe(0);
  });

  it('refuses a junk file with a clear message', async () => {
    const junk = join(dir.path, 'picked', 'junk.json');
    await writeFile(junk, '{"format":"cmt-sim-trace/1","seed":"one"');
    await page.setInputFiles('input[data-testid=trace-file]', junk);
    const error = await page.waitForSelector('[data-testid=trace-error]');
    expect(await error.innerText()).toMatch(/junk\.json: Not a trace this viewer can show: the file is not JSON/);
    const notTrace = join(dir.path, 'picked', 'other.json');
    await writeFile(notTrace, JSON.stringify({ format: 'cmt-sim-trace/1', seed: 'one' }));
    await page.setInputFiles('input[data-testid=trace-file]', notTrace);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobal).document.querySelector('[data-testid=trace-error]')?.textContent?.includes('other.json') === true);
    expect(await page.innerText('[data-testid=trace-error]')).toMatch(/trace\.summary: expected an object/);
    expect(watched.errors).toEqual([]);
  });
});

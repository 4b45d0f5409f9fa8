/**
 * Real Chromium for the dashboard's tests: Debian's package (scripts/ensure-chromium.mjs
 * installs it before the tests), driven by playwright-core; no browser download.
 */
import { access, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where screenshots of each main view go, for a reviewer to look at. */
export const SCREENSHOT_DIR = join(process.cwd(), '.test-results', 'screenshots');

export async function launchBrowser(): Promise<Browser> {
  await access(CHROMIUM_PATH).catch(() => {
    throw new Error(`no Chromium at ${CHROMIUM_PATH}: "npm test" installs Debian's chromium as root (scripts/ensure-chromium.mjs); otherwise "sudo apt-get install chromium" or set CHROMIUM_PATH`);
  });
  // Without the background-networking flags Chromium keeps dialling Google, which this closed network refuses.
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface WatchedPage {
  page: Page;
  /** Uncaught errors in the page and console.error lines: a test asserts there are none. */
  errors: string[];
}

export async function openPage(browser: Browser, url: string, viewport = { width: 1400, height: 900 }): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    // A failed load's text does not name what failed; its location does (e.g. a node that is down).
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}${msg.location().url ? ` (${msg.location().url})` : ''}`);
  });
  await page.goto(url);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Starts `resource` (a node, a testnet) beside the browser and hands each to `keep` as soon as
 * it is up, then throws the first failure once both settled: with Promise.all, a browser that
 * fails to launch left a resource that started later unknown to afterAll, running for ever.
 */
export async function startBesideBrowser<T>(resource: Promise<T>, keep: (resource: T | undefined, browser: Browser | undefined) => void): Promise<[T, Browser]> {
  const [started, launched] = await Promise.allSettled([resource, launchBrowser()]);
  keep(started.status === 'fulfilled' ? started.value : undefined, launched.status === 'fulfilled' ? launched.value : undefined);
  if (started.status === 'rejected') throw started.reason;
  if (launched.status === 'rejected') throw launched.reason;
  return [started.value, launched.value];
}

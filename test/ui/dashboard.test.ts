/**
 * The dashboard driven as a person would, in real Chromium, on a real 4-validator testnet
 * started by `cmt testnet start`: every main view shows the live network, a block is followed
 * from the list to its page, a transaction and an account are found by the search box, and a
 * killed validator turns red (its votes missing) and comes back. Each main view is saved as a
 * screenshot in .test-results/screenshots for a reviewer.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TESTNET_STAKE } from '../../src/node/testnet-homes.js';
import { openPage, screenshot, startBesideBrowser, type WatchedPage } from '../support/browser.js';
import { startUiTestnet, type UiTestnet } from './support/testnet.js';

const VALIDATORS = ['node0', 'node1', 'node2', 'node3'];
/** How long a view may take to show what the chain has: a few polls of the page. */
const SHOWN_MS = 15_000;

interface Sent {
  hash: string;
  height: string;
  tx_result: { code: number; gas_used: string; events: { type: string; attributes: { key: string; value: string }[] }[] };
}

async function view(page: Page, nav: string): Promise<void> {
  await page.click(`a[data-nav=${nav}]`);
  await page.waitForSelector(`main[data-page=${nav}]`);
}

async function search(page: Page, text: string): Promise<void> {
  await page.fill('input[data-testid=search-input]', text);
  await page.press('input[data-testid=search-input]', 'Enter');
}

async function texts(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).allInnerTexts();
}

// Each step waits up to SHOWN_MS for the page; a test makes several, so its limit is a minute.
describe('the dashboard on a 4-validator testnet, in Chromium', { timeout: 60_000 }, () => {
  let net: UiTestnet | undefined;
  let browser: Browser | undefined;
  let watched: WatchedPage;
  let page: Page;
  let sent: Sent;
  let proposal: string;
  const recipient = '0x' + '5a'.repeat(20);

  const testnet = (): UiTestnet => {
    if (!net) throw new Error('the testnet did not start');
    return net;
  };

  beforeAll(async () => {
    [net, browser] = await startBesideBrowser(startUiTestnet(300), (n, b) => ([net, browser] = [n, b]));
    // Sent before the page opens so the chain view has them; two accounts, so no nonce race.
    const [transfer, submitted] = await Promise.all([
      net.cliJson<Sent>(['tx', 'send', '--from', 'account0', '--to', recipient, '--amount', '1cmt']),
      net.cliJson<Sent>(['tx', 'gov', 'submit-proposal', '--from', 'account1', '--title', 'dashboard test: longer epochs', '--param', 'staking.epochBlocks=12']),
    ]);
    sent = transfer;
    const event = submitted.tx_result.events.find((e) => e.type === 'proposal_submitted');
    proposal = event?.attributes.find((a) => a.key === 'proposal')?.value ?? '';
    // account1 owns node1's candidacy: its self-stake votes yes.
    await net.cliJson<Sent>(['tx', 'gov', 'vote', '--from', 'account1', '--proposal', proposal, '--option', 'yes']);
    watched = await openPage(browser, `${net.rpc('node0')}/ui/`);
    page = watched.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await net?.stop();
  }, 60_000);

  it('network: every node of the testnet is up, with its height', async () => {
    await page.waitForSelector('[data-testid=node-row][data-status=up] >> nth=3', { timeout: SHOWN_MS });
    const rows = page.locator('[data-testid=node-row]');
    expect(await rows.count()).toBe(4);
    for (const name of VALIDATORS) {
      const row = page.locator(`[data-testid=node-row][data-node=${name}]`);
      expect(await row.getAttribute('data-status'), name).toBe('up');
      // The cell may add how far the node is behind (" −1") after its height.
      expect(parseInt(await row.locator('[data-testid=node-height]').innerText(), 10), name).toBeGreaterThan(0);
    }
    // node0's peers (net_info), each matched by its node id to a node of the testnet.
    await page.waitForSelector('[data-testid=peers] [data-testid=peer-row]', { state: 'attached', timeout: SHOWN_MS });
    await page.waitForSelector('[data-testid=peer-row]:not([data-node=""])', { state: 'attached', timeout: SHOWN_MS });
    const peers = await page.locator('[data-testid=peer-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-node')));
    expect(peers.length).toBeGreaterThan(0);
    for (const name of peers) expect(VALIDATORS.slice(1)).toContain(name);
    await screenshot(page, 'network');
  });

  it('consensus: the vote grid has the cells of all 4 validators, the height and the proposer', async () => {
    await view(page, 'consensus');
    await page.waitForSelector('[data-testid=vote-grid] [data-testid=vote-cell]', { timeout: SHOWN_MS });
    const validators = await page.locator('[data-testid=vote-cell]').evaluateAll((cells) => [...new Set(cells.map((c) => c.getAttribute('data-validator')))]);
    expect(validators.sort()).toEqual(VALIDATORS.map((n) => testnet().validatorHex(n)).sort());
    expect(Number(await page.locator('[data-testid=consensus-height]').innerText())).toBeGreaterThan(0);
    await expect(page.locator('[data-testid=proposer]').count()).resolves.toBe(1);
    await expect(page.locator('[data-testid=lock]').count()).resolves.toBe(1);
    await screenshot(page, 'consensus');
  });

  it('chain: a block row leads to the block page with its 4 commit signatures', async () => {
    await view(page, 'chain');
    await page.waitForSelector('[data-testid=block-row]', { timeout: SHOWN_MS });
    await page.waitForSelector(`[data-testid=tx-row][data-hash="${sent.hash}"]`, { timeout: SHOWN_MS });
    await screenshot(page, 'chain');
    // An older row: the newest block's commit may still be forming.
    const height = await page.locator('[data-testid=block-row]').nth(2).getAttribute('data-height');
    expect(Number(height)).toBeGreaterThan(0);
    // By its height, not its position: a block committed meanwhile moves every row down one.
    await page.locator(`[data-testid=block-row][data-height="${height}"] a[href="#/block/${height}"]`).first().click();
    await page.waitForSelector(`[data-testid=block-page][data-height="${height}"]`, { timeout: SHOWN_MS });
    await page.waitForSelector('[data-testid=commit-sig] >> nth=3', { timeout: SHOWN_MS });
    const sigs = page.locator('[data-testid=commit-sig]');
    expect(await sigs.count()).toBe(4);
    const signers = await sigs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-validator')));
    expect([...signers].sort()).toEqual(VALIDATORS.map((n) => testnet().validatorHex(n)).sort());
    for (const flag of await sigs.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-flag')))) expect(['commit', 'absent', 'nil']).toContain(flag);
    await screenshot(page, 'block');
  });

  it('search: a transaction hash opens its page with the receipt and events', async () => {
    expect(sent.tx_result.code).toBe(0);
    await search(page, sent.hash);
    await page.waitForSelector(`[data-testid=tx-page][data-hash="${sent.hash}"]`, { timeout: SHOWN_MS });
    await page.waitForSelector('[data-testid=tx-result]', { timeout: SHOWN_MS });
    const result = (await texts(page, '[data-testid=tx-result]')).join(' ');
    expect(result).toContain(sent.tx_result.gas_used);
    expect(result).toContain(sent.height);
    expect(await page.locator('[data-testid=tx-event]').count()).toBeGreaterThan(0);
    expect((await texts(page, '[data-testid=tx-event]')).join(' ')).toContain(recipient);
    await screenshot(page, 'tx');
  });

  it('search: an address opens its account page with balance and nonce', async () => {
    const address = testnet().account('account0');
    await search(page, address);
    await page.waitForSelector(`[data-testid=account-page][data-address="${address}"]`, { timeout: SHOWN_MS });
    await page.waitForSelector('[data-testid=balance]', { timeout: SHOWN_MS });
    expect(await page.locator('[data-testid=balance]').innerText()).toMatch(/\d.*CMT/i);
    expect(Number((await page.locator('[data-testid=nonce]').innerText()).trim())).toBeGreaterThanOrEqual(1);
    await screenshot(page, 'account');
  });

  it('stake: 4 validators, none jailed', async () => {
    await view(page, 'stake');
    await page.waitForSelector('[data-testid=validator-row] >> nth=3', { timeout: SHOWN_MS });
    expect(await page.locator('[data-testid=validator-row]').count()).toBe(4);
    const rows = await page.locator('[data-testid=validator-row]').evaluateAll((rs) => rs.map((r) => [r.getAttribute('data-address'), r.getAttribute('data-jailed')]));
    for (const [address, jailed] of rows) {
      expect(address).toMatch(/^0x[0-9a-f]{40}$/);
      expect(jailed).toBe('false');
    }
    await screenshot(page, 'stake');
  });

  it('governance: the proposal submitted by the CLI, with the yes vote in its tally', async () => {
    expect(proposal).not.toBe('');
    await view(page, 'governance');
    await page.waitForSelector(`[data-testid=proposal-row][data-id="${proposal}"]`, { timeout: SHOWN_MS });
    expect(await page.locator(`[data-testid=proposal-row][data-id="${proposal}"]`).innerText()).toContain('longer epochs');
    await page.waitForSelector('[data-testid=tally]', { timeout: SHOWN_MS });
    const yes = await page.locator(`[data-testid=proposal-row][data-id="${proposal}"] [data-testid=tally]`).getAttribute('data-yes');
    expect(yes).toBe(DEFAULT_TESTNET_STAKE.toString());
    await screenshot(page, 'governance');
  });

  it('plots: block interval, transactions per block and per second, mempool and latency, with points drawn', async () => {
    await view(page, 'plots');
    for (const plot of ['block-interval', 'txs-per-block', 'tps', 'mempool']) {
      await page.waitForSelector(`[data-testid=plot][data-plot=${plot}]:not([data-points="0"])`, { timeout: SHOWN_MS });
      expect(Number(await page.locator(`[data-testid=plot][data-plot=${plot}]`).getAttribute('data-points')), plot).toBeGreaterThan(0);
    }
    // Both transactions were submitted to node0, whose page this is: it knows their latency.
    await page.waitForSelector('[data-testid=plot][data-plot=latency]:not([data-points="0"])', { timeout: SHOWN_MS });
    await screenshot(page, 'plots');
  });

  it('a killed validator turns red and its votes go missing; restarted, it is back up', async () => {
    const down = testnet().validatorHex('node3');
    await testnet().testnet(['kill', 'node3']);
    await view(page, 'network');
    await page.waitForSelector('[data-testid=node-row][data-node=node3][data-status=down]', { timeout: SHOWN_MS });
    for (const name of VALIDATORS.slice(0, 3)) expect(await page.locator(`[data-testid=node-row][data-node=${name}]`).getAttribute('data-status'), name).toBe('up');
    await screenshot(page, 'network-down');

    await view(page, 'consensus');
    // The chain goes on without node3: the last commit names it absent while the others signed,
    // and the current height's grid has no vote of it (the grid itself changes every block).
    await page.waitForSelector(`[data-testid=last-commit]:not([data-signed="0"]):not([data-signed="1"]) [data-testid=last-commit-absent][data-validator="${down}"]`, { timeout: SHOWN_MS });
    await page.waitForFunction(
      (validator) => {
        // Runs in the page; the tests' TypeScript has no DOM types, so the little it uses is spelt out.
        const win = globalThis as unknown as { document: { querySelectorAll(selector: string): ArrayLike<{ dataset: Record<string, string | undefined> }> } };
        const mine = Array.from(win.document.querySelectorAll('[data-testid=vote-cell]')).filter((c) => c.dataset.validator === validator);
        return mine.length > 0 && mine.every((c) => c.dataset.vote === 'none');
      },
      down,
      { timeout: SHOWN_MS },
    );
    await screenshot(page, 'consensus-down');

    await testnet().testnet(['restart', 'node3']);
    await view(page, 'network');
    // A restarted node replays its blocks before its RPC answers: give it longer on a busy machine.
    await page.waitForSelector('[data-testid=node-row][data-node=node3][data-status=up]', { timeout: 2 * SHOWN_MS });
  }, 90_000);

  // Last: the message stays beside the search box (it would cover the other views' screenshots).
  it('search: a hash of nothing, or text that is no height, hash or address, says so', async () => {
    await search(page, 'ab'.repeat(32));
    await page.waitForSelector('[data-testid=search-error]', { timeout: SHOWN_MS });
    expect(await page.locator('[data-testid=search-error]').innerText()).toMatch(/no block or transaction|not found|nothing/i);
    await search(page, 'not a height or a hash');
    await page.waitForSelector('[data-testid=search-error]:has-text("not a height or a hash")', { timeout: SHOWN_MS });
  });

  it('showed no page errors (other than failed calls to the killed node)', () => {
    const node3 = testnet().rpc('node3').replace('http://', '');
    const errors = watched.errors.filter((e) => !e.includes(node3));
    expect(errors).toEqual([]);
  });
});

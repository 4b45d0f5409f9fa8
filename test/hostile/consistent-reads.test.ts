/**
 * Reads answer from one height: a client that sees a transaction committed (`tx`, `block`,
 * `block_results`) sees its effects in `account`. The check runs while every block is applied,
 * at the moments a reader could fall between two stores: just before the app persists the
 * block's state, and just after, before the chain state moves on.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { txHash } from '../../src/codec/tx.js';
import { addressOf, makeTestHome, startTestNode, testKey, transfer, type RunningTestNode, type TestHome } from '../support/nodes.js';

const SENDERS = 4;

interface SentTx {
  hash: Uint8Array;
  sender: number;
  nonce: number;
}

describe('reads while a block is applied', () => {
  let home: TestHome;
  let running: RunningTestNode;
  const sent: SentTx[] = [];
  const violations: string[] = [];
  const nextNonce = Array.from({ length: SENDERS }, () => 0);

  /** Every transaction `tx` shows must be reflected in its sender's nonce, and in the block `block` shows. */
  async function checkReads(moment: string): Promise<void> {
    const { node } = running;
    const shownHeight = node.status().latestBlockHeight;
    for (const tx of sent) {
      const record = await node.tx(tx.hash);
      if (!record) continue;
      const account = node.account(addressOf(testKey(tx.sender)), 0, false);
      if (account.nonce <= tx.nonce) violations.push(`${moment}: tx at height ${record.height} is shown, but the sender's nonce is ${account.nonce} at height ${account.height}`);
      if (record.height > shownHeight) violations.push(`${moment}: tx at height ${record.height} is shown, status says ${shownHeight}`);
    }
    const latest = await node.block();
    if (latest && latest.block.header.height > shownHeight) violations.push(`${moment}: block ${latest.block.header.height} is shown, status says ${shownHeight}`);
    const results = await node.blockResults(shownHeight + 1);
    if (results) violations.push(`${moment}: results of block ${shownHeight + 1} are shown, status says ${shownHeight}`);
  }

  beforeAll(async () => {
    home = await makeTestHome(SENDERS + 1);
    running = await startTestNode(home.home);
    const app = running.node.app;
    const persist = app.persist.bind(app);
    app.persist = async () => {
      await checkReads('before the app persists');
      const answer = await persist();
      await checkReads('after the app persists');
      return answer;
    };
  });

  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  it('never shows a transaction whose effects the account query does not show', async () => {
    const transfers = fc.array(fc.record({ sender: fc.integer({ min: 0, max: SENDERS - 1 }), amount: fc.bigInt({ min: 1n, max: 10n ** 18n }) }), { minLength: 1, maxLength: 12 });
    await fc.assert(
      fc.asyncProperty(transfers, async (batch) => {
        const txs = batch.map(({ sender, amount }) => {
          const nonce = nextNonce[sender] as number;
          nextNonce[sender] = nonce + 1;
          const bytes = transfer(testKey(sender), { nonce, to: addressOf(testKey(SENDERS)), amount });
          sent.push({ hash: txHash(bytes), sender, nonce });
          return bytes;
        });
        const included = Promise.all(txs.map((tx) => running.node.events.waitForTx(txHash(tx), 10_000)));
        for (const tx of txs) expect((await running.node.broadcastTx(tx)).code).toBe(0);
        await included;
        expect(violations).toEqual([]);
      }),
      { numRuns: 6 },
    );
  }, 60_000);
});

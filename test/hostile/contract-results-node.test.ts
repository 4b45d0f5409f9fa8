/**
 * On a running node, a contract call whose result or error text is larger than a receipt holds
 * gets a failed receipt and the chain keeps committing blocks (issue 13, item 1: such a call
 * used to halt every validator for good when the block's results could not be stored).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TxCode } from '../../src/app/errors.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { to0x } from '../../src/codec/bytes.js';
import { addressOf, makeTestHome, startTestNode, testKey, waitForHeight, type RunningTestNode, type TestHome } from '../support/nodes.js';
import { callTx, deployTx } from '../support/contract-txs.js';

const alice = testKey(0);

const CONTRACT = `
export function big() { return '€'.repeat(4000); }
export function boom() { throw new Error('€'.repeat(4000)); }
export function fine() { return 'ok'; }
`;

interface Committed {
  check_tx: { code: number; log: string };
  tx_result: { code: number; log: string; events: { type: string; attributes: { key: string; value: string }[] }[] };
  height: string;
  hash: string;
}

describe('a node running contracts whose results are too large for a receipt', () => {
  let home: TestHome;
  let running: RunningTestNode;
  let nonce = 0;
  const send = (tx: Uint8Array): Promise<Committed> => running.client.call<Committed>('broadcast_tx_commit', { tx: to0x(tx) });

  beforeAll(async () => {
    home = await makeTestHome();
    running = await startTestNode(home.home);
  });
  afterAll(async () => {
    await running?.stop();
    await home?.cleanup();
  });

  it('fails those calls with a clear receipt and keeps committing blocks', async () => {
    const deployed = await send(deployTx(alice, nonce++, CONTRACT));
    expect(deployed.tx_result.code, deployed.tx_result.log).toBe(TxCode.OK);
    const contract = contractAddress(addressOf(alice), 0);

    const big = await send(callTx(alice, nonce++, contract, 'big'));
    expect(big.check_tx.code).toBe(TxCode.OK);
    expect(big.tx_result.code).toBe(TxCode.CONTRACT_RESULT_TOO_LARGE);
    expect(big.tx_result.log).toContain('the result is 12002 bytes of JSON, more than the 4096 a receipt holds');

    const boom = await send(callTx(alice, nonce++, contract, 'boom'));
    expect(boom.tx_result.code).toBe(TxCode.CONTRACT_FAILED);
    expect(Buffer.byteLength(boom.tx_result.log)).toBeLessThanOrEqual(4096);
    expect(boom.tx_result.log).toMatch(/^0x[0-9a-f]{40}\.boom: Error: (€)+…$/);

    // The blocks that held them were stored: their receipts are served, and the chain goes on.
    for (const sent of [big, boom]) {
      const found = await running.client.call<{ height: string; tx_result: { code: number } }>('tx', { hash: sent.hash });
      expect(found.tx_result.code).toBe(sent.tx_result.code);
    }
    await waitForHeight(running.node, Number(boom.height) + 3);
    const fine = await send(callTx(alice, nonce++, contract, 'fine'));
    expect(fine.tx_result.code).toBe(TxCode.OK);
  }, 25_000);
});

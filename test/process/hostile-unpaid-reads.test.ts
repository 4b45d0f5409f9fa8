/**
 * Reading an instance is paid by its stored size, before it is decoded (as `db.get` is): the
 * same read of a 50 KB instance costs at least 1 gas a byte more than of a 300-byte one. Time
 * against gas for such reads: `npm run bench -- process-hostile`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { TxResult } from '../../src/codec/results.js';
import { contractAddress } from '../../src/app/contracts/layout.js';
import { instanceKey } from '../../src/app/process/records.js';
import { appHarness, type AppHarness } from '../support/app-harness.js';
import { callTx, deployTx } from '../support/contract-txs.js';
import { addressOf, testKey } from '../support/nodes.js';

const name = (i: number): string => `w${i}`.padEnd(128, 'x');

/** 256 live tokens, each at a wait state of a 128-character name: about 50 KB of instance. */
function wide(): string {
  let s = '<process-definition name="wide"><start-state name="s"><transition to="f0"/></start-state>';
  s += `<fork name="f0">${[1, 2, 3, 4].map((k) => `<transition name="to${k}" to="f${k}"/>`).join('')}</fork>`;
  for (let k = 1; k <= 4; k++) {
    s += `<fork name="f${k}">`;
    for (let j = 0; j < 64; j++) s += `<transition name="t${j}" to="${name((k - 1) * 64 + j)}"/>`;
    s += '</fork>';
  }
  for (let i = 0; i < 256; i++) s += `<state name="${name(i)}"><transition name="done" to="e"/></state>`;
  return `${s}<end-state name="e"/></process-definition>`;
}

const TINY = '<process-definition name="tiny"><start-state name="s"><transition to="w"/></start-state><state name="w"><transition name="go" to="e"/></state><end-state name="e"/></process-definition>';

const CODE = `
export function open(name) { return process.start(name, {}); }
export function peek(id, n) { let r; for (let i = 0; i < n; i++) r = process.history(id, 999999999999, 1); return r.length; }`;

describe('reading a process instance', () => {
  let h: AppHarness;
  afterEach(async () => h?.close());

  it('is paid by the bytes of the stored instance, before they are decoded', async () => {
    h = await appHarness(1);
    const key = testKey(0);
    const contract = contractAddress(addressOf(key), 0);
    const deployed = await h.runBlock([deployTx(key, 0, CODE, { files: { 'wide.jpdl.xml': wide(), 'tiny.jpdl.xml': TINY }, gasLimit: 50_000_000 })]);
    expect(deployed.txResults[0]?.code, deployed.txResults[0]?.log).toBe(0);
    const started = await h.runBlock([callTx(key, 1, contract, 'open', ['tiny']), callTx(key, 2, contract, 'open', ['wide'], { gasLimit: 50_000_000 })]);
    for (const r of started.txResults as TxResult[]) expect(r.code, r.log).toBe(0);
    const small = h.store.get(instanceKey(contract, 1))?.length ?? 0;
    const big = h.store.get(instanceKey(contract, 2))?.length ?? 0;
    expect(big).toBeGreaterThan(40_000);

    const gas = (id: string, n: number): number => {
      const out = h.app.queryContract(contract, 'peek', JSON.stringify([id, n]), new Uint8Array(20), 100_000_000);
      expect(out.ok, out.ok ? '' : out.error).toBe(true);
      return out.gasUsed;
    };
    expect(gas('2', 1) - gas('1', 1), `instance rows of ${small} and ${big} bytes`).toBeGreaterThanOrEqual(big - small);
    // A loop of such reads runs out of the query's gas long before it could read 2,000 times unpaid.
    const loop = h.app.queryContract(contract, 'peek', JSON.stringify(['2', 2_000]), new Uint8Array(20), 50_000_000);
    expect(loop.ok).toBe(false);
  }, 120_000);
});

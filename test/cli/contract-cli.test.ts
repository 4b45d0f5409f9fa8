/**
 * `cmt contract ...` and `cmt query receipt` against a real single-validator devnet node:
 * deploy a bundle directory, call, query, read the receipt, and the errors a user meets.
 * Bad command lines fail before any key or node is needed (exit 2).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ONE_CMT } from '../../src/codec/amount.js';
import { readBundleDir } from '../../src/cli/bundle-dir.js';
import { cmt } from '../support/cli.js';
import { startDevnetNode, type DevnetNode } from '../support/devnet-node.js';
import { tempDir } from '../support/temp-dir.js';
import { COUNTER_METHODS } from '../support/contract-txs.js';

const COUNTER = `${COUNTER_METHODS}export function whoami() { return ctx.sender; }
/** Many writes: gas the intrinsic cost alone does not cover. */
export function fill(n) { for (let i = 0; i < n; i++) db.put('items', 'k' + i, i); return n; }
`;

const UNKNOWN = '0x' + '11'.repeat(20);
/** Nothing listens here: a command that got past its argument checks would fail with NODE_UNREACHABLE (exit 1), not 2. */
const NO_NODE = { CMT_NODE: 'http://127.0.0.1:9', CMT_HOME: '/nonexistent/cmt-home' };

interface Receipt {
  hash: string;
  height: string;
  status: string;
  code_name: string;
  error: string;
  gas_wanted: string;
  gas_used: string;
  result?: unknown;
  events: { type: string; attributes: Record<string, unknown> }[];
}

let files: { path: string; cleanup: () => Promise<void> };
let bundleDir: string;

beforeAll(async () => {
  files = await tempDir('contract-cli');
  bundleDir = join(files.path, 'counter');
  await mkdir(join(bundleDir, 'data'), { recursive: true });
  await writeFile(join(bundleDir, 'contract.js'), COUNTER);
  await writeFile(join(bundleDir, 'data', 'config.json'), '{"name": "counter"}\n');
  const noEntry = join(files.path, 'no-entry');
  await mkdir(noEntry);
  await writeFile(join(noEntry, 'main.js'), COUNTER);
});
afterAll(() => files?.cleanup());

describe('cmt contract: bad arguments', () => {
  it.each([
    [['contract', 'call', UNKNOWN, 'add', '--from', 'dev', '--args', '{"n": 1}'], /--args must be a JSON array/],
    [['contract', 'call', UNKNOWN, 'add', '--from', 'dev', '--args', '[1,'], /--args is not valid JSON/],
    [['contract', 'query', UNKNOWN, 'count', '--args', '"10n"'], /--args must be a JSON array .* got string/],
    [['contract', 'call', UNKNOWN, 'add', '--from', 'dev', '--args', '[99999999999999999999]'], /too large for a JavaScript number/],
    [['contract', 'call', '0x12', 'add', '--from', 'dev'], /invalid address/],
    [['contract', 'call', UNKNOWN, '__exports__', '--from', 'dev'], /names starting with __ are reserved/],
    [['contract', 'call', UNKNOWN, 'add', '--from', 'dev', '--gas', '0'], /expected a positive integer/],
    [['contract', 'call', UNKNOWN, 'add', '--from', 'dev', '--value', 'lots'], /invalid amount/],
    [['contract', 'call', UNKNOWN, 'add'], /required option '--from/],
    [['contract', 'query', UNKNOWN, 'count', '--from', 'dev'], /invalid address "dev"/],
    [['contract', 'deploy', '/nonexistent/cmt-bundle', '--from', 'dev'], /does not exist/],
    [['query', 'receipt', 'abc'], /32 bytes of hex/],
  ])('rejects %j with exit 2', async (args, pattern) => {
    const res = await cmt(args, NO_NODE);
    expect(res.stderr).toMatch(pattern);
    expect(res.code).toBe(2);
  });

  it('refuses a directory without contract.js and bad init arguments before asking for a key', async () => {
    const res = await cmt(['contract', 'deploy', join(files.path, 'no-entry'), '--from', 'dev'], NO_NODE);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/has no contract\.js/);
    const init = await cmt(['contract', 'deploy', bundleDir, '--from', 'dev', '--init-args', '5'], NO_NODE);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/--init-args must be a JSON array/);
    const good = await cmt(['contract', 'deploy', bundleDir, '--from', 'dev', '--init-args', '["5n"]'], NO_NODE);
    expect(good.code).toBe(1);
    expect(good.stderr).toMatch(/no key named "dev"/);
  });
});

describe('cmt contract against a devnet node', () => {
  let devnet: DevnetNode;
  let env: NodeJS.ProcessEnv;
  let dev: string;
  let address: string;
  let callHash: string;

  beforeAll(async () => {
    devnet = await startDevnetNode('contract-cli');
    ({ env, dev } = devnet);
  });
  afterAll(() => devnet?.stop());

  it('deploys a bundle directory with init arguments and value, and prints the address', async () => {
    const res = await cmt(['contract', 'deploy', bundleDir, '--from', 'dev', '--init-args', '["5n"]', '--value', '2cmt', '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as Receipt & { address: string; bundle_hash: string; methods: string[] };
    expect(out.address).toMatch(/^0x[0-9a-f]{40}$/);
    address = out.address;
    const local = await readBundleDir(bundleDir);
    expect(out.bundle_hash).toBe(Buffer.from(local.hash).toString('hex'));
    expect(out).toMatchObject({ status: 'success', height: expect.stringMatching(/^\d+$/), hash: expect.stringMatching(/^[0-9A-F]{64}$/) });
    expect([...out.methods].sort()).toEqual(['add', 'count', 'fill', 'init', 'whoami']);
    expect(Number(out.gas_used)).toBeGreaterThan(0);
    expect(Number(out.gas_used)).toBeLessThan(Number(out.gas_wanted));

    const text = await cmt(['contract', 'deploy', bundleDir, '--from', 'dev', '--init-args', '["0n"]'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^contract:\s+0x[0-9a-f]{40}$/m);
    expect(text.stdout).toMatch(/^status:\s+success$/m);
  });

  it('shows the deployed contract: deployer, files, balance, methods', async () => {
    const res = await cmt(['contract', 'info', address, '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const info = JSON.parse(res.stdout) as Record<string, unknown>;
    expect(info).toMatchObject({
      address,
      deployer: dev,
      balance: (2n * ONE_CMT).toString(),
      deployed_at: expect.stringMatching(/^\d+$/),
      files: [
        { name: 'contract.js', bytes: Buffer.byteLength(COUNTER) },
        { name: 'data/config.json', bytes: 20 },
      ],
    });
    const text = await cmt(['contract', 'info', address], env);
    expect(text.stdout).toMatch(/^balance:\s+2 CMT$/m);
    expect(text.stdout).toMatch(/^file:\s+data\/config\.json \(20 bytes\)$/m);
  });

  it('calls a method: prints the return value and events; --gas auto leaves headroom over the gas used', async () => {
    const res = await cmt(['contract', 'call', address, 'add', '--args', '["10n"]', '--from', 'dev', '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout) as Receipt;
    callHash = r.hash;
    expect(r.result).toEqual({ $bigint: '15' });
    expect(r.events.find((e) => e.type === 'contract')).toEqual({ type: 'contract', attributes: { contract: address, event: 'added', data: { by: dev, n: { $bigint: '10' }, next: { $bigint: '15' } } } });
    const used = Number(r.gas_used);
    const wanted = Number(r.gas_wanted);
    expect(wanted).toBeGreaterThan(used);
    expect(wanted).toBeLessThanOrEqual(Math.ceil(used * 1.2) + 1_000);

    const text = await cmt(['contract', 'call', address, 'add', '--args', '["1n"]', '--from', 'dev'], env);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^result:\s+16n$/m);
    expect(text.stdout).toContain(`added from ${address}: {"by": "${dev}", "n": 1n, "next": 16n}`);
  });

  it('--gas auto covers a method whose gas grows with its arguments, where a fixed small limit is refused', async () => {
    const auto = await cmt(['contract', 'call', address, 'fill', '--args', '[40]', '--from', 'dev', '-o', 'json'], env);
    expect(auto.code, auto.stderr).toBe(0);
    const r = JSON.parse(auto.stdout) as Receipt;
    expect(r.result).toBe(40);
    expect(Number(r.gas_used)).toBeGreaterThan(200_000);
    const fixed = await cmt(['contract', 'call', address, 'fill', '--args', '[40]', '--from', 'dev', '--gas', '100000'], env);
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/OUT_OF_GAS/);
  });

  it('queries for free, with and without --from', async () => {
    const res = await cmt(['contract', 'query', address, 'count'], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe('16n');
    const json = JSON.parse((await cmt(['contract', 'query', address, 'count', '-o', 'json'], env)).stdout) as { result: unknown; gas_used: string };
    expect(json.result).toEqual({ $bigint: '16' });
    expect(Number(json.gas_used)).toBeGreaterThan(0);
    const who = await cmt(['contract', 'query', address, 'whoami', '--from', dev], env);
    expect(who.stdout.trim()).toBe(`"${dev}"`);
    // A query's writes are not kept.
    expect((await cmt(['contract', 'query', address, 'add', '--args', '["100n"]'], env)).stdout.trim()).toBe('116n');
    expect((await cmt(['contract', 'query', address, 'count'], env)).stdout.trim()).toBe('16n');
  });

  it('reads the receipt of a call', async () => {
    const res = await cmt(['query', 'receipt', callHash, '-o', 'json'], env);
    expect(res.code, res.stderr).toBe(0);
    const r = JSON.parse(res.stdout) as Receipt & { type: string; sender: string };
    expect(r).toMatchObject({ hash: callHash, status: 'success', code_name: 'OK', error: '', type: 'callContract', sender: dev, result: { $bigint: '15' } });
    expect(r.events.map((e) => e.type)).toEqual(['tx', 'contract_call', 'contract']);
    const text = await cmt(['query', 'receipt', callHash], env);
    expect(text.stdout).toMatch(/^status:\s+success$/m);
    expect(text.stdout).toMatch(/^result:\s+15n$/m);
    expect(text.stdout).toMatch(/^fee:\s+[\d.]+ CMT \(\d+ gas x \d+\)$/m);
  });

  it('a failing call exits non-zero with the contract error and changes nothing', async () => {
    const auto = await cmt(['contract', 'call', address, 'add', '--args', '[10]', '--from', 'dev'], env);
    expect(auto.code).toBe(1);
    expect(auto.stderr).toMatch(/the dry run failed, nothing was sent: CONTRACT_FAILED: 0x[0-9a-f]{40}\.add: TypeError: n must be a BigInt \[CONTRACT_FAILED\]/);
    const fixed = await cmt(['contract', 'call', address, 'add', '--args', '[10]', '--from', 'dev', '--gas', '2000000'], env);
    expect(fixed.code).toBe(1);
    expect(fixed.stderr).toMatch(/CONTRACT_FAILED: .*n must be a BigInt/);
    const missing = await cmt(['contract', 'call', address, 'nope', '--from', 'dev'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/has no method "nope"/);
    const query = await cmt(['contract', 'query', address, 'add', '--args', '[1]'], env);
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/add: TypeError: n must be a BigInt \[CONTRACT_FAILED\]/);
    expect((await cmt(['contract', 'query', address, 'count'], env)).stdout.trim()).toBe('16n');
  });

  it('says plainly when no contract is at an address', async () => {
    for (const args of [
      ['contract', 'call', UNKNOWN, 'add', '--args', '["1n"]', '--from', 'dev'],
      ['contract', 'query', UNKNOWN, 'count'],
      ['contract', 'info', UNKNOWN],
    ]) {
      const res = await cmt(args, env);
      expect(res.code, args.join(' ')).toBe(1);
      expect(res.stderr).toContain(`no contract at ${UNKNOWN}`);
      expect(res.stderr).toMatch(/\[CONTRACT_NOT_FOUND\]/);
    }
  });

  it('answers the contract RPC methods, with invalid params for bad input', async () => {
    const rpc = async (method: string, params: Record<string, unknown>) =>
      (await (await fetch(devnet.node.rpcUrl, { method: 'POST', body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()) as {
        result?: Record<string, unknown>;
        error?: { code: number; data?: string };
      };
    expect((await rpc('contract_query', { address, method: 'add', args: [{ $bigint: '4' }] })).result).toMatchObject({ result: { $bigint: '20' } });
    expect((await rpc('contract_query', { address, method: 'count', args: '{}' })).error).toMatchObject({ code: -32602, data: expect.stringMatching(/args must be a JSON array/) });
    expect((await rpc('contract_query', { address })).error).toMatchObject({ code: -32602, data: 'method is required (a string)' });
    expect((await rpc('contract_query', { address, method: 'add', args: '[1]' })).error).toMatchObject({ code: -32004, data: expect.stringContaining('n must be a BigInt') });
    expect((await rpc('contract_query', { address: UNKNOWN, method: 'count' })).error?.code).toBe(-32001);
    expect((await rpc('contract', { address: UNKNOWN })).error?.code).toBe(-32001);
    expect((await rpc('estimate_gas', { tx: '0x1234' })).result).toMatchObject({ code: 2, gas_used: '0', log: expect.stringMatching(/malformed transaction/) });
    const params = (await rpc('params', {})).result as { app: { min_gas_price: string; base_fee: string } };
    expect(BigInt(params.app.base_fee)).toBeGreaterThanOrEqual(BigInt(params.app.min_gas_price));
  });
});

/**
 * What `cmt contract` reads and prints, without a node: bundle directories, JSON arguments
 * with "10n" BigInt, and receipts with contract events decoded.
 */
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeBundle, bundleHash, MAX_BUNDLE_FILES } from '../../src/codec/bundle.js';
import { MAX_BUNDLE_BYTES } from '../../src/codec/tx.js';
import { readBundleDir } from '../../src/cli/bundle-dir.js';
import { formatContractValue, parseContractArgs } from '../../src/cli/contract-args.js';
import { receiptOf, receiptRows } from '../../src/cli/receipt.js';
import { tempDir } from '../support/temp-dir.js';

describe('readBundleDir', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let root: string;
  beforeEach(async () => {
    dir = await tempDir('bundle-dir');
    root = join(dir.path, 'counter');
    await mkdir(join(root, 'data', 'deep'), { recursive: true });
    await writeFile(join(root, 'contract.js'), 'export function f() { return 1; }');
  });
  afterEach(() => dir.cleanup());

  it('takes every file under the directory with relative / names, in canonical order, and follows links that stay inside', async () => {
    await writeFile(join(root, 'data', 'deep', 'z.json'), '{"z":1}');
    await writeFile(join(root, 'README'), 'read me');
    await writeFile(join(root, 'data', 'a.txt'), '');
    await symlink(join(root, 'README'), join(root, 'data', 'readme-link'));
    const b = await readBundleDir(root);
    expect(b.files.map((f) => f.name)).toEqual(['README', 'contract.js', 'data/a.txt', 'data/deep/z.json', 'data/readme-link']);
    expect(new TextDecoder().decode(b.files.find((f) => f.name === 'data/readme-link')?.content)).toBe('read me');
    expect(decodeBundle(b.bundle).map((f) => f.name)).toEqual(b.files.map((f) => f.name));
    expect(b.hash).toEqual(bundleHash(b.bundle));
    // The same files give the same bundle, whatever the directory.
    const copy = join(dir.path, 'copy');
    await mkdir(join(copy, 'data', 'deep'), { recursive: true });
    for (const f of b.files) await writeFile(join(copy, f.name), f.content);
    expect((await readBundleDir(copy)).hash).toEqual(b.hash);
  });

  it('refuses a directory without contract.js, a missing directory and a file', async () => {
    const empty = join(dir.path, 'empty');
    await mkdir(empty);
    await writeFile(join(empty, 'main.js'), 'export function f() {}');
    await expect(readBundleDir(empty)).rejects.toThrow(/has no contract\.js/);
    await expect(readBundleDir(join(dir.path, 'missing'))).rejects.toThrow(/does not exist/);
    await expect(readBundleDir(join(root, 'contract.js'))).rejects.toThrow(/is not a directory/);
    const dirEntry = join(dir.path, 'dir-entry');
    await mkdir(join(dirEntry, 'contract.js'), { recursive: true });
    await writeFile(join(dirEntry, 'contract.js', 'x.js'), '');
    await expect(readBundleDir(dirEntry)).rejects.toThrow(/contract\.js is not a regular file/);
  });

  it('refuses symbolic links that leave the directory, and loops', async () => {
    await writeFile(join(dir.path, 'secret'), 'key');
    await symlink(join(dir.path, 'secret'), join(root, 'data', 'leak'));
    await expect(readBundleDir(root)).rejects.toThrow(/data\/leak .* is a symbolic link to .*secret, outside/);
    const loop = join(dir.path, 'loop');
    await mkdir(join(loop, 'sub'), { recursive: true });
    await writeFile(join(loop, 'contract.js'), 'export function f() {}');
    await symlink(loop, join(loop, 'sub', 'up'));
    await expect(readBundleDir(loop)).rejects.toThrow(/symbolic link loop/);
  });

  it('refuses names the bundle format cannot hold, too many files and too many bytes', async () => {
    const spaced = join(dir.path, 'spaced');
    await mkdir(spaced);
    await writeFile(join(spaced, 'contract.js'), '');
    await writeFile(join(spaced, 'my file.txt'), '');
    await expect(readBundleDir(spaced)).rejects.toThrow(/bad file name "my file.txt"/);

    for (let i = 0; i < MAX_BUNDLE_FILES; i++) await writeFile(join(root, 'data', `f${i}.txt`), String(i));
    await expect(readBundleDir(root)).rejects.toThrow(new RegExp(`more than ${MAX_BUNDLE_FILES} files`));

    const big = join(dir.path, 'big');
    await mkdir(big);
    await writeFile(join(big, 'contract.js'), 'export function f() {}');
    await writeFile(join(big, 'blob.bin'), new Uint8Array(MAX_BUNDLE_BYTES));
    await expect(readBundleDir(big)).rejects.toThrow(/more than 512 KiB of files/);
  });
});

describe('parseContractArgs', () => {
  it('turns "10n" strings into tagged BigInt, anywhere, and keeps everything else', () => {
    expect(parseContractArgs('["10n", -1, "x", "-007n", {"a": ["0n", "n", "1.5n"]}, {"$bigint": "4"}, null, true]')).toBe(
      '[{"$bigint":"10"},-1,"x",{"$bigint":"-7"},{"a":[{"$bigint":"0"},"n","1.5n"]},{"$bigint":"4"},null,true]',
    );
    expect(parseContractArgs('[]')).toBe('[]');
  });

  it('refuses anything but a JSON array, with the option named', () => {
    expect(() => parseContractArgs('{"a": 1}')).toThrow(/--args must be a JSON array .* got object/);
    expect(() => parseContractArgs('10', '--init-args')).toThrow(/--init-args must be a JSON array .* got number/);
    expect(() => parseContractArgs('null')).toThrow(/got null/);
    expect(() => parseContractArgs('[1, 2')).toThrow(/--args is not valid JSON/);
    expect(() => parseContractArgs("['a']")).toThrow(/not valid JSON/);
  });

  it('refuses integers a JavaScript number would round, and malformed tags', () => {
    expect(() => parseContractArgs('[12345678901234567890]')).toThrow(/too large for a JavaScript number .* n suffix/);
    expect(() => parseContractArgs('[{"$bigint": "1.5"}]')).toThrow(/\{"\$bigint": …\} must hold only a string of decimal digits/);
    expect(() => parseContractArgs('[{"$bigint": 10}]')).toThrow(/decimal digits/);
    expect(() => parseContractArgs('[{"$bigint": "1", "x": 2}]')).toThrow(/decimal digits/);
    expect(() => parseContractArgs(JSON.stringify(['x'.repeat(70_000)]))).toThrow(/at most 65536/);
  });

  it('prints contract values with BigInt as 10n', () => {
    expect(formatContractValue({ $bigint: '15' })).toBe('15n');
    expect(formatContractValue({ by: '0xab', n: { $bigint: '-2' }, list: [1, 'x', null, { $bigint: '0' }] })).toBe('{"by": "0xab", "n": -2n, "list": [1, "x", null, 0n]}');
    expect(formatContractValue('10n')).toBe('"10n"');
    expect(formatContractValue(undefined)).toBe('undefined');
  });
});

describe('receipts', () => {
  const contract = '0x' + 'cc'.repeat(20);
  const sender = '0x' + 'aa'.repeat(20);

  it('decodes a contract call: result and emitted data as values, the fee from the body', () => {
    const r = receiptOf({
      hash: 'AB',
      height: '7',
      index: 0,
      result: {
        code: 0,
        log: '',
        gas_wanted: '60000',
        gas_used: '50000',
        events: [
          { type: 'tx', attributes: [{ key: 'sender', value: sender }, { key: 'nonce', value: '3' }, { key: 'fee', value: '50000' }] },
          { type: 'contract_call', attributes: [{ key: 'contract', value: contract }, { key: 'method', value: 'add' }, { key: 'result', value: '{"$bigint":"16"}' }] },
          { type: 'contract', attributes: [{ key: 'contract', value: contract }, { key: 'event', value: 'added' }, { key: 'data', value: '{"n":{"$bigint":"1"}}' }] },
        ],
      },
      body: { chainId: 'c', nonce: 3, gasLimit: 60000, gasPrice: 2n, memo: '', msg: { type: 'callContract', contract: new Uint8Array(20), method: 'add', args: '[]', value: 0n } },
    });
    expect(r).toMatchObject({ status: 'success', code_name: 'OK', error: '', type: 'callContract', fee: '100000', result: { $bigint: '16' } });
    expect(r.events[2]).toEqual({ type: 'contract', attributes: { contract, event: 'added', data: { n: { $bigint: '1' } } } });
    const rows = Object.fromEntries(receiptRows(r));
    expect(rows.call).toBe(`${contract}.add`);
    expect(rows.result).toBe('16n');
    expect(rows.called).toBeUndefined();
    expect(rows.event).toBe(`added from ${contract}: {"n": 1n}`);
    expect(rows.fee).toBe('0.0000000000001 CMT (50000 gas x 2)');
  });

  it('shows a failure with its code name and error', () => {
    const r = receiptOf({ hash: 'CD', height: '9', result: { code: 38, log: `${contract}.add: TypeError: n must be a BigInt`, gas_wanted: '90000', gas_used: '41000', events: [] } });
    expect(r).toMatchObject({ status: 'failed', code: 38, code_name: 'CONTRACT_FAILED', error: expect.stringContaining('n must be a BigInt') });
    const rows = Object.fromEntries(receiptRows(r));
    expect(rows.status).toBe('failed: CONTRACT_FAILED (38)');
    expect(rows.error).toContain('TypeError: n must be a BigInt');
    expect(rows.gas).toBe('41000 used of 90000');
  });
});

/**
 * The registerFile message on a real app and state store: the record, index and event it
 * writes, what it charges, and every refusal (bad CID bytes, a codec contradicting the size,
 * oversize, a duplicate, a bad name) changing nothing but the fee. Also the /files queries
 * and the contract API (files.exists, files.size).
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TxCode } from '../../../src/app/errors.js';
import { cidError, formatCid, parseCid } from '../../../src/app/files/cid.js';
import { MAX_FILE_BYTES, registerFileGas } from '../../../src/app/files/fees.js';
import { readFile } from '../../../src/app/files/layout.js';
import { decode, encode } from '../../../src/codec/schema.js';
import { Msg } from '../../../src/codec/tx.js';
import { formatAddress } from '../../../src/crypto/address.js';
import { utf8 } from '../../../src/codec/bytes.js';
import { appHarness, type AppHarness } from '../../support/app-harness.js';
import { contractAddress as contractAddressOf } from '../../../src/app/contracts/layout.js';
import { deployTx, signedMsg, callTx } from '../../support/contract-txs.js';
import { addressOf, MIN_GAS_PRICE, testKey } from '../../support/nodes.js';

const key = testKey(0);
const sender = addressOf(key);
const GAS = 100_000_000;

function cidOf(codec: 0x55 | 0x70, seed: string): Uint8Array {
  const digest = createHash('sha256').update(seed).digest();
  return Uint8Array.from([0x01, codec, 0x12, 0x20, ...digest]);
}

let h: AppHarness;
let nonce = 0;

function register(cid: Uint8Array, size: number, name = 'a.txt', gasLimit = GAS): Uint8Array {
  return signedMsg(key, nonce++, { type: 'registerFile', cid, size, name }, gasLimit);
}

async function run(tx: Uint8Array) {
  const res = await h.runBlock([tx]);
  return res.txResults[0]!;
}

beforeAll(async () => {
  h = await appHarness(2);
});
afterAll(async () => {
  await h.close();
});

describe('CID text', () => {
  it('round-trips every accepted CID and refuses other spellings', () => {
    fc.assert(
      fc.property(fc.constantFrom(0x55, 0x70), fc.uint8Array({ minLength: 32, maxLength: 32 }), (codec, digest) => {
        const cid = Uint8Array.from([1, codec, 0x12, 0x20, ...digest]);
        const text = formatCid(cid);
        expect(parseCid(text)).toEqual(cid);
        expect(parseCid(text.toUpperCase())).toBeUndefined();
        expect(parseCid(text.slice(0, -1))).toBeUndefined();
      }),
    );
    // A known CID (the empty file, raw) in its canonical text.
    expect(formatCid(parseCid('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku')!)).toBe('bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku');
    expect(parseCid('QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o')).toBeUndefined();
  });

  it('refuses random bytes that are not an accepted CID', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const ok = bytes.length === 36 && bytes[0] === 1 && (bytes[1] === 0x55 || bytes[1] === 0x70) && bytes[2] === 0x12 && bytes[3] === 0x20;
        expect(cidError(bytes) === undefined).toBe(ok);
      }),
    );
  });
});

describe('registerFile', () => {
  it('the message round-trips with wire tag 16', () => {
    const msg: Msg = { type: 'registerFile', cid: cidOf(0x55, 'x'), size: 5, name: 'x' };
    const bytes = encode(Msg, msg);
    expect(decode(Msg, bytes, 'msg')).toEqual(msg);
    expect(bytes.includes(16)).toBe(true);
  });

  it('records size, owner, height and name, indexes the CID, emits file_registered and charges storage', async () => {
    const cid = cidOf(0x70, 'big');
    const before = h.balance(sender);
    const result = await run(register(cid, 3 * 1024 * 1024 + 1, 'video.mp4'));
    expect(result.code).toBe(TxCode.OK);
    expect(result.gasUsed).toBeGreaterThan(registerFileGas(3 * 1024 * 1024 + 1));
    expect(before - h.balance(sender)).toBe(BigInt(result.gasUsed) * MIN_GAS_PRICE);
    const event = result.events.find((e) => e.type === 'file_registered')!;
    expect(Object.fromEntries(event.attributes.map((a) => [a.key, a.value]))).toEqual({ cid: formatCid(cid), size: String(3 * 1024 * 1024 + 1), owner: formatAddress(sender) });
    expect(readFile(h.store, cid)).toEqual({ size: 3 * 1024 * 1024 + 1, owner: sender, height: h.height, name: 'video.mp4', index: 0 });

    const info = h.app.query({ path: '/files/info', data: utf8(JSON.stringify({ cid: formatCid(cid) })), height: 0, prove: false });
    expect(info.code).toBe(0);
    expect(JSON.parse(new TextDecoder().decode(info.value))).toMatchObject({ cid: formatCid(cid), size: String(3 * 1024 * 1024 + 1), owner: formatAddress(sender), name: 'video.mp4' });
    const list = h.app.query({ path: '/files/list', data: utf8('{}'), height: 0, prove: false });
    expect(JSON.parse(new TextDecoder().decode(list.value))).toEqual({ total: '1', files: [formatCid(cid)] });
  });

  it('storage is priced per KiB and the largest file fits far under a block', () => {
    expect(registerFileGas(0)).toBe(50_000);
    expect(registerFileGas(1)).toBe(51_000);
    expect(registerFileGas(1024)).toBe(51_000);
    expect(registerFileGas(MAX_FILE_BYTES)).toBeLessThan(500_000_000 / 5);
  });

  it('refuses bad input with its code, writing nothing but the fee and nonce', async () => {
    const cases: [Uint8Array, number, string, number][] = [
      [Uint8Array.from([0x12, 0x20, ...new Uint8Array(32)]), 10, 'v0.txt', TxCode.INVALID_CID],
      [Uint8Array.from([1, 0x71, 0x12, 0x20, ...new Uint8Array(32)]), 10, 'cbor', TxCode.INVALID_CID],
      [Uint8Array.from([1, 0x55, 0x13, 0x40, ...new Uint8Array(64)]).subarray(0, 64), 10, 'sha512', TxCode.INVALID_CID],
      [new Uint8Array(0), 0, 'empty', TxCode.INVALID_CID],
      [cidOf(0x55, 'raw too big'), 1024 * 1024 + 1, 'raw', TxCode.INVALID_CID],
      [cidOf(0x70, 'dag small'), 10, 'dag', TxCode.INVALID_CID],
      [cidOf(0x70, 'huge'), MAX_FILE_BYTES + 1, 'huge', TxCode.FILE_TOO_LARGE],
      [cidOf(0x55, 'name'), 10, 'a/b', TxCode.INVALID_FILE_NAME],
      [cidOf(0x55, 'name2'), 10, 'a\nb', TxCode.INVALID_FILE_NAME],
      [cidOf(0x70, 'big'), 3 * 1024 * 1024 + 1, 'again', TxCode.FILE_ALREADY_REGISTERED],
    ];
    for (const [cid, size, name, code] of cases) {
      const before = h.balance(sender);
      const result = await run(register(cid, size, name));
      expect(result.code, name).toBe(code);
      expect(before - h.balance(sender)).toBe(BigInt(result.gasUsed) * MIN_GAS_PRICE);
      expect(result.gasUsed, name).toBeLessThan(50_000);
      if (cid.length === 36 && name !== 'again') expect(readFile(h.store, cid)).toBeUndefined();
    }
    const list = h.app.query({ path: '/files/list', data: new Uint8Array(0), height: 0, prove: false });
    expect(JSON.parse(new TextDecoder().decode(list.value)).total).toBe('1');
  });

  it('a gas limit below the storage price fails out of gas and registers nothing', async () => {
    const cid = cidOf(0x70, 'underpaid');
    const result = await run(register(cid, 10 * 1024 * 1024, 'x', 200_000));
    expect(result.code).toBe(TxCode.OUT_OF_GAS);
    expect(readFile(h.store, cid)).toBeUndefined();
  });

  it('/files/info answers NOT_FOUND for an unregistered CID and BAD_REQUEST for a bad one', () => {
    const ask = (data: string) => h.app.query({ path: '/files/info', data: utf8(data), height: 0, prove: false });
    expect(ask(JSON.stringify({ cid: formatCid(cidOf(0x55, 'nobody')) })).code).toBe(2);
    expect(ask(JSON.stringify({ cid: 'QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o' })).code).toBe(1);
    expect(ask('{}').code).toBe(1);
    expect(ask('not json').code).toBe(1);
  });
});

describe('contract API', () => {
  it('files.exists and files.size read the records, paid as reads', async () => {
    const code = `
export function probe(cid) { return [files.exists(cid), files.size(cid)]; }
export function bad() { return files.exists(42); }
`;
    const deployNonce = nonce++;
    const deployed = await run(deployTx(key, deployNonce, code));
    expect(deployed.code).toBe(TxCode.OK);
    const contract = contractAddressOf(sender, deployNonce);
    const registered = formatCid(cidOf(0x70, 'big'));
    const call = async (method: string, args: unknown[]) => run(callTx(key, nonce++, contract, method, args));
    const hit = await call('probe', [registered]);
    expect(hit.code).toBe(TxCode.OK);
    expect(hit.events.find((e) => e.type === 'contract_call')!.attributes.find((a) => a.key === 'result')!.value).toBe(`[true,{"$bigint":"${3 * 1024 * 1024 + 1}"}]`);
    const miss = await call('probe', [formatCid(cidOf(0x55, 'nobody'))]);
    expect(miss.events.find((e) => e.type === 'contract_call')!.attributes.find((a) => a.key === 'result')!.value).toBe('[false,null]');
    const junk = await call('probe', ['not a cid']);
    expect(junk.events.find((e) => e.type === 'contract_call')!.attributes.find((a) => a.key === 'result')!.value).toBe('[false,null]');
    const bad = await call('bad', []);
    expect(bad.code).toBe(TxCode.CONTRACT_FAILED);
    expect(bad.log).toContain('cid must be a string');
  });
});

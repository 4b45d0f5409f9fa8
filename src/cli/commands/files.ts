/**
 * `cmt files ...` (spec/files.md): add a file (upload it to the node, check the CID the node
 * answers against one computed here with the same profile, register it in a transaction),
 * get one back by CID, and show a file's on-chain record.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { request } from 'node:http';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { fitUtf8 } from '../../codec/utf8-fit.js';
import { parseCid } from '../../app/files/cid.js';
import { MAX_FILE_BYTES, registerFileGas } from '../../app/files/fees.js';
import { addressFromPublicKey } from '../../crypto/address.js';
import { KeyDirectory } from '../../crypto/key-directory.js';
import { homePaths } from '../../node/home.js';
import { RpcClientError } from '../../rpc/client.js';
import { RPC_NOT_FOUND } from '../../rpc/errors.js';
import { optionParser } from '../arguments.js';
import { resolveHome, resolveNodeUrl, rpcClient, type CommonOptions } from '../context.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';
import { receiptOf, receiptRows } from '../receipt.js';
import { submitTx } from '../submit-tx.js';
import { parseGas } from './contract.js';
import { unlockKey } from './keys.js';
import { parseAmount } from '../../codec/amount.js';
import { describeCommand } from '../command-table.js';

interface ReadOptions extends CommonOptions {
  output: OutputFormat;
}

interface AddOptions extends ReadOptions {
  from: string;
  gas: string;
  gasPrice?: string;
  memo: string;
  name?: string;
  passphraseFile?: string;
}

interface FileAnswer {
  cid: string;
  size: string;
  owner: string;
  height: string;
  name: string;
}

/** Gas for a registration's transaction beyond its storage: the base and per-byte gas of a small transaction, with room. */
const AUTO_TX_GAS = 50_000;

const nodeOptions = (cmd: Command): Command =>
  cmd
    .option('--node <url>', 'RPC address (default: $CMT_NODE, the home config, or http://127.0.0.1:26657)')
    .option('--home <dir>', 'home holding keys/ and naming the node (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');

/** Progress on stderr, only for a terminal and a file worth watching. */
function progressBar(total: number): (done: number) => void {
  if (!process.stderr.isTTY || total < 4 * 1024 * 1024) return () => {};
  let last = -1;
  return (done) => {
    const pct = Math.floor((done / total) * 100);
    if (pct === last) return;
    last = pct;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${(done / 1048576).toFixed(1)}/${(total / 1048576).toFixed(1)} MiB${done >= total ? '\n' : ''}`);
  };
}

/** POSTs the file to the node's /ipfs; its answer {cid, size}. */
function upload(nodeUrl: string, path: string, size: number): Promise<{ cid: string; size: number }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL('/ipfs', nodeUrl), { method: 'POST', headers: { 'content-type': 'application/octet-stream', 'content-length': String(size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (res.statusCode !== 200) return reject(new CommandError(`the node refused the upload (HTTP ${res.statusCode}): ${text.trim()}`, 'UPLOAD_FAILED'));
        try {
          resolve(JSON.parse(text) as { cid: string; size: number });
        } catch {
          reject(new CommandError(`the node's answer is not JSON: ${text.slice(0, 200)}`, 'UPLOAD_FAILED'));
        }
      });
      res.on('error', reject);
    });
    req.on('error', (err) => reject(new CommandError(`cannot upload to ${nodeUrl}: ${err.message}`, 'UPLOAD_FAILED')));
    const show = progressBar(size);
    let sent = 0;
    const file = createReadStream(path);
    file.on('data', (chunk) => {
      sent += chunk.length;
      show(sent);
    });
    file.on('error', (err) => req.destroy(err));
    file.pipe(req);
  });
}

export function registerFilesCommands(program: Command): void {
  const files = program.command('files').description(describeCommand('files'));

  nodeOptions(files.command('add <file>'))
    .description('upload FILE to the node, check its CID, register it on chain (storage paid in gas per KiB); prints the CID')
    .requiredOption('--from <name>', 'name of the key that signs and pays (see cmt keys list)')
    .option('--name <text>', 'the name recorded with the file (default: the file name)')
    .option('--gas <n|auto>', 'gas limit; auto: the storage price plus 50,000', optionParser(parseGas), 'auto')
    .option('--gas-price <amount>', "base units per gas (default: the next block's base fee, at least the chain minimum)")
    .option('--memo <text>', 'a note stored with the transaction', '')
    .option('--passphrase-file <file>', 'read the key passphrase from the first line of a file')
    .action(async (path: string, o: AddOptions) => {
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) throw new CommandError(`${path} is not a readable file`, 'INVALID_ARGUMENT');
      if (info.size > MAX_FILE_BYTES) throw new CommandError(`${path} is ${info.size} bytes; the chain registers files of at most ${MAX_FILE_BYTES} bytes`, 'FILE_TOO_LARGE');
      const gasPrice = o.gasPrice === undefined ? undefined : parseAmount(o.gasPrice);
      const key = await unlockKey(new KeyDirectory(homePaths(resolveHome(o)).keys), o.from, o);
      // Loaded only by this command: the importer's modules are heavy for every other cmt command.
      const { computeCid } = await import('../../files/profile.js');
      const local = await computeCid(createReadStream(path));
      const cid = local.cid.toString();
      const client = await rpcClient(o);
      const answer = await upload(await resolveNodeUrl(o), path, info.size);
      if (answer.cid !== cid || answer.size !== local.size) {
        throw new CommandError(`the node computed ${answer.cid} (${answer.size} bytes) but this file is ${cid} (${local.size} bytes) under the profile: not registering`, 'CID_MISMATCH');
      }
      const existing = await client.call<FileAnswer>('file_info', { cid }).catch((err: unknown) => {
        if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) return undefined;
        throw err;
      });
      if (existing) {
        printResult(o.output, { ...existing, registered: 'already' }, () => table([['cid', cid], ['size', `${local.size} bytes`], ['registered', `already, at height ${existing.height} by ${existing.owner}`]]));
        return;
      }
      const name = fitUtf8((o.name ?? basename(path)).replace(/[\u0000-\u001f\u007f/\\]/g, '_'), 256);
      // The storage price is known exactly, and above what a dry run may use on the node (query.gas_limit):
      // auto is the storage price plus room for the transaction's own gas (base and bytes).
      const gas = o.gas === 'auto' ? String(registerFileGas(local.size) + AUTO_TX_GAS) : o.gas;
      const sent = await submitTx(client, key, { type: 'registerFile', cid: parseCid(cid) as Uint8Array, size: local.size, name }, { memo: o.memo, gas, gasPrice, wait: true });
      if (!sent.waited) throw new CommandError('the transaction was not waited for', 'INTERNAL');
      const receipt = receiptOf({ hash: sent.hash, height: sent.height, result: sent.result, body: sent.body, sender: addressFromPublicKey(key.publicKey) });
      if (sent.result.code !== 0) throw new CommandError(`registering ${cid} failed: ${sent.result.log}`, 'TX_FAILED');
      printResult(o.output, { cid, size: local.size, name, ...receipt }, () => (o.output === 'text' ? `${cid}\n` : '') + table([['size', `${local.size} bytes`], ['name', name], ...receiptRows(receipt)]));
    });

  nodeOptions(files.command('get <cid>'))
    .description('download a registered file from the node (fetched from its peers if it lacks it); to stdout unless --out')
    .option('--out <file>', 'write the file here')
    .action(async (cid: string, o: ReadOptions & { out?: string }) => {
      if (!parseCid(cid)) throw new CommandError(`"${cid.slice(0, 80)}" is not a CIDv1 (raw or dag-pb, sha2-256) in base32`, 'INVALID_ARGUMENT');
      const url = new URL(`/ipfs/${cid}`, await resolveNodeUrl(o));
      await new Promise<void>((resolve, reject) => {
        const req = request(url, (res) => {
          if (res.statusCode !== 200) {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => reject(new CommandError(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString('utf8').trim().slice(0, 500)}`, res.statusCode === 404 ? 'NOT_FOUND' : 'DOWNLOAD_FAILED')));
            return;
          }
          const sink = o.out ? createWriteStream(o.out) : process.stdout;
          pipeline(res, sink).then(resolve, reject);
        });
        req.on('error', (err) => reject(new CommandError(`cannot reach ${url.origin}: ${err.message}`, 'DOWNLOAD_FAILED')));
        req.end();
      });
    });

  nodeOptions(files.command('info <cid>'))
    .description("a registered file's on-chain record: size, owner, height, name")
    .action(async (cid: string, o: ReadOptions) => {
      const client = await rpcClient(o);
      const f = await client.call<FileAnswer>('file_info', { cid }).catch((err: unknown) => {
        if (err instanceof RpcClientError && err.rpcCode === RPC_NOT_FOUND) throw new CommandError(`${cid} is not registered`, 'NOT_FOUND');
        throw err;
      });
      printResult(o.output, f, () => table([['cid', f.cid], ['size', `${f.size} bytes`], ['owner', f.owner], ['height', f.height], ['name', f.name]]));
    });
}

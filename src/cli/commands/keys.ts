/** `cmt keys ...`: named keys in `<home>/keys/`, encrypted with a passphrase. */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../codec/bytes.js';
import { generateKeyPair, keyPairFromSeed } from '../../crypto/ed25519.js';
import { assertKeyName, KeyDirectory } from '../../crypto/key-directory.js';
import { decryptKey, encryptKey, parseKeystore, type KeystoreFile } from '../../crypto/keystore.js';
import { homePaths } from '../../node/home.js';
import { resolveHome } from '../context.js';
import { optionParser } from '../arguments.js';
import { CommandError, parseOutputFormat, printResult, table, toJson, type OutputFormat } from '../output.js';
import { readPassphrase } from '../passphrase.js';
import { describeCommand } from '../command-table.js';

interface KeyOptions {
  home?: string;
  passphraseFile?: string;
  output: OutputFormat;
}

function keysOf(options: { home?: string }): KeyDirectory {
  return new KeyDirectory(homePaths(resolveHome(options)).keys);
}

function view(file: KeystoreFile): { name: string; address: string; public_key: string; protected: boolean } {
  return { name: file.name, address: file.address, public_key: file.publicKey, protected: !file.unprotected };
}

/** Decrypts a named key, asking for the passphrase only when it has one. */
export async function unlockKey(keys: KeyDirectory, name: string, source: { passphraseFile?: string }) {
  const file = await keys.get(name);
  const passphrase = file.unprotected ? '' : await readPassphrase(source, { confirm: false, what: `key "${name}"` });
  return decryptKey(file, passphrase);
}

const common = (cmd: Command): Command =>
  cmd
    .option('--home <dir>', 'home directory holding keys/ (default: $CMT_HOME or ~/.cmt/devnet)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text');

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description(describeCommand('keys'));

  common(keys.command('add <name>').description('create a new key, or --recover one from a hex private key on stdin'))
    .option('--passphrase-file <file>', 'read the passphrase from the first line of a file')
    .option('--recover', 'read a 32-byte hex private key from stdin instead of generating one')
    .action(async (name: string, options: KeyOptions & { recover?: boolean }) => {
      assertKeyName(name);
      const dir = keysOf(options);
      if (await dir.has(name)) throw new CommandError(`a key named "${name}" already exists`, 'KEY_EXISTS');
      let pair = generateKeyPair();
      if (options.recover) {
        const input = (await readStdin()).trim();
        try {
          pair = keyPairFromSeed(fromHex(input, 'private key'));
        } catch {
          throw new CommandError('--recover expects a 32-byte private key as hex on stdin', 'INVALID_ARGUMENT');
        }
      }
      const passphrase = await readPassphrase(options, { confirm: true, what: `new key "${name}"` });
      const file = await encryptKey(pair, passphrase, { name });
      const path = await dir.save(file);
      printResult(options.output, { ...view(file), file: path }, () => table([['name', name], ['address', file.address], ['file', path]]));
    });

  common(keys.command('list').description('list keys')).action(async (options: KeyOptions) => {
    const files = await keysOf(options).list();
    printResult(options.output, files.map(view), () => (files.length === 0 ? 'no keys (create one with: cmt keys add NAME)' : files.map((f) => `${f.name.padEnd(20)} ${f.address}`).join('\n')));
  });

  common(keys.command('show <name>').description("show a key's address and public key"))
    .option('-a, --address', 'print only the address')
    .action(async (name: string, options: KeyOptions & { address?: boolean }) => {
      const file = await keysOf(options).get(name);
      if (options.address) {
        process.stdout.write(file.address + '\n');
        return;
      }
      printResult(options.output, view(file), () => table([['name', file.name], ['address', file.address], ['public key', file.publicKey], ['protected', file.unprotected ? 'no (development key)' : 'yes']]));
    });

  common(keys.command('export <name>').description('print the encrypted key file (or, with --unsafe-hex, the raw private key)'))
    .option('--unsafe-hex', 'print the unencrypted private key as hex (anyone who sees it owns the funds)')
    .option('--passphrase-file <file>', 'read the passphrase from the first line of a file')
    .action(async (name: string, options: KeyOptions & { unsafeHex?: boolean }) => {
      const dir = keysOf(options);
      if (!options.unsafeHex) {
        process.stdout.write(toJson(await dir.get(name)) + '\n');
        return;
      }
      const pair = await unlockKey(dir, name, options);
      process.stdout.write(toHex(pair.privateKey) + '\n');
    });

  common(keys.command('import <name> <file>').description('import a key file written by "cmt keys export" under a new name'))
    .option('--passphrase-file <file>', 'read the passphrase from the first line of a file')
    .action(async (name: string, source: string, options: KeyOptions) => {
      assertKeyName(name);
      let json: unknown;
      try {
        json = JSON.parse(await readFile(source, 'utf8'));
      } catch (err) {
        throw new CommandError(`cannot read ${source} as a key file: ${(err as Error).message}`, 'INVALID_KEYSTORE');
      }
      const file = parseKeystore(json, source);
      // Proves the passphrase (and the file) before it is stored under the new name.
      const passphrase = file.unprotected ? '' : await readPassphrase(options, { confirm: false, what: `the key in ${source}` });
      const pair = await decryptKey(file, passphrase);
      const stored = await encryptKey(pair, passphrase, { name });
      const path = await keysOf(options).save(stored);
      printResult(options.output, { ...view(stored), file: path }, () => table([['name', name], ['address', stored.address], ['file', path]]));
    });

  common(keys.command('delete <name>').description('delete a key file'))
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, options: KeyOptions & { yes?: boolean }) => {
      const dir = keysOf(options);
      const file = await dir.get(name);
      if (!options.yes) {
        if (!process.stdin.isTTY) throw new CommandError(`refusing to delete "${name}" without --yes (no terminal to confirm)`, 'CONFIRMATION_REQUIRED');
        const answer = await askLine(`Delete key "${name}" (${file.address})? Type the name to confirm: `);
        if (answer.trim() !== name) throw new CommandError('not deleted', 'CANCELLED');
      }
      await dir.delete(name);
      printResult(options.output, { deleted: name }, () => `deleted key "${name}"`);
    });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function askLine(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question(question);
  } finally {
    rl.close();
  }
}

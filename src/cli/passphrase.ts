/**
 * Where a key passphrase comes from, in order: --passphrase-file, $CMT_PASSPHRASE, or a
 * prompt with hidden input when a terminal is attached. Never from a command-line argument,
 * which other users could read in the process list.
 */
import { readFile } from 'node:fs/promises';
import { CommandError } from './output.js';

export interface PassphraseSource {
  passphraseFile?: string;
}

async function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let answer = '';
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          done();
          resolve(answer);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new CommandError('cancelled', 'CANCELLED'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const done = (): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    stdin.on('data', onData);
  });
}

export async function readPassphrase(source: PassphraseSource, options: { confirm: boolean; what: string }): Promise<string> {
  if (source.passphraseFile) {
    let text: string;
    try {
      text = await readFile(source.passphraseFile, 'utf8');
    } catch (err) {
      throw new CommandError(`cannot read --passphrase-file ${source.passphraseFile}: ${(err as Error).message}`);
    }
    return text.split(/\r?\n/)[0] ?? '';
  }
  const fromEnv = process.env.CMT_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;
  if (!process.stdin.isTTY) {
    throw new CommandError(`no passphrase for ${options.what}: use --passphrase-file FILE or set CMT_PASSPHRASE (or run in a terminal)`, 'NO_PASSPHRASE');
  }
  const first = await promptHidden(`Passphrase for ${options.what}: `);
  if (options.confirm) {
    if (first.length < 8) throw new CommandError('passphrase must be at least 8 characters', 'WEAK_PASSPHRASE');
    const again = await promptHidden('Repeat the passphrase: ');
    if (again !== first) throw new CommandError('the passphrases do not match', 'PASSPHRASE_MISMATCH');
  }
  return first;
}

/** The `<home>/keys/` folder: one keystore file per named key, readable by its owner only. */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CmtError } from '../codec/errors.js';
import { parseKeystore, type KeystoreFile } from './keystore.js';

export class KeyNotFoundError extends CmtError {
  constructor(name: string, dir: string) {
    super('KEY_NOT_FOUND', `no key named "${name}" in ${dir}`);
  }
}

export class KeyExistsError extends CmtError {
  constructor(name: string) {
    super('KEY_EXISTS', `a key named "${name}" already exists (delete it first)`);
  }
}

export class InvalidKeyNameError extends CmtError {
  constructor(name: string) {
    super('INVALID_KEY_NAME', `invalid key name ${JSON.stringify(name)}: use 1-64 letters, digits, '.', '_' or '-'`);
  }
}

const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

export function assertKeyName(name: string): void {
  if (!NAME_PATTERN.test(name)) throw new InvalidKeyNameError(name);
}

export class KeyDirectory {
  constructor(readonly dir: string) {}

  private pathOf(name: string): string {
    assertKeyName(name);
    return join(this.dir, `${name}.json`);
  }

  async has(name: string): Promise<boolean> {
    try {
      await readFile(this.pathOf(name));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async get(name: string): Promise<KeystoreFile> {
    const path = this.pathOf(name);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new KeyNotFoundError(name, this.dir);
      throw new CmtError('INVALID_KEYSTORE', `${path}: cannot read (${(err as Error).message})`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new CmtError('INVALID_KEYSTORE', `${path} is not valid JSON`);
    }
    return parseKeystore(json, path);
  }

  async save(file: KeystoreFile, options: { overwrite?: boolean } = {}): Promise<string> {
    const path = this.pathOf(file.name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    try {
      await writeFile(path, JSON.stringify(file, null, 2) + '\n', { mode: 0o600, flag: options.overwrite ? 'w' : 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new KeyExistsError(file.name);
      throw err;
    }
    return path;
  }

  async delete(name: string): Promise<void> {
    if (!(await this.has(name))) throw new KeyNotFoundError(name, this.dir);
    await rm(this.pathOf(name));
  }

  async list(): Promise<KeystoreFile[]> {
    let entries: string[];
    try {
      entries = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const names = entries.filter((e) => e.endsWith('.json')).map((e) => e.slice(0, -5)).filter((n) => NAME_PATTERN.test(n)).sort();
    return Promise.all(names.map((n) => this.get(n)));
  }
}

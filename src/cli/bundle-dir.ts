/**
 * A contract bundle from a directory (`cmt contract deploy DIR`): every regular file under DIR,
 * recursively, named by its path relative to DIR with '/' separators, in the canonical archive
 * of codec/bundle.ts. DIR must hold `contract.js`. Symbolic links are followed only while they
 * stay inside DIR; anything that cannot go into a bundle (too many files, too many bytes, a
 * name the bundle format refuses, a socket or device) is an error before anything is signed.
 */
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { BUNDLE_ENTRY, MAX_BUNDLE_FILES, MAX_BUNDLE_NAME_BYTES, bundleHash, bundleNameError, encodeBundle, type BundleFile } from '../codec/bundle.js';
import { utf8 } from '../codec/bytes.js';
import { MAX_BUNDLE_BYTES } from '../codec/tx.js';
import { CommandError } from './output.js';

export interface BundleDir {
  /** The files in canonical (byte-wise name) order. */
  files: BundleFile[];
  /** The canonical archive a deploy transaction carries. */
  bundle: Uint8Array;
  /** sha256 of the archive: the bundle hash receipts and `cmt contract info` show. */
  hash: Uint8Array;
}

function invalid(message: string): CommandError {
  return new CommandError(message, 'INVALID_ARGUMENT');
}

const KIB = 1024;

export async function readBundleDir(dir: string): Promise<BundleDir> {
  let root: string;
  try {
    root = await realpath(dir);
  } catch {
    throw invalid(`${dir} does not exist`);
  }
  if (!(await stat(root)).isDirectory()) throw invalid(`${dir} is not a directory; give the directory that holds ${BUNDLE_ENTRY}`);
  const entry = await lstat(join(root, BUNDLE_ENTRY)).catch(() => undefined);
  if (!entry) throw invalid(`${dir} has no ${BUNDLE_ENTRY}: a bundle's entry module is ${BUNDLE_ENTRY} at the top of the directory`);

  const inside = (path: string): boolean => path === root || path.startsWith(root + sep);
  const files: BundleFile[] = [];
  const visited = new Set<string>([root]);
  let total = 0;

  const walk = async (real: string, relative: string): Promise<void> => {
    const entries = await readdir(real, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const name = relative === '' ? e.name : `${relative}/${e.name}`;
      let path = join(real, e.name);
      let info = await lstat(path);
      if (info.isSymbolicLink()) {
        let target: string;
        try {
          target = await realpath(path);
        } catch {
          throw invalid(`${name} in ${dir} is a broken symbolic link`);
        }
        if (!inside(target)) throw invalid(`${name} in ${dir} is a symbolic link to ${target}, outside ${dir}; a bundle takes only files inside its directory`);
        path = target;
        info = await stat(path);
      }
      if (info.isDirectory()) {
        if (visited.has(path)) throw invalid(`${name} in ${dir} leads to a directory already included (a symbolic link loop or a second link to it)`);
        visited.add(path);
        await walk(path, name);
        continue;
      }
      if (!info.isFile()) throw invalid(`${name} in ${dir} is not a regular file or directory`);
      const bad = bundleNameError(name);
      if (bad) throw invalid(`${dir}: ${bad}`);
      if (utf8(name).length > MAX_BUNDLE_NAME_BYTES) throw invalid(`${dir}: the file name "${name}" is longer than ${MAX_BUNDLE_NAME_BYTES} bytes`);
      if (files.length >= MAX_BUNDLE_FILES) throw invalid(`${dir} has more than ${MAX_BUNDLE_FILES} files; a bundle holds at most ${MAX_BUNDLE_FILES}`);
      total += info.size;
      if (total > MAX_BUNDLE_BYTES) throw invalid(`${dir} holds more than ${MAX_BUNDLE_BYTES / KIB} KiB of files; a bundle holds at most ${MAX_BUNDLE_BYTES / KIB} KiB`);
      files.push({ name, content: new Uint8Array(await readFile(path)) });
    }
  };
  await walk(root, '');

  if (!files.some((f) => f.name === BUNDLE_ENTRY)) throw invalid(`${dir}/${BUNDLE_ENTRY} is not a regular file`);
  const bundle = encodeBundle(files);
  if (bundle.length > MAX_BUNDLE_BYTES) throw invalid(`the bundle of ${dir} is ${bundle.length} bytes; at most ${MAX_BUNDLE_BYTES} (${MAX_BUNDLE_BYTES / KIB} KiB) are allowed`);
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')));
  return { files: sorted, bundle, hash: bundleHash(bundle) };
}

/**
 * Contract bundles (spec/contracts.md, "Bundles"): the entry module `contract.js` and named
 * resource files in one canonical archive, RLP [[name, content], ...] with names strictly
 * ascending by their UTF-8 bytes. One set of files has exactly one encoding, so the bundle
 * hash names the contents whatever order a directory listing gave.
 */
import { DecodeError } from './errors.js';
import { sha256 } from './hash.js';
import { bytes, decode, encode, list, struct, text, type Infer } from './schema.js';

export const BUNDLE_ENTRY = 'contract.js';
export const MAX_BUNDLE_FILES = 64;
export const MAX_BUNDLE_NAME_BYTES = 128;
/** Letters, digits, '.', '_', '-', and '/' between non-empty segments: no '..', no absolute paths. */
const NAME_PATTERN = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

export const BundleFile = struct('BundleFile', {
  name: text(MAX_BUNDLE_NAME_BYTES),
  content: bytes(1 << 24),
});
export type BundleFile = Infer<typeof BundleFile>;

const BundleFiles = list(BundleFile, MAX_BUNDLE_FILES);

export function bundleNameError(name: string): string | undefined {
  if (!NAME_PATTERN.test(name)) return `bad file name "${name}" (letters, digits, . _ - and / between names; no "." or ".." segments)`;
  return undefined;
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The canonical archive of `files` (any order in; sorted out). Throws on duplicates or bad names. */
export function encodeBundle(files: readonly BundleFile[]): Uint8Array {
  const sorted = [...files].sort((a, b) => compareNames(a.name, b.name));
  sorted.forEach((f, i) => {
    const bad = bundleNameError(f.name);
    if (bad) throw new DecodeError(bad);
    if (i > 0 && sorted[i - 1]?.name === f.name) throw new DecodeError(`file "${f.name}" appears twice`);
  });
  return encode(BundleFiles, sorted);
}

/** Files of a canonical archive; anything else (unsorted, duplicated, bad names, no entry module) is a DecodeError. */
export function decodeBundle(archive: Uint8Array): BundleFile[] {
  const files = decode(BundleFiles, archive, 'bundle');
  files.forEach((f, i) => {
    const bad = bundleNameError(f.name);
    if (bad) throw new DecodeError(`bundle: ${bad}`);
    const previous = files[i - 1];
    if (previous && compareNames(previous.name, f.name) >= 0) throw new DecodeError('bundle: file names are not in strictly ascending order');
  });
  if (!files.some((f) => f.name === BUNDLE_ENTRY)) throw new DecodeError(`bundle: it has no ${BUNDLE_ENTRY}`);
  return files;
}

export function bundleHash(archive: Uint8Array): Uint8Array {
  return sha256(archive);
}

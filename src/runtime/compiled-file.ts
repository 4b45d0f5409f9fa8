import { dirname, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The compiled JavaScript file `name.js` beside the calling module, for worker threads and
 * child processes, which load JavaScript. From the build this is the sibling `.js`; when the
 * caller runs from TypeScript source (vitest), it is the same path under `dist/`, which
 * `npm test` builds first. `name` may contain a relative path (`../cli/main`).
 */
export function compiledFile(moduleUrl: string, name: string): string {
  const here = fileURLToPath(moduleUrl);
  if (!here.endsWith('.ts')) return fileURLToPath(new URL(`./${name}.js`, moduleUrl));
  const marker = `${sep}src${sep}`;
  const at = here.lastIndexOf(marker);
  const root = here.slice(0, at);
  const relativeDir = dirname(here.slice(at + 1));
  return fileURLToPath(pathToFileURL(join(root, 'dist', relativeDir, `${name}.js`)));
}

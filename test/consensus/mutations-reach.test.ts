/**
 * A mutation is a deliberate bug: only the simulator may switch one on. Any source file that
 * names the switches (or imports the --unsafe-mutation flag's parser) must be the simulator,
 * its commands and their flag, or the code that implements a switch;
 * the real node's start-up (node.ts, config, genesis, `cmt node start`, the chaos runner's
 * nodes) never does.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATION_NAMES } from '../../src/consensus/mutations.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SWITCHES = /unsafeMutations|unsafeSkipGuard|unsafeSignBeforePersist|consensus\/mutations\.js|unsafeSignerOptions|mutation-flag\.js/;

/** Where a switch may be named: the code that implements it, and the simulator that sets it. */
const ALLOWED = [/^src\/consensus\//, /^src\/node\/(consensus-driver|node-parts|priv-validator)\.ts$/, /^src\/sim\//, /^src\/cli\/commands\/sim(-[a-z-]+)?\.ts$/, /^src\/cli\/mutation-flag\.ts$/];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('mutations are reachable from the simulator only', () => {
  const files = sources(join(ROOT, 'src')).map((f) => relative(ROOT, f).split('\\').join('/'));

  it('no source outside the simulator and the implementations names a mutation switch', () => {
    const offending = files.filter((f) => SWITCHES.test(readFileSync(join(ROOT, f), 'utf8')) && !ALLOWED.some((a) => a.test(f)));
    expect(offending).toEqual([]);
  });

  it('the real node start-up passes no unsafe setting to its parts or its signer', () => {
    const node = readFileSync(join(ROOT, 'src/node/node.ts'), 'utf8');
    expect(node).not.toMatch(/unsafe/i);
    expect(files).toContain('src/node/node.ts');
  });

  it('the check itself fails on a file that sets one (the pattern is not vacuous)', () => {
    expect(SWITCHES.test("NodeParts.assemble(ports, { genesis, unsafeMutations: ['ignore-lock'] })")).toBe(true);
    expect(SWITCHES.test("PrivValidator.load(key, state, { unsafeSkipGuard: true })")).toBe(true);
    expect(SWITCHES.test("import { parseMutation } from '../mutation-flag.js';")).toBe(true);
    expect(ALLOWED.some((a) => a.test('src/cli/commands/node.ts'))).toBe(false);
    expect(ALLOWED.some((a) => a.test('src/node/node.ts'))).toBe(false);
    expect(ALLOWED.some((a) => a.test('src/config/config.ts'))).toBe(false);
  });

  it('no configuration or genesis text can name a mutation', () => {
    for (const f of files.filter((f) => /^src\/(config|node\/genesis|cli\/commands\/node)/.test(f))) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const name of MUTATION_NAMES) expect(text, f).not.toContain(`'${name}'`);
    }
  });
});

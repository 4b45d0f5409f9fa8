/**
 * Start files replaced by what a careless operator or a hostile local user can put there — a
 * directory, a symlink to one, a symlink loop, a dangling symlink, JSON nested a hundred
 * thousand deep (bare, or inside an otherwise valid file) — make the node start or refuse with
 * a CmtError naming the file (spec/hostile-input.md, "Files read at start"); never another
 * error (a stack trace from the CLI), never a silent default.
 */
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { openSync, closeSync, constants } from 'node:fs';
import { cp, mkdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CmtError } from '../../src/codec/errors.js';
import { homePaths, type HomePaths } from '../../src/node/home.js';
import { silentLogger } from '../../src/node/logger.js';
import { Node } from '../../src/node/node.js';
import { committedHomeTemplate, type HomeTemplate } from '../support/home-template.js';

type FileName = 'config' | 'genesis' | 'nodeKey' | 'privValidatorKey' | 'privValidatorState';
const FILES: FileName[] = ['config', 'genesis', 'nodeKey', 'privValidatorKey', 'privValidatorState'];
const KINDS = ['directory', 'symlink to a directory', 'symlink loop', 'dangling symlink', 'deep bare', 'deep inside', 'fifo', 'symlink to /dev/zero', 'huge'] as const;
type Kind = (typeof KINDS)[number];

const deepArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const deepObject = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

/** The file's own JSON with a deep value put into each of its object fields in turn (the first one that exists). */
function deepInside(original: string, depth: number, field: number, asObject: boolean): { text: string; name: string } {
  const json = JSON.parse(original) as Record<string, unknown>;
  const names = Object.keys(json);
  const name = names[field % names.length] ?? 'x';
  const marker = '"__DEEP__"';
  json[name] = '__DEEP__';
  return { text: JSON.stringify(json).replace(marker, asObject ? deepObject(depth) : deepArray(depth)), name };
}

describe('start files replaced by hostile things', () => {
  let template: HomeTemplate;
  let runs = 0;

  beforeAll(async () => {
    template = await committedHomeTemplate('review-start-files', 1);
  }, 30_000);

  afterAll(async () => {
    await template?.cleanup();
  });

  /** Replaces `file`; the field that got the deep value, for 'deep inside'. */
  async function replace(file: string, kind: Kind, depth: number, field: number, asObject: boolean): Promise<string | undefined> {
    const original = await readFile(file, 'utf8');
    await rm(file, { recursive: true, force: true });
    switch (kind) {
      case 'directory':
        await mkdir(file);
        return undefined;
      case 'symlink to a directory':
        await symlink(template.scratch, file);
        return undefined;
      case 'symlink loop':
        await symlink(file, file);
        return undefined;
      case 'dangling symlink':
        await symlink(join(template.scratch, 'nowhere', 'file.json'), file);
        return undefined;
      case 'fifo':
        // Nobody writes to it: a reader that opens it blocks until a writer comes.
        execFileSync('mkfifo', [file]);
        fifos.push(file);
        return undefined;
      case 'symlink to /dev/zero':
        await symlink('/dev/zero', file);
        return undefined;
      case 'huge':
        // Sparse: a gigabyte the node must refuse by its size, not read.
        await writeFile(file, '');
        await truncate(file, 1024 * 1024 * 1024);
        return undefined;
      case 'deep bare':
        await writeFile(file, asObject ? deepObject(depth) : deepArray(depth));
        return undefined;
      case 'deep inside': {
        const { text, name } = deepInside(original, depth, field, asObject);
        await writeFile(file, text);
        return name;
      }
    }
  }

  /** FIFOs made by a run: opened for writing and closed after it, so a reader stuck on one gets EOF. */
  const fifos: string[] = [];
  const unblockFifos = (): void => {
    for (const f of fifos.splice(0)) {
      try {
        closeSync(openSync(f, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        // No reader waiting: nothing to unblock.
      }
    }
  };

  async function startOrRefuse(paths: HomePaths, file: string): Promise<'started' | 'refused'> {
    let node: Node | undefined;
    try {
      const opened = Node.open(paths.root, { logger: silentLogger() });
      // A start that hangs on a file is a failure, not a slow test.
      const hung = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${file}: the node hangs reading it`)), 5_000).unref());
      node = await Promise.race([opened, hung]);
      await node.start();
      return 'started';
    } catch (err) {
      if (!(err instanceof CmtError)) throw new Error(`${file}: not a CmtError: ${(err as Error).stack ?? String(err)}`);
      if (!err.message.includes(file)) throw new Error(`the error does not name ${file}: ${err.message}`);
      return 'refused';
    } finally {
      await node?.stop().catch(() => undefined);
    }
  }

  it('a p2p listen host that is not an IP address is refused naming the config file', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.constantFrom('localhost', '#27.0.0.1', '', ' 127.0.0.1', '127.0.0.256'), fc.string({ maxLength: 20 }).filter((h) => isIP(h) === 0)), async (host) => {
        const home = join(template.scratch, `home-${runs++}`);
        await cp(template.home, home, { recursive: true });
        const paths = homePaths(home);
        try {
          const config = JSON.parse(await readFile(paths.config, 'utf8')) as { p2p: Record<string, unknown> };
          config.p2p.host = host;
          await writeFile(paths.config, JSON.stringify(config));
          expect(await startOrRefuse(paths, paths.config)).toBe('refused');
        } finally {
          await rm(home, { recursive: true, force: true });
        }
      }),
      { numRuns: 10 },
    );
  }, 60_000);

  it.each(FILES)('%s: starts or refuses naming the file', async (name) => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KINDS), fc.integer({ min: 1_000, max: 200_000 }), fc.nat(20), fc.boolean(), async (kind, depth, field, asObject) => {
        const home = join(template.scratch, `home-${runs++}`);
        await cp(template.home, home, { recursive: true });
        const paths = homePaths(home);
        try {
          const deepField = await replace(paths[name], kind, depth, field, asObject);
          const outcome = await startOrRefuse(paths, paths[name]);
          // Nothing here is a file the node can use: each is refused (a missing config or sign
          // state is fine, but a symlink to nothing is not missing), none taken as its default.
          expect(outcome, `field ${deepField}`).toBe('refused');
        } finally {
          unblockFifos();
          await rm(home, { recursive: true, force: true });
        }
      }),
      { numRuns: 24 },
    );
  }, 120_000);
});

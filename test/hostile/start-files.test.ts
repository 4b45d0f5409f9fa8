/**
 * Every file a node reads at start, damaged every way fast-check finds (cut short, bytes
 * changed, JSON fields dropped, retyped or added): the node either starts, or refuses with a
 * CmtError (the CLI prints its message and exits 1) that names the file. Never another kind of
 * error (the CLI would print a stack trace), never a silent default.
 */
import fc from 'fast-check';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CmtError } from '../../src/codec/errors.js';
import { homePaths, type HomePaths } from '../../src/node/home.js';
import { silentLogger } from '../../src/node/logger.js';
import { Node } from '../../src/node/node.js';
import { cmt } from '../support/cli.js';
import { mutate, mutation } from '../support/file-mutations.js';
import { committedHomeTemplate, type HomeTemplate } from '../support/home-template.js';

type FileName = 'config' | 'genesis' | 'nodeKey' | 'privValidatorKey' | 'privValidatorState' | 'wal';

describe('files read at start', () => {
  let template: HomeTemplate;
  let runs = 0;

  beforeAll(async () => {
    template = await committedHomeTemplate('start-files', 2);
  }, 30_000);

  afterAll(async () => {
    await template?.cleanup();
  });

  /** The WAL segment with the records of the last height. */
  async function walSegment(paths: HomePaths): Promise<string> {
    const segments = (await readdir(paths.wal)).filter((f) => f.startsWith('wal-')).sort();
    return join(paths.wal, segments[segments.length - 1] as string);
  }

  async function copyHome(fresh: boolean): Promise<HomePaths> {
    const home = join(template.scratch, `home-${runs++}`);
    await cp(template.home, home, { recursive: true });
    if (fresh) await rm(join(home, 'data'), { recursive: true });
    return homePaths(home);
  }

  /** Starts the node of `paths`; a refusal must be a CmtError naming `file`. */
  async function startOrRefuse(paths: HomePaths, file: string): Promise<'started' | 'refused'> {
    let node: Node | undefined;
    try {
      node = await Node.open(paths.root, { logger: silentLogger() });
      await node.start();
      return 'started';
    } catch (err) {
      if (!(err instanceof CmtError)) throw new Error(`${file}: not a CmtError: ${(err as Error).stack ?? String(err)}`);
      if (!err.message.includes(file)) throw new Error(`the error does not name ${file}: ${err.message}`);
      return 'refused';
    } finally {
      await node?.stop().catch(() => undefined);
      await rm(paths.root, { recursive: true, force: true });
    }
  }

  const FILES: FileName[] = ['config', 'genesis', 'nodeKey', 'privValidatorKey', 'privValidatorState', 'wal'];

  it.each(FILES)('a damaged %s file starts the node or stops it with an error naming the file', async (name) => {
    const outcomes = { started: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(mutation, fc.boolean(), async (m, fresh) => {
        const paths = await copyHome(name === 'genesis' && fresh);
        const file = name === 'wal' ? await walSegment(paths) : paths[name];
        await writeFile(file, mutate(await readFile(file), m));
        outcomes[await startOrRefuse(paths, file)]++;
      }),
      { numRuns: 40 },
    );
    // Both outcomes occur, so the property is not passing by never getting as far as the check.
    expect(outcomes.refused).toBeGreaterThan(0);
    console.log(name, outcomes);
  }, 60_000);

  it('a misspelt setting inside a config section, or a moniker that is not a string, is refused rather than defaulted', async () => {
    for (const change of [(c: Record<string, Record<string, unknown>>) => (c.rpc!.prot = 1), (c: Record<string, Record<string, unknown>>) => ((c as Record<string, unknown>).moniker = 7)]) {
      const paths = await copyHome(false);
      const config = JSON.parse(await readFile(paths.config, 'utf8')) as Record<string, Record<string, unknown>>;
      change(config);
      await writeFile(paths.config, JSON.stringify(config));
      expect(await startOrRefuse(paths, paths.config)).toBe('refused');
    }
  });

  it('a key file that is missing where a sign state says this node signed stops the node, naming it', async () => {
    const paths = await copyHome(false);
    await rm(paths.privValidatorKey);
    expect(await startOrRefuse(paths, paths.privValidatorKey)).toBe('refused');
  });

  it('the cmt process exits 1 with one line naming a sign state without "step", no stack trace', async () => {
    const paths = await copyHome(false);
    const state = JSON.parse(await readFile(paths.privValidatorState, 'utf8')) as Record<string, unknown>;
    delete state.step;
    await writeFile(paths.privValidatorState, JSON.stringify(state));
    try {
      const result = await cmt(['start', '--home', paths.root, '--rpc-port', '0'], {}, undefined, 20_000);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(paths.privValidatorState);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await rm(paths.root, { recursive: true, force: true });
    }
  }, 30_000);
});

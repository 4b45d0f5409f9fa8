/**
 * `cmt start --byzantine <strategy>`: refused with a clear error, before the node opens its
 * data, on a chain that is not a local test chain, and for a strategy nobody knows.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BYZANTINE_STRATEGIES } from '../../src/node/byzantine.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

describe('cmt start --byzantine', () => {
  it('refuses a chain id that is not local, naming it, and leaves the data directory unopened', async () => {
    const dir = await tempDir('byzantine-flag');
    try {
      for (const chainId of ['cmt-mainnet', 'cyber-1']) {
        const home = join(dir.path, chainId);
        const init = await cmt(['init', '--home', home, '--chain-id', chainId]);
        expect(init.code, init.stderr).toBe(0);
        const res = await cmt(['start', '--home', home, '--byzantine', 'double-prevote', '--rpc-port', '0']);
        expect(res.code).not.toBe(0);
        expect(res.stderr).toContain(`"${chainId}"`);
        expect(res.stderr).toMatch(/local test chain/);
        // Nothing was opened: no database or WAL was made.
        expect(await readdir(join(home, 'data')).catch(() => [])).toEqual([]);
      }
    } finally {
      await dir.cleanup();
    }
  }, 60_000);

  it('refuses an unknown strategy, listing the known ones', async () => {
    const res = await cmt(['start', '--home', '/nonexistent', '--byzantine', 'random']);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('unknown Byzantine strategy "random"');
    for (const name of BYZANTINE_STRATEGIES) expect(res.stderr).toContain(name);
  });
});

/**
 * `cmt sim mutations` as a user runs it (the build): a mutation name it does not know is
 * refused before anything runs; on one scenario and a budget of a run, quorum-off-by-one is
 * caught with its property, scenario and seed, and the unmodified core is clean.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scripts', 'scenarios', 'generic', 'byzantine-random.yaml');

describe('cmt sim mutations', () => {
  it('refuses an unknown mutation', async () => {
    const r = await cmt(['sim', 'mutations', '--mutation', 'no-such-bug', SCENARIO]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no-such-bug/);
    expect(r.stderr).toMatch(/ignore-lock/);
  });

  it('prints the catch of one mutation as JSON, with the unmodified core clean', async () => {
    const r = await cmt(['sim', 'mutations', '--mutation', 'quorum-off-by-one', '--runs', '1', '--workers', '1', '--shrink-runs', '0', '-o', 'json', SCENARIO], {}, undefined, 120_000);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { mutations: { mutation: string; runs: number; caught: { property: string; scenario: string; seed: number } | null }[]; baseline: { runs: number; violations: unknown[] } };
    expect(out.mutations).toHaveLength(1);
    expect(out.mutations[0]).toMatchObject({ mutation: 'quorum-off-by-one', runs: 1, caught: { property: 'agreement', scenario: 'byzantine-random.yaml', seed: 1 } });
    expect(out.baseline).toEqual({ runs: 1, violations: [] });
  }, 130_000);
});

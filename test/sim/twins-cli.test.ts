/** `cmt sim twins` as a user runs it (the built CLI): a bounded, sampled set of cases and per property what was judged. */
import { describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

describe('cmt sim twins', () => {
  it('runs a bounded sample of cases and reports, per property, the runs that judged and violated it', async () => {
    const dir = await tempDir('twins-cli');
    try {
      const result = await cmt(['sim', 'twins', '--validators', '4', '--twins', '1', '--rounds', '1', '--max', '2', '--workers', '1', '--trace-dir', dir.path, '-o', 'json'], {}, undefined, 120_000);
      expect(result.code, result.stderr).toBe(0);
      const answer = JSON.parse(result.stdout) as { cases: number; total: number; sampled: boolean; twinned: string[]; judged: Record<string, number>; violations: Record<string, number>; failing: unknown[] };
      expect(answer).toMatchObject({ cases: 2, total: 16, sampled: true, failing: [] });
      expect(answer.twinned).toHaveLength(1);
      expect(answer.judged).toMatchObject({ agreement: 2, validity: 2, doubleSign: 2, accountability: 0 });
      const refused = await cmt(['sim', 'twins', '--twins', '9']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/twins must be a whole number from 0 to 4/);
    } finally {
      await dir.cleanup();
    }
  }, 180_000);
});

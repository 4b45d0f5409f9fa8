/**
 * The README's staking walkthrough, run as the user runs it: scripts/walkthroughs/staking.sh
 * against a new testnet. It exits 0 only if every step showed what the README says it shows.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/temp-dir.js';

describe('scripts/walkthroughs/staking.sh', () => {
  it('declares a candidate, delegates, sees it elected and signing, earns, unbonds and leaves, and exits 0', async () => {
    const dir = await tempDir('walkthrough');
    try {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile('bash', ['scripts/walkthroughs/staking.sh', '--dir', join(dir.path, 'net')], { timeout: 240_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
        });
      });
      expect(result.stderr + result.stdout).toMatch(/every step ok/);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/step 5: ok \(elected at \d+/);
    } finally {
      await dir.cleanup();
    }
  }, 300_000);
});

/**
 * A node whose output was closed keeps running (src/node/logger.ts): a write to a closed pipe
 * is an 'error' event on stdout, which with no listener ends the process. A child process logs
 * to a stdout its parent closed at once; it must reach its own exit.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGER = fileURLToPath(new URL('../../dist/src/node/logger.js', import.meta.url));

function logToClosedStdout(format: 'json' | 'text'): Promise<number | null> {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOGGER)});
    const logger = createLogger({ level: 'info', format: ${JSON.stringify(format)} });
    for (let i = 0; i < 200; i++) { logger.info({ i }, 'committed block'); await new Promise((r) => setTimeout(r, 2)); }
    process.exit(7);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.destroy();
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('a log whose output is gone', () => {
  it.each(['json', 'text'] as const)('the process keeps running (%s logs) after its stdout was closed', async (format) => {
    expect(await logToClosedStdout(format)).toBe(7);
  });
});

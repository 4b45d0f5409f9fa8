/**
 * A trace file names the mutation its run had; trace files written before mutations had
 * names said `brokenLocking: true`, and still replay as ignore-lock. A name the build does not
 * know is refused with the file's path, not run as the unmodified core.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidTraceError, readTrace, TRACE_FORMAT, writeTrace } from '../../src/sim/trace-file.js';
import type { RunSummary } from '../../src/sim/run-summary.js';

const summary: RunSummary = { seed: 3, traceHash: 'ab', heights: 1, endMs: 10, violations: [], livenessChecked: false, accountability: null } as unknown as RunSummary;

describe('trace files and mutations', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  async function traceWith(fields: Record<string, unknown>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mutation-trace-'));
    dirs.push(dir);
    const path = join(dir, 't.trace.json');
    await writeFile(path, JSON.stringify({ format: TRACE_FORMAT, scenarioSource: 's.yaml', scenarioText: 'x', seed: 3, summary, ...fields }));
    return path;
  }

  it('keeps the mutation through a write and a read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mutation-trace-'));
    dirs.push(dir);
    const path = await writeTrace(dir, 'n', { scenarioSource: 's.yaml', scenarioText: 'x', seed: 3, mutation: 'accept-old-pol', summary });
    expect((await readTrace(path)).mutation).toBe('accept-old-pol');
    expect(JSON.parse(await readFile(path, 'utf8'))).not.toHaveProperty('brokenLocking');
  });

  it('reads an old brokenLocking: true as ignore-lock, and false or absent as none', async () => {
    expect((await readTrace(await traceWith({ brokenLocking: true }))).mutation).toBe('ignore-lock');
    expect((await readTrace(await traceWith({ brokenLocking: false }))).mutation).toBeUndefined();
    expect((await readTrace(await traceWith({}))).mutation).toBeUndefined();
  });

  it('refuses a mutation it does not know, naming the file', async () => {
    for (const mutation of ['no-such-bug', 7, ['ignore-lock'], '__proto__', 'constructor']) {
      const path = await traceWith({ mutation });
      await expect(readTrace(path), JSON.stringify(mutation)).rejects.toThrow(InvalidTraceError);
      await expect(readTrace(path)).rejects.toThrow(path);
    }
  });
});

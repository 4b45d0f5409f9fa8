import { access, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATION_NAMES } from '../../src/consensus/mutations.js';
import { parseScenario } from '../../src/sim/scenario.js';
import { readTrace } from '../../src/sim/trace-file.js';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { tightScenarioYaml } from '../support/sim-scenarios.js';

/** Short runs with a liveness bound too tight for some seeds' draws: failing runs come cheap. */
const SCENARIO = tightScenarioYaml('seed: 1000\n');

interface Explored {
  runs: number;
  mutation: string | null;
  violations: Record<string, number>;
  traces: string[];
  report: string;
}

describe('cmt sim explore --report and --unsafe-mutation', () => {
  it('writes an offline HTML report with every failing seed, its trace and its picture; the mutation is loud and recorded', { timeout: 120_000 }, async () => {
    const dir = await tempDir('sim-report');
    try {
      const file = join(dir.path, 'tight.yaml');
      await writeFile(file, SCENARIO);
      const reportDir = join(dir.path, 'report');
      const result = await cmt(['sim', 'explore', file, '--runs', '2', '--workers', '1', '--trace-dir', join(dir.path, 'traces'), '--report', reportDir, '--unsafe-mutation', 'ignore-lock', '-o', 'json'], {}, undefined, 110_000);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('UNSAFE MUTATION ignore-lock');
      const explored = JSON.parse(result.stdout) as Explored;
      expect(explored.mutation).toBe('ignore-lock');
      expect(explored.traces.length).toBeGreaterThan(0);
      expect(explored.report).toBe(join(reportDir, 'index.html'));

      const html = await readFile(explored.report, 'utf8');
      expect(html.startsWith('<!DOCTYPE html>\n<html lang="en">')).toBe(true);
      expect(html.trimEnd().endsWith('</html>')).toBe(true);
      for (const tag of ['html', 'head', 'body', 'table', 'section', 'svg', 'ul', 'pre']) {
        expect(html.split(`<${tag}`).length, tag).toBe(html.split(`</${tag}>`).length);
      }
      // Offline: nothing is fetched (no script, no external stylesheet, image or font).
      expect(html).not.toMatch(/<script|<link|src=|@import|url\(/);
      expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);
      expect(html).toContain('UNSAFE MUTATION <b>ignore-lock</b>');
      expect(html.match(/<svg /g)).toHaveLength(explored.traces.length);
      for (const trace of explored.traces) {
        const recorded = await readTrace(trace);
        expect(recorded.mutation).toBe('ignore-lock');
        expect(html).toContain(`<h3>seed ${recorded.seed}</h3>`);
        expect(html).toContain(`cmt sim replay ${trace}`);
        const href = html.match(new RegExp(`<a href="([^"]+)">${trace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</a>`))?.[1];
        expect(href).toBeDefined();
        await access(resolve(reportDir, href as string));
      }
      // Every property is in the table with its violation count.
      for (const [property, count] of Object.entries(explored.violations)) expect(html).toMatch(new RegExp(`<td>${property}</td><td>[^<]*</td><td class="(ok|bad)">${count}</td>`));

      // Replay runs the trace's mutation; a flag naming another is refused rather than silently not reproducing.
      const first = explored.traces[0] as string;
      const replay = await cmt(['sim', 'replay', first, '-o', 'json']);
      expect(replay.code, replay.stderr).toBe(0);
      expect(JSON.parse(replay.stdout)).toMatchObject({ matched: true, mutation: 'ignore-lock' });
      const wrong = await cmt(['sim', 'replay', first, '--unsafe-mutation', 'accept-old-pol']);
      expect(wrong.code).toBe(2);
      expect(wrong.stderr).toMatch(/recorded with --unsafe-mutation ignore-lock; with accept-old-pol it would not reproduce/);

      // Shrink: the shrunk file alone (its own seed, the drawn strategy) reproduces the run under the mutation.
      const shrunk = await cmt(['sim', 'shrink', first, '--max-runs', '6', '-o', 'json'], {}, undefined, 110_000);
      expect(shrunk.code, shrunk.stderr).toBe(0);
      const small = JSON.parse(shrunk.stdout) as { seed: number; scenario: string; traces: string[]; property: string; mutation: string };
      const recorded = await readTrace(first);
      expect(small.seed).toBe(recorded.seed);
      expect(small.mutation).toBe('ignore-lock');
      const yaml = parseScenario(await readFile(small.scenario, 'utf8'), small.scenario);
      expect(yaml.seed).toBe(recorded.seed);
      expect(yaml.validators.some((v) => v.byzantine === 'random')).toBe(false);
      const again = await cmt(['sim', 'run', small.scenario, '--unsafe-mutation', 'ignore-lock', '--trace-dir', dirname(small.scenario), '-o', 'json']);
      expect(again.code).toBe(1);
      expect(JSON.parse(again.stdout)).toMatchObject({ traceHash: (await readTrace(small.traces[0] as string)).summary.traceHash });
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses an unknown mutation, naming the known ones', async () => {
    const result = await cmt(['sim', 'run', 'scripts/scenarios/one-byzantine.yaml', '--unsafe-mutation', 'ignore-locks']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown mutation "ignore-locks"');
    for (const name of MUTATION_NAMES) expect(result.stderr).toContain(name);
  });
});

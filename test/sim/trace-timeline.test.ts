/**
 * Trace files carry the run's timeline for the dashboard's viewer: `cmt sim run`, `explore
 * --report` and `replay` (for an older trace) write it; the trace hash, what replay compares,
 * is the same with or without it; an older trace without one still reads and replays; and
 * `run --timeline FILE` writes what it wrote before.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cmt } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';
import { readTrace, InvalidTraceError } from '../../src/sim/trace-file.js';
import type { TraceTimeline } from '../../src/sim/run-timeline.js';
import { SPLIT_SCENARIO_YAML } from '../support/sim-scenarios.js';


interface TraceJson {
  summary: { traceHash: string; violations: { property: string; message: string; at?: number; height?: number }[] };
  timeline?: TraceTimeline;
}

describe('trace files with the run timeline', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let scenario: string;
  let tracePath: string;
  let written: TraceJson;

  beforeAll(async () => {
    dir = await tempDir('trace-timeline');
    scenario = join(dir.path, 'split.yaml');
    await writeFile(scenario, SPLIT_SCENARIO_YAML);
    const r = await cmt(['sim', 'run', scenario, '--unsafe-mutation', 'quorum-off-by-one', '--trace-dir', join(dir.path, 'traces'), '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    tracePath = (JSON.parse(r.stdout) as { traces: string[] }).traces[0] as string;
    written = JSON.parse(await readFile(tracePath, 'utf8')) as TraceJson;
  }, 60_000);
  afterAll(() => dir.cleanup());

  it('embeds the timeline of the violating run: validators, heights, the partition as applied, votes', () => {
    const t = written.timeline as TraceTimeline;
    expect(t.traceHash).toBe(written.summary.traceHash);
    expect(t.validators.map((v) => v.name)).toEqual(['v0', 'v1', 'v2', 'v3']);
    expect(t.appliedFaults).toEqual([{ index: 0, description: 'partition v0,v1 | v2,v3', start: 1000, end: 2500 }]);
    expect(t.decisions.every((d) => d.length > 0)).toBe(true);
    expect(t.perValidator.every((v) => v.votes.length > 0 && v.proposals.length > 0)).toBe(true);
    expect(Object.values(t.omitted)).toEqual(Object.values(t.omitted).map(() => 0));
  });

  it('says when and at which height the fork happened: when its second block was decided', () => {
    const t = written.timeline as TraceTimeline;
    const fork = written.summary.violations.find((v) => v.property === 'agreement');
    expect(fork?.height).toBeGreaterThan(0);
    const decided = t.decisions.flatMap((d) => d.filter((x) => x.height === fork?.height));
    const firstOf = new Map<string, number>();
    for (const d of decided) firstOf.set(d.blockHash, Math.min(firstOf.get(d.blockHash) ?? Infinity, d.at));
    expect(firstOf.size).toBe(2);
    expect(fork?.at).toBe(Math.max(...firstOf.values()));
    expect(fork?.at).toBeGreaterThanOrEqual(1000);
    expect(fork?.at).toBeLessThan(2500);
    expect(t.check.violations).toEqual(written.summary.violations);
  });

  it('replays to the same trace hash, and leaves a trace that has a timeline as it was', async () => {
    const before = await readFile(tracePath, 'utf8');
    const r = await cmt(['sim', 'replay', tracePath, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: true, timelineAdded: false, traceHash: written.summary.traceHash });
    expect(await readFile(tracePath, 'utf8')).toBe(before);
  }, 60_000);

  it('reads a trace written before timelines, and replay adds one without changing the recorded run', async () => {
    const old = join(dir.path, 'old.trace.json');
    const { timeline: _t, ...rest } = written;
    const bare = { ...rest, summary: { ...written.summary, violations: written.summary.violations.map(({ property, message }) => ({ property, message })) } };
    await writeFile(old, JSON.stringify(bare, null, 2));
    expect((await readTrace(old)).timeline).toBeUndefined();
    const r = await cmt(['sim', 'replay', old, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ matched: true, timelineAdded: true });
    const after = await readTrace(old);
    expect(after.summary).toEqual(bare.summary);
    expect(after.timeline?.traceHash).toBe(written.summary.traceHash);
    expect(after.timeline?.appliedFaults).toEqual(written.timeline?.appliedFaults);
    const again = await cmt(['sim', 'replay', old, '-o', 'json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ matched: true, timelineAdded: false });
  }, 60_000);

  it('refuses a timeline of another run', async () => {
    const forged = join(dir.path, 'forged.trace.json');
    await writeFile(forged, JSON.stringify({ ...written, timeline: { ...written.timeline, traceHash: 'ab'.repeat(32) } }));
    await expect(readTrace(forged)).rejects.toThrow(InvalidTraceError);
    await writeFile(forged, JSON.stringify({ ...written, timeline: [] }));
    await expect(readTrace(forged)).rejects.toThrow(/timeline/);
  });

  it('keeps run --timeline FILE as it was: the run, with no trace-only fields', async () => {
    const file = join(dir.path, 'timeline.json');
    const r = await cmt(['sim', 'run', scenario, '--unsafe-mutation', 'quorum-off-by-one', '--trace-dir', join(dir.path, 'traces2'), '--timeline', file]);
    expect(r.code, r.stderr).toBe(1);
    const t = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(t).sort()).toEqual(['check', 'decisions', 'endMs', 'faults', 'gstMs', 'mutation', 'perValidator', 'scenario', 'seed', 'timeline', 'traceHash', 'validators'].sort());
    expect(t.traceHash).toBe(written.summary.traceHash);
  }, 60_000);

  it('gives explore --report traces the timeline of the failing runs it runs again', async () => {
    const traces = join(dir.path, 'explore-traces');
    const r = await cmt(['sim', 'explore', scenario, '--runs', '1', '--workers', '1', '--unsafe-mutation', 'quorum-off-by-one', '--trace-dir', traces, '--report', join(dir.path, 'report'), '-o', 'json'], {}, undefined, 90_000);
    expect(r.code, r.stderr).toBe(1);
    const [path] = (JSON.parse(r.stdout) as { traces: string[] }).traces;
    const t = await readTrace(path as string);
    expect(t.timeline?.traceHash).toBe(t.summary.traceHash);
    expect(t.timeline?.traceHash).toBe(written.summary.traceHash);
  }, 100_000);
});

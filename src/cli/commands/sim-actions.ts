/** What `cmt sim run|explore|shrink|replay` do: loaded only when one of them runs (spec/performance.md, "Start-up"). */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { MutationName } from '../../consensus/mutations.js';
import { PROPERTIES, type Property } from '../../sim/checkers.js';
import { explore, type ExploreResult } from '../../sim/explore.js';
import { exploreReportHtml } from '../../sim/explore-report.js';
import { runTimeline, traceTimeline } from '../../sim/run-timeline.js';
import { runScenario } from '../../sim/run-scenario.js';
import { summaryOf, violatedProperties, type RunSummary } from '../../sim/run-summary.js';
import { timelineSvg } from '../../sim/timeline-svg.js';
import { scenarioToYaml } from '../../sim/scenario-yaml.js';
import { shrink, targetProperty } from '../../sim/shrink.js';
import { parseScenario, readScenarioFile } from '../../sim/scenario.js';
import type { Scenario } from '../../sim/scenario-types.js';
import type { SimRun } from '../../sim/run-types.js';
import { readTrace, writeTrace, writeTraceAt } from '../../sim/trace-file.js';
import { announce, traceMutation } from '../mutation-flag.js';
import { CommandError, printResult, table, type OutputFormat } from '../output.js';

async function load(path: string): Promise<{ path: string; text: string; scenario: Scenario }> {
  return { path, ...(await readScenarioFile(path)) };
}

/** Failing runs whose picture the explore report embeds; past it they are listed with their trace. */
const MAX_REPORT_PICTURES = 20;

function violationLines(s: RunSummary): string[] {
  return s.violations.map((v) => `  ${v.property}: ${v.message}`);
}

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

export type SimRunOptions = { seed?: number; traceDir: string; timeline?: string; svg?: string; unsafeMutation?: MutationName; output: OutputFormat };

export async function simRun(file: string, o: SimRunOptions): Promise<void> {
    const { path, text, scenario } = await load(file);
    const seed = o.seed ?? scenario.seed;
    const mutation = o.unsafeMutation;
    const banner = announce(mutation, o.output);
    const result = await runScenario(scenario, seed, mutation ? { mutation } : {});
    const summary = summaryOf(result);
    if (o.timeline) await writeFile(o.timeline, JSON.stringify(runTimeline(result.run, result.check, scenario.name, mutation ?? null), null, 1) + '\n');
    if (o.svg) await writeFile(o.svg, timelineSvg(result.run, scenario.faults, pictureTitle(scenario.name, seed, summary, mutation)));
    const violated = violatedProperties(summary);
    const timeline = violated.length > 0 ? traceTimeline(result.run, result.check, scenario, mutation ?? null) : undefined;
    const traces = timeline ? [await writeTrace(o.traceDir, scenario.name, { scenarioSource: path, scenarioText: text, seed, ...(mutation ? { mutation } : {}), summary, timeline })] : [];
    const violations = Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0]));
    const staking = stakingOf(result.run);
    const refused = result.run.refusedToStart ?? [];
    printResult(o.output, { runs: 1, mutation: mutation ?? null, violations, traces, seed, traceHash: summary.traceHash, heights: summary.heights, livenessChecked: summary.livenessChecked, accountability: summary.accountability, details: summary.violations, refusedToStart: refused, ...staking }, () =>
      [
        ...banner,
        table([
          ['scenario', `${scenario.name} (${basename(path)})`],
          ['seed', String(seed)],
          ['virtual time', `${summary.endMs} ms`],
          ['heights', String(summary.heights)],
          ['trace hash', summary.traceHash],
          ...PROPERTIES.map((p): [string, string] => [p, violated.includes(p) ? 'VIOLATED' : !summary.judged.includes(p) ? `not judged${p === 'liveness' ? ` (${summary.livenessReason})` : p === 'accountability' ? ' (no fork)' : p === 'locking' ? ' (not every vote was seen)' : ''}` : 'ok']),
          ...staking.setChanges.map((c): [string, string] => [`set at ${c.height}`, c.change]),
          ...(staking.committedEvidence.length > 0 ? [['evidence committed', staking.committedEvidence.map((e) => `${e.validator} at ${e.height}`).join(', ')] as [string, string]] : []),
          ...(summary.accountability ? [['accountability', `evidence names ${summary.accountability.named.join(', ') || 'nobody'} (${summary.accountability.namedPower}/${summary.accountability.totalPower} of the power)`] as [string, string]] : []),
          ...refused.map((r): [string, string] => [`${r.node} refused to start`, `at ${r.at} ms: ${r.reason}`]),
          ...traces.map((t): [string, string] => ['trace', t]),
        ]),
        ...violationLines(summary),
      ].join('\n'),
    );
    if (violated.length > 0) process.exitCode = 1;
}

export type SimExploreOptions = { runs: number; firstSeed: number; workers?: number; traceDir: string; report?: string; unsafeMutation?: MutationName; output: OutputFormat };

export async function simExplore(file: string, o: SimExploreOptions): Promise<void> {
    const { path, text, scenario } = await load(file);
    const mutation = o.unsafeMutation;
    const banner = announce(mutation, o.output);
    const result = await explore(scenario, { runs: o.runs, firstSeed: o.firstSeed, ...(o.workers ? { workers: o.workers } : {}), ...(mutation ? { mutation } : {}), onProgress: progressBar });
    const traces: string[] = [];
    const svgs: (string | null)[] = [];
    for (const [i, summary] of result.failing.entries()) {
      // The report's failing runs are run again for their pictures (a run is a function of its seed); their traces get the timeline too.
      const again = o.report && i < MAX_REPORT_PICTURES ? await runScenario(scenario, summary.seed, mutation ? { mutation } : {}) : undefined;
      svgs.push(again ? timelineSvg(again.run, scenario.faults, pictureTitle(scenario.name, summary.seed, summary, mutation)) : null);
      const timeline = again ? { timeline: traceTimeline(again.run, again.check, scenario, mutation ?? null) } : {};
      traces.push(await writeTrace(o.traceDir, scenario.name, { scenarioSource: path, scenarioText: text, seed: summary.seed, ...(mutation ? { mutation } : {}), summary, ...timeline }));
    }
    const report = o.report ? await writeReport(o.report, { path, scenario, result, traces, svgs, firstSeed: o.firstSeed, ...(mutation ? { mutation } : {}) }) : undefined;
    const perSecond = result.heights / (result.wallMs / 1000);
    printResult(o.output, { runs: result.runs, mutation: mutation ?? null, violations: result.violations, judged: result.judged, traces, ...(report ? { report } : {}), heights: result.heights, wallMs: Math.round(result.wallMs) }, () =>
      [
        ...banner,
        table([
          ['scenario', `${scenario.name} (${basename(path)})`],
          ['runs', `${result.runs} (seeds ${o.firstSeed}..${o.firstSeed + result.runs - 1})`],
          ...PROPERTIES.map((p): [string, string] => [p, `${result.violations[p] === 0 ? 'no violation' : `VIOLATED in ${result.violations[p]} run(s)`} (judged in ${result.judged[p]} of ${result.runs})`]),
          ['speed', `${perSecond.toFixed(0)} simulated heights/s over ${(result.wallMs / 1000).toFixed(1)} s`],
          ...(report ? [['report', report] as [string, string]] : []),
        ]),
        ...(traces.length > 0 ? ['traces (replay with "cmt sim replay FILE"):', ...traces.slice(0, 20).map((t) => `  ${t}`), ...(traces.length > 20 ? [`  ... and ${traces.length - 20} more`] : [])] : []),
      ].join('\n'),
    );
    if (traces.length > 0) process.exitCode = 1;
}

export type SimShrinkOptions = { property?: string; maxRuns: number; unsafeMutation?: MutationName; output: OutputFormat };

export async function simShrink(file: string, o: SimShrinkOptions): Promise<void> {
    const trace = await readTrace(file);
    const mutation = traceMutation(file, trace.mutation, o.unsafeMutation);
    const banner = announce(mutation, o.output);
    const scenario = parseScenario(trace.scenarioText, trace.scenarioSource);
    if (o.property !== undefined && !(PROPERTIES as readonly string[]).includes(o.property)) throw new CommandError(`--property must be one of ${PROPERTIES.join(', ')}`, 'INVALID_ARGUMENT');
    const property = (o.property as Property | undefined) ?? targetProperty(trace.summary.violations);
    if (!property) throw new CommandError(`${file} records no violation to shrink`, 'INVALID_ARGUMENT');
    const result = await shrink(scenario, trace.seed, property, { ...(mutation ? { mutation } : {}), maxRuns: o.maxRuns });
    // The shrunk scenario carries the failing seed and the strategies it drew: the YAML alone reproduces it (with the mutation, if any).
    const shrunk = { ...result.scenario, name: `${scenario.name}-shrunk` };
    const scenarioText = scenarioToYaml(shrunk);
    const out = await writeTrace(dirname(file), shrunk.name, { scenarioSource: `${shrunk.name}.yaml`, scenarioText, seed: shrunk.seed, ...(mutation ? { mutation } : {}), summary: result.summary });
    const yamlPath = out.replace(/\.trace\.json$/, '.yaml');
    await writeFile(yamlPath, scenarioText);
    const violated = violatedProperties(result.summary);
    printResult(
      o.output,
      { runs: result.runs, mutation: mutation ?? null, property, violations: Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0])), traces: [out], scenario: yamlPath, seed: shrunk.seed, steps: result.steps, simulatorFailures: result.crashes, validators: shrunk.validators.length, faults: shrunk.faults.length, durationMs: shrunk.durationMs, traceHash: result.summary.traceHash },
      () =>
        [
          ...banner,
          table([
            ['property', `${property} (still violated with seed ${trace.seed})`],
            ['validators', `${scenario.validators.length} -> ${shrunk.validators.length}`],
            ['faults', `${scenario.faults.length} -> ${shrunk.faults.length}`],
            ['byzantine', `${scenario.validators.filter((v) => v.byzantine).length} -> ${shrunk.validators.filter((v) => v.byzantine).length}`],
            ['run length', `${scenario.durationMs} ms -> ${shrunk.durationMs} ms`],
            ['runs tried', String(result.runs)],
            ['trace', out],
            ['scenario', yamlPath],
          ]),
          ...(result.steps.length > 0 ? ['kept simplifications:', ...result.steps.map((step) => `  ${step}`)] : ['no simplification kept the violation']),
          ...(result.crashes.length > 0 ? ['SIMULATOR FAILED on these candidates (skipped; a bug of the simulator or the node to report):', ...result.crashes.map((c) => `  ${c}`)] : []),
        ].join('\n'),
    );
}

export type SimReplayOptions = { unsafeMutation?: MutationName; output: OutputFormat };

export async function simReplay(file: string, o: SimReplayOptions): Promise<void> {
    const trace = await readTrace(file);
    const mutation = traceMutation(file, trace.mutation, o.unsafeMutation);
    const banner = announce(mutation, o.output);
    const scenario = parseScenario(trace.scenarioText, trace.scenarioSource);
    const result = await runScenario(scenario, trace.seed, mutation ? { mutation } : {});
    const summary = summaryOf(result);
    const matched = summary.traceHash === trace.summary.traceHash;
    const violated = violatedProperties(summary);
    // An older trace gets the run's timeline for the dashboard's viewer: only from a run that reproduced it.
    const timelineAdded = matched && trace.timeline === undefined;
    if (timelineAdded) await writeTraceAt(file, { ...trace, timeline: traceTimeline(result.run, result.check, scenario, mutation ?? null) });
    printResult(
      o.output,
      { runs: 1, mutation: mutation ?? null, violations: Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0])), traces: [file], traceHash: summary.traceHash, expectedTraceHash: trace.summary.traceHash, matched, timelineAdded, details: summary.violations },
      () =>
        [
          ...banner,
          table([
            ['trace', file],
            ['scenario', `${scenario.name}, seed ${trace.seed}`],
            ['trace hash', summary.traceHash],
            ['recorded', trace.summary.traceHash],
            ['replay', matched ? 'identical, event for event' : 'DIFFERENT: the run did not reproduce'],
            ...(timelineAdded ? [['timeline', 'added to the trace (for the dashboard)'] as [string, string]] : []),
          ]),
          ...violationLines(summary),
        ].join('\n'),
    );
    if (!matched) process.exitCode = 1;
}

function pictureTitle(name: string, seed: number, summary: RunSummary, mutation: MutationName | undefined): string {
  const verdict = summary.violations.length === 0 ? 'no violation' : [...new Set(summary.violations.map((v) => v.property))].join(', ') + ' violated';
  return `${name}, seed ${seed}${mutation ? ` (UNSAFE MUTATION ${mutation})` : ''}: ${verdict}`;
}

/** The explore report: per failing run its violations, trace and picture (`svgs[i]`, null past MAX_REPORT_PICTURES). */
async function writeReport(
  dir: string,
  r: { path: string; scenario: Scenario; result: ExploreResult; traces: string[]; svgs: (string | null)[]; firstSeed: number; mutation?: MutationName },
): Promise<string> {
  await mkdir(dir, { recursive: true });
  const failing = [];
  for (const [i, summary] of r.result.failing.entries()) {
    const trace = r.traces[i] as string;
    const svg = r.svgs[i] ?? null;
    failing.push({ seed: summary.seed, violations: summary.violations, traceHref: relative(dir, trace).split('\\').join('/'), tracePath: trace, svg });
  }
  const properties = PROPERTIES.map((p) => ({ name: p, judged: r.result.judged[p], violated: r.result.violations[p] }));
  const html = exploreReportHtml({ scenario: r.scenario.name, source: r.path, runs: r.result.runs, firstSeed: r.firstSeed, mutation: r.mutation ?? null, properties, failing });
  const out = join(dir, 'index.html');
  await writeFile(out, html);
  return out;
}

/** What staking did during a run, by validator name: each change of the signing set, and the evidence blocks committed. */
function stakingOf(run: SimRun): { setChanges: { height: number; change: string }[]; committedEvidence: { height: number; validator: string }[] } {
  const name = (address: string): string => run.validators.find((v) => v.address === address)?.name ?? address.slice(0, 12);
  const sets = run.validatorSets ?? [];
  const setChanges = sets.slice(1).map((set, i) => {
    const before = (sets[i] as (typeof sets)[number]).powers;
    const addresses = [...new Set([...Object.keys(before), ...Object.keys(set.powers)])].sort();
    const change = addresses
      .filter((a) => before[a] !== set.powers[a])
      .map((a) => (set.powers[a] === undefined ? `${name(a)} left` : before[a] === undefined ? `${name(a)} joined (${set.powers[a]})` : `${name(a)} ${before[a]} → ${set.powers[a]}`))
      .join(', ');
    return { height: set.height, change };
  });
  const seen = new Set<string>();
  const committedEvidence = (run.committedEvidence ?? [])
    .filter((e) => !seen.has(e.validator) && seen.add(e.validator))
    .map((e) => ({ height: e.height, validator: name(e.validator) }));
  return { setChanges, committedEvidence };
}

/** `cmt sim run|explore|shrink|replay`: the deterministic consensus simulator (spec/faults.md). */
import { writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Command } from 'commander';
import { PROPERTIES, type Property } from '../../sim/checkers.js';
import { explore } from '../../sim/explore.js';
import { runScenario } from '../../sim/run-scenario.js';
import { summarize, summaryOf, violatedProperties, type RunSummary } from '../../sim/run-summary.js';
import { timelineSvg } from '../../sim/timeline-svg.js';
import { scenarioToYaml } from '../../sim/scenario-yaml.js';
import { shrink } from '../../sim/shrink.js';
import { parseScenario, readScenarioFile } from '../../sim/scenario.js';
import type { Scenario } from '../../sim/scenario-types.js';
import type { SimRun } from '../../sim/run-types.js';
import { readTrace, writeTrace } from '../../sim/trace-file.js';
import { optionParser, parseNonNegativeInt, parsePositiveInt } from '../arguments.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';

async function load(path: string): Promise<{ path: string; text: string; scenario: Scenario }> {
  return { path, ...(await readScenarioFile(path)) };
}

function violationLines(s: RunSummary): string[] {
  return s.violations.map((v) => `  ${v.property}: ${v.message}`);
}

function progressBar(done: number, total: number): void {
  if (!process.stderr.isTTY) return;
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description('the deterministic consensus simulator: seeded faults, checked properties, exact replay');

  sim
    .command('run <scenario>')
    .description('one run of a scenario file; prints what each property checker found')
    .option('--seed <n>', "the run's seed (default: the scenario's)", optionParser(parseNonNegativeInt))
    .option('--trace-dir <dir>', 'write a trace file here if a property is violated', 'sim-traces')
    .option('--timeline <file>', 'write the run as JSON: decisions, height/round/step changes per validator, faults applied')
    .option('--svg <file>', 'write a picture: heights over virtual time per validator, faults shaded')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: { seed?: number; traceDir: string; timeline?: string; svg?: string; output: OutputFormat }) => {
      const { path, text, scenario } = await load(file);
      const seed = o.seed ?? scenario.seed;
      const result = await runScenario(scenario, seed);
      const summary = summaryOf(result);
      if (o.timeline) {
        const { validators, decisions, timeline, faults, gstMs, endMs, traceHash } = result.run;
        await writeFile(o.timeline, JSON.stringify({ scenario: scenario.name, seed, traceHash, endMs, gstMs, validators, decisions, timeline, faults, check: result.check }, null, 1) + '\n');
      }
      if (o.svg) await writeFile(o.svg, timelineSvg(result.run, scenario.faults, `${scenario.name}, seed ${seed}: ${summary.violations.length === 0 ? 'no violation' : [...new Set(summary.violations.map((v) => v.property))].join(', ') + ' violated'}`));
      const violated = violatedProperties(summary);
      const traces = violated.length > 0 ? [await writeTrace(o.traceDir, scenario.name, { scenarioSource: path, scenarioText: text, seed, summary })] : [];
      const violations = Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0]));
      const staking = stakingOf(result.run);
      printResult(o.output, { runs: 1, violations, traces, seed, traceHash: summary.traceHash, heights: summary.heights, livenessChecked: summary.livenessChecked, accountability: summary.accountability, details: summary.violations, ...staking }, () =>
        [
          table([
            ['scenario', `${scenario.name} (${basename(path)})`],
            ['seed', String(seed)],
            ['virtual time', `${summary.endMs} ms`],
            ['heights', String(summary.heights)],
            ['trace hash', summary.traceHash],
            ...PROPERTIES.map((p): [string, string] => [p, violated.includes(p) ? 'VIOLATED' : p === 'liveness' && !summary.livenessChecked ? 'not judged (no GST within the run)' : 'ok']),
            ...staking.setChanges.map((c): [string, string] => [`set at ${c.height}`, c.change]),
            ...(staking.committedEvidence.length > 0 ? [['evidence committed', staking.committedEvidence.map((e) => `${e.validator} at ${e.height}`).join(', ')] as [string, string]] : []),
            ...(summary.accountability ? [['accountability', `evidence names ${summary.accountability.named.join(', ') || 'nobody'} (${summary.accountability.namedPower}/${summary.accountability.totalPower} of the power)`] as [string, string]] : []),
            ...traces.map((t): [string, string] => ['trace', t]),
          ]),
          ...violationLines(summary),
        ].join('\n'),
      );
      if (violated.length > 0) process.exitCode = 1;
    });

  sim
    .command('explore <scenario>')
    .description('many seeds of a scenario on every core; counts the runs that violated each property and writes a trace for each')
    .option('--runs <n>', 'how many seeds', optionParser(parsePositiveInt), 100)
    .option('--first-seed <n>', 'the first seed (then +1 each run)', optionParser(parseNonNegativeInt), 1)
    .option('--workers <n>', 'worker threads (default: the number of cores)', optionParser(parsePositiveInt))
    .option('--trace-dir <dir>', 'where trace files of violating runs go', 'sim-traces')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: { runs: number; firstSeed: number; workers?: number; traceDir: string; output: OutputFormat }) => {
      const { path, text, scenario } = await load(file);
      const result = await explore(scenario, { runs: o.runs, firstSeed: o.firstSeed, ...(o.workers ? { workers: o.workers } : {}), onProgress: progressBar });
      const traces: string[] = [];
      for (const summary of result.failing) traces.push(await writeTrace(o.traceDir, scenario.name, { scenarioSource: path, scenarioText: text, seed: summary.seed, summary }));
      const perSecond = result.heights / (result.wallMs / 1000);
      printResult(o.output, { runs: result.runs, violations: result.violations, traces, heights: result.heights, wallMs: Math.round(result.wallMs) }, () =>
        [
          table([
            ['scenario', `${scenario.name} (${basename(path)})`],
            ['runs', `${result.runs} (seeds ${o.firstSeed}..${o.firstSeed + result.runs - 1})`],
            ...PROPERTIES.map((p): [string, string] => [p, result.violations[p] === 0 ? 'no violation' : `violated in ${result.violations[p]} run(s)`]),
            ['speed', `${perSecond.toFixed(0)} simulated heights/s over ${(result.wallMs / 1000).toFixed(1)} s`],
          ]),
          ...(traces.length > 0 ? ['traces (replay with "cmt sim replay FILE"):', ...traces.slice(0, 20).map((t) => `  ${t}`), ...(traces.length > 20 ? [`  ... and ${traces.length - 20} more`] : [])] : []),
        ].join('\n'),
      );
      if (traces.length > 0) process.exitCode = 1;
    });

  sim
    .command('shrink <trace>')
    .description('reduces a failing trace to a shorter schedule (fewer faults, fewer Byzantine validators, a quieter network, a shorter run) that still fails with the same seed')
    .option('--property <name>', `the property that must stay violated (${PROPERTIES.join('|')}; default: the first the trace violated)`)
    .option('--max-runs <n>', 'give up simplifying after this many runs', optionParser(parsePositiveInt), 300)
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: { property?: string; maxRuns: number; output: OutputFormat }) => {
      const trace = await readTrace(file);
      const scenario = parseScenario(trace.scenarioText, trace.scenarioSource);
      const property = (o.property ?? trace.summary.violations[0]?.property) as Property | undefined;
      if (!property || !(PROPERTIES as readonly string[]).includes(property)) {
        throw new CommandError(o.property ? `--property must be one of ${PROPERTIES.join(', ')}` : `${file} records no violation to shrink`, 'INVALID_ARGUMENT');
      }
      const result = await shrink(scenario, trace.seed, property, { ...(trace.mutation ? { mutation: trace.mutation } : {}), maxRuns: o.maxRuns });
      const shrunk = { ...result.scenario, name: `${scenario.name}-shrunk` };
      const scenarioText = scenarioToYaml(shrunk);
      const out = await writeTrace(dirname(file), shrunk.name, { scenarioSource: `${shrunk.name}.yaml`, scenarioText, seed: trace.seed, ...(trace.mutation ? { mutation: trace.mutation } : {}), summary: result.summary });
      const yamlPath = out.replace(/\.trace\.json$/, '.yaml');
      await writeFile(yamlPath, scenarioText);
      const violated = violatedProperties(result.summary);
      printResult(
        o.output,
        { runs: result.runs, violations: Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0])), traces: [out], scenario: yamlPath, steps: result.steps, faults: shrunk.faults.length, durationMs: shrunk.durationMs, traceHash: result.summary.traceHash },
        () =>
          [
            table([
              ['property', `${property} (still violated with seed ${trace.seed})`],
              ['faults', `${scenario.faults.length} -> ${shrunk.faults.length}`],
              ['byzantine', `${scenario.validators.filter((v) => v.byzantine).length} -> ${shrunk.validators.filter((v) => v.byzantine).length}`],
              ['run length', `${scenario.durationMs} ms -> ${shrunk.durationMs} ms`],
              ['runs tried', String(result.runs)],
              ['trace', out],
              ['scenario', yamlPath],
            ]),
            ...(result.steps.length > 0 ? ['kept simplifications:', ...result.steps.map((step) => `  ${step}`)] : ['no simplification kept the violation']),
          ].join('\n'),
      );
    });

  sim
    .command('replay <trace>')
    .description('runs a trace file again and checks that the run is the same, event for event (its trace hash)')
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: { output: OutputFormat }) => {
      const trace = await readTrace(file);
      const scenario = parseScenario(trace.scenarioText, trace.scenarioSource);
      const summary = await summarize({ scenario, seed: trace.seed, ...(trace.mutation ? { mutation: trace.mutation } : {}) });
      const matched = summary.traceHash === trace.summary.traceHash;
      const violated = violatedProperties(summary);
      printResult(
        o.output,
        { runs: 1, violations: Object.fromEntries(PROPERTIES.map((p) => [p, violated.includes(p) ? 1 : 0])), traces: [file], traceHash: summary.traceHash, expectedTraceHash: trace.summary.traceHash, matched, details: summary.violations },
        () =>
          [
            table([
              ['trace', file],
              ['scenario', `${scenario.name}, seed ${trace.seed}`],
              ['trace hash', summary.traceHash],
              ['recorded', trace.summary.traceHash],
              ['replay', matched ? 'identical, event for event' : 'DIFFERENT: the run did not reproduce'],
            ]),
            ...violationLines(summary),
          ].join('\n'),
      );
      if (!matched) process.exitCode = 1;
    });
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

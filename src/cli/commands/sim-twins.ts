/**
 * `cmt sim twins`: the Twins generator's cases (src/sim/twins.ts, spec/faults.md "Twins") run
 * on the explore worker pool; a table of what each property did, the failing cases with their
 * per-round partitions, and a trace file per failing case (replayable with `cmt sim replay`).
 */
import type { Command } from 'commander';
import { isMutation, MUTATION_NAMES, MUTATIONS, type MutationName } from '../../consensus/mutations.js';
import { PROPERTIES } from '../../sim/checkers.js';
import { optionParser, parseNonNegativeInt, parsePositiveInt } from '../arguments.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';

interface TwinsFlags {
  validators: number;
  twins: number;
  rounds: number;
  groups: number;
  height: number;
  max: number;
  seed: number;
  workers?: number;
  traceDir: string;
  unsafeMutation?: MutationName;
  output: OutputFormat;
}

function parseMutation(value: string): MutationName {
  if (!isMutation(value)) throw new CommandError(`unknown mutation "${value}"; the mutations are: ${MUTATION_NAMES.join(', ')}`, 'INVALID_ARGUMENT');
  return value;
}

const describeRound = (groups: string[][]): string => (groups.length < 2 ? 'connected' : groups.map((g) => `{${g.join(',')}}`).join(' '));

export function registerSimTwinsCommand(sim: Command): void {
  sim
    .command('twins')
    .description('Twins (Bano et al. 2022): f validators run twice with one key; every partition per round of one height (up to --max, seeded sample beyond), run on every core')
    .option('--validators <n>', 'validators (v0, v1, ...), power 10 each', optionParser(parsePositiveInt), 4)
    .option('--twins <n>', 'validators that get a twin: the proposers of the attacked rounds first', optionParser(parseNonNegativeInt), 1)
    .option('--rounds <n>', 'rounds of the attacked height, each with its own partition', optionParser(parsePositiveInt), 2)
    .option('--groups <n>', 'at most this many groups per partition (2 or 3)', optionParser(parsePositiveInt), 2)
    .option('--height <n>', 'the attacked height', optionParser(parsePositiveInt), 1)
    .option('--max <n>', 'run at most this many cases', optionParser(parsePositiveInt), 200)
    .option('--seed <n>', 'draws the cases when there are more than --max, and seeds every run', optionParser(parseNonNegativeInt), 1)
    .option('--workers <n>', 'worker threads (default: the number of cores)', optionParser(parsePositiveInt))
    .option('--trace-dir <dir>', 'where trace files of failing cases go', 'sim-traces')
    .option('--unsafe-mutation <name>', `UNSAFE, simulator only: correct validators run a deliberately broken core (${MUTATION_NAMES.join('|')})`, optionParser(parseMutation))
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (o: TwinsFlags) => {
      const [{ runTasks, tally }, { scenarioToYaml }, { writeTrace }, { TwinsError, twinsPlan }] = await Promise.all([import('../../sim/explore.js'), import('../../sim/scenario-yaml.js'), import('../../sim/trace-file.js'), import('../../sim/twins.js')]);
      let plan;
      try {
        plan = twinsPlan({ validators: o.validators, twins: o.twins, rounds: o.rounds, groups: o.groups, height: o.height, max: o.max, seed: o.seed });
      } catch (err) {
        if (err instanceof TwinsError) throw new CommandError(err.message, 'INVALID_ARGUMENT');
        throw err;
      }
      const mutation = o.unsafeMutation;
      const banner = mutation ? `UNSAFE MUTATION ${mutation}: ${MUTATIONS[mutation]} (correct validators run a deliberately broken core)` : null;
      if (banner && o.output === 'json') process.stderr.write(banner + '\n');
      const started = performance.now();
      const summaries = await runTasks(
        plan.cases.map((c) => ({ scenario: c.scenario, seed: c.scenario.seed, stopAtHeight: c.stopAtHeight, ...(mutation ? { mutation } : {}) })),
        o.workers,
        (done, total) => process.stderr.isTTY && process.stderr.write(`\r${done}/${total} cases${done === total ? '\n' : ''}`),
      );
      const result = tally(summaries);
      const failing = plan.cases.flatMap((c, i) => {
        const s = summaries[i];
        return s && s.violations.length > 0 ? [{ case: c, summary: s }] : [];
      });
      const traces: string[] = [];
      for (const f of failing) {
        traces.push(await writeTrace(o.traceDir, f.case.scenario.name, { scenarioSource: `${f.case.scenario.name}.yaml`, scenarioText: scenarioToYaml(f.case.scenario), seed: f.summary.seed, ...(mutation ? { mutation } : {}), summary: f.summary }));
      }
      const wallMs = performance.now() - started;
      printResult(
        o.output,
        {
          cases: plan.cases.length,
          total: plan.total,
          sampled: plan.sampled,
          twinned: plan.twinned,
          leaders: plan.leaders,
          mutation: mutation ?? null,
          violations: result.violations,
          judged: result.judged,
          failing: failing.map((f) => ({ index: f.case.index, partitions: f.case.partitions, violations: f.summary.violations })),
          traces,
          wallMs: Math.round(wallMs),
        },
        () =>
          [
            ...(banner ? [banner] : []),
            table([
              ['cases', `${plan.cases.length} of ${plan.total}${plan.sampled ? ` (drawn with seed ${o.seed})` : ''}`],
              ['twins', plan.twinned.length === 0 ? 'none' : plan.twinned.map((v) => `${v} (and ${v}-twin)`).join(', ')],
              ['leaders', plan.leaders.length === 0 ? 'not known in advance past height 1' : plan.leaders.map((l, r) => `round ${r}: ${l}`).join(', ')],
              ...PROPERTIES.map((p): [string, string] => [p, `judged in ${result.judged[p]}, violated in ${result.violations[p]}`]),
              ['time', `${(wallMs / 1000).toFixed(1)} s`],
            ]),
            ...failing.slice(0, 20).map((f, i) => [`case ${f.case.index}: ${f.case.partitions.map((g, r) => `round ${r} ${describeRound(g)}`).join('; ')}`, ...f.summary.violations.map((v) => `  ${v.property}: ${v.message}`), `  trace: ${traces[i]}`].join('\n')),
            ...(failing.length > 20 ? [`... and ${failing.length - 20} more failing cases`] : []),
          ].join('\n'),
      );
      if (failing.length > 0) process.exitCode = 1;
    });
}

/**
 * `cmt sim mutations`: the catch table (spec/faults.md, "Mutations and their catch table").
 * Runs the generic scenarios against each deliberate bug of the core and against the
 * unmodified core, and says per mutation whether a checker caught it, after how many runs,
 * in which scenario and seed, and how short the shrunk schedule is.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { MUTATION_NAMES, MUTATIONS, type MutationName } from '../../consensus/mutations.js';
import type { CatchResult, CatchScenario } from '../../sim/mutation-catch.js';
import { optionParser, parseNonNegativeInt, parsePositiveInt } from '../arguments.js';
import { parseMutation } from '../mutation-flag.js';
import { CommandError, parseOutputFormat, printResult, table, type OutputFormat } from '../output.js';

/** The shipped scenarios that were written without any mutation in mind (besides scripts/scenarios/generic/). */
const SHIPPED_GENERIC = ['partition-heal.yaml', 'one-byzantine.yaml'];

/** The repository's scripts/scenarios, from the source or the build. */
function shippedScenarioDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new CommandError('cannot find the shipped scenarios: name scenario files or directories', 'INVALID_ARGUMENT');
    dir = up;
  }
  return join(dir, 'scripts', 'scenarios');
}

async function defaultFiles(): Promise<string[]> {
  const root = shippedScenarioDir();
  const generic = join(root, 'generic');
  return [...(await yamlIn(generic)), ...SHIPPED_GENERIC.map((f) => join(root, f))];
}

/** The .yaml files of a directory, by name (a fixed order: the run sequence depends on it). */
async function yamlIn(dir: string): Promise<string[]> {
  return (await readdir(dir))
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort()
    .map((f) => join(dir, f));
}

async function scenarioFiles(paths: string[]): Promise<string[]> {
  if (paths.length === 0) return defaultFiles();
  const out: string[] = [];
  for (const p of paths) out.push(...((await stat(p).catch(() => null))?.isDirectory() ? await yamlIn(p) : [p]));
  return out;
}

function describeResult(result: CatchResult, runs: number, scenarios: readonly CatchScenario[]): string {
  const rows = result.mutations.map((m) => {
    const c = m.caught;
    const where = c ? `${m.runs} run(s): ${c.property} in ${c.scenario} seed ${c.seed}` : `NOT CAUGHT in ${m.runs} run(s)`;
    const shrunk = m.shrunk ? `; shrunk to ${m.shrunk.faults} fault(s), ${m.shrunk.durationMs} ms` : '';
    return [m.mutation, `${where}${shrunk}`] as [string, string];
  });
  const base = result.baseline;
  return [
    `scenarios (in turn): ${scenarios.map((s) => s.source).join(', ')}`,
    table([
      ...rows,
      ['unmodified core', base.violations.length === 0 ? `clean in ${base.runs} run(s)` : `VIOLATED in ${base.violations.length} of ${base.runs} run(s): a bug in the core or a checker`],
      ['caught', `${result.mutations.filter((m) => m.caught).length} of ${result.mutations.length} mutations within ${runs} run(s)`],
      ['time', `${(result.wallMs / 1000).toFixed(1)} s`],
    ]),
    ...base.violations.slice(0, 20).map((v) => `  unmodified core, ${v.scenario} seed ${v.seed}: ${v.property}: ${v.message}`),
  ].join('\n');
}

export function registerSimMutationsCommand(sim: Command): void {
  sim
    .command('mutations [scenarios...]')
    .description('the catch table: runs the generic scenarios (default: scripts/scenarios/generic and the shipped generic ones) against each deliberate bug of the core until a checker catches it, and the unmodified core on the same runs')
    .option('--runs <n>', 'at most this many runs per mutation', optionParser(parsePositiveInt), 1000)
    .option('--mutation <name>', `only this mutation (${MUTATION_NAMES.join('|')})`, optionParser(parseMutation))
    .option('--first-seed <n>', "each scenario's first seed", optionParser(parseNonNegativeInt), 1)
    .option('--workers <n>', 'worker threads (default: the number of cores)', optionParser(parsePositiveInt))
    .option('--shrink-runs <n>', 'runs the shrinker may spend on each first catch (0: none)', optionParser(parseNonNegativeInt), 60)
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (paths: string[], o: { runs: number; mutation?: MutationName; firstSeed: number; workers?: number; shrinkRuns: number; output: OutputFormat }) => {
      const [{ catchMutations }, { readScenarioFile }] = await Promise.all([import('../../sim/mutation-catch.js'), import('../../sim/scenario.js')]);
      const scenarios: CatchScenario[] = [];
      for (const file of await scenarioFiles(paths)) scenarios.push({ source: basename(file), scenario: (await readScenarioFile(file)).scenario });
      if (scenarios.length === 0) throw new CommandError('no scenario files', 'INVALID_ARGUMENT');
      const mutations = o.mutation ? [o.mutation] : MUTATION_NAMES;
      const result = await catchMutations({
        scenarios,
        mutations,
        runs: o.runs,
        firstSeed: o.firstSeed,
        shrinkRuns: o.shrinkRuns,
        ...(o.workers ? { workers: o.workers } : {}),
        // A long run's progress, on stderr so that stdout stays the table (or JSON).
        onProgress: (line) => process.stderr.write(`${line}\n`),
      });
      printResult(o.output, { ...result, scenarios: scenarios.map((s) => s.source), descriptions: Object.fromEntries(mutations.map((m) => [m, MUTATIONS[m]])) }, () => describeResult(result, o.runs, scenarios));
      // The unmodified core must be clean; a mutation that escapes is a gap in the scenarios or checkers.
      if (result.baseline.violations.length > 0) process.exitCode = 2;
      else if (result.mutations.some((m) => !m.caught)) process.exitCode = 1;
    });
}

/** `cmt sim run|explore|shrink|replay`: the deterministic consensus simulator (spec/faults.md). */
import type { Command } from 'commander';
import { PROPERTIES } from '../../sim/checkers.js';
import { registerSimMutationsCommand } from './sim-mutations.js';
import { registerSimTwinsCommand } from './sim-twins.js';
import { optionParser, parseNonNegativeInt, parsePositiveInt } from '../arguments.js';
import { MUTATION_HELP, parseMutation } from '../mutation-flag.js';
import { parseOutputFormat } from '../output.js';
import { describeCommand } from '../command-table.js';
import type { SimExploreOptions, SimReplayOptions, SimRunOptions, SimShrinkOptions } from './sim-actions.js';

export function registerSimCommands(program: Command): void {
  const sim = program.command('sim').description(describeCommand('sim'));
  registerSimMutationsCommand(sim);
  registerSimTwinsCommand(sim);

  sim
    .command('run <scenario>')
    .description('one run of a scenario file; prints what each property checker found')
    .option('--seed <n>', "the run's seed (default: the scenario's)", optionParser(parseNonNegativeInt))
    .option('--trace-dir <dir>', 'write a trace file here if a property is violated', 'sim-traces')
    .option('--timeline <file>', 'write the run as JSON: decisions, height/round/step changes per validator, faults applied')
    .option('--svg <file>', 'write a picture: heights over virtual time per validator, proposals, votes and locks, faults shaded')
    .option('--unsafe-mutation <name>', MUTATION_HELP, optionParser(parseMutation))
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: SimRunOptions) => (await import('./sim-actions.js')).simRun(file, o));

  sim
    .command('explore <scenario>')
    .description('many seeds of a scenario on every core; counts the runs that violated each property and writes a trace for each')
    .option('--runs <n>', 'how many seeds', optionParser(parsePositiveInt), 100)
    .option('--first-seed <n>', 'the first seed (then +1 each run)', optionParser(parseNonNegativeInt), 1)
    .option('--workers <n>', 'worker threads (default: the number of cores)', optionParser(parsePositiveInt))
    .option('--trace-dir <dir>', 'where trace files of violating runs go', 'sim-traces')
    .option('--report <dir>', 'write DIR/index.html: the properties, and per failing run its violations, trace and picture')
    .option('--unsafe-mutation <name>', MUTATION_HELP, optionParser(parseMutation))
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: SimExploreOptions) => (await import('./sim-actions.js')).simExplore(file, o));

  sim
    .command('shrink <trace>')
    .description('reduces a failing trace to a shorter schedule (fewer faults, fewer Byzantine validators, a quieter network, a shorter run) that still fails with the same seed')
    .option('--property <name>', `the property that must stay violated (${PROPERTIES.join('|')}; default: the most serious the trace violated, in that order)`)
    .option('--max-runs <n>', 'give up simplifying after this many runs', optionParser(parsePositiveInt), 300)
    .option('--unsafe-mutation <name>', `${MUTATION_HELP}; must be the trace's own`, optionParser(parseMutation))
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: SimShrinkOptions) => (await import('./sim-actions.js')).simShrink(file, o));

  sim
    .command('replay <trace>')
    .description('runs a trace file again and checks that the run is the same, event for event (its trace hash)')
    .option('--unsafe-mutation <name>', `${MUTATION_HELP}; must be the trace's own`, optionParser(parseMutation))
    .option('-o, --output <format>', 'text|json', optionParser(parseOutputFormat), 'text')
    .action(async (file: string, o: SimReplayOptions) => (await import('./sim-actions.js')).simReplay(file, o));
}


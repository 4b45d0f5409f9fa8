/**
 * `--unsafe-mutation NAME` on the simulator's commands (spec/faults.md, "Commands"): the
 * parser, its help text and the banner. One place, so every command refuses the same names
 * and says the same loud thing.
 */
import { isMutation, MUTATION_NAMES, MUTATIONS, type MutationName } from '../consensus/mutations.js';
import { CommandError, type OutputFormat } from './output.js';

export function parseMutation(value: string): MutationName {
  if (!isMutation(value)) throw new CommandError(`unknown mutation "${value}"; the mutations are: ${MUTATION_NAMES.join(', ')}`, 'INVALID_ARGUMENT');
  return value;
}

export const MUTATION_HELP = `UNSAFE, simulator only: correct validators run a deliberately broken core (${MUTATION_NAMES.join('|')})`;

/**
 * A run under a mutation is not the protocol: say so where nobody can miss it. Returns the
 * line to print first in text output; with JSON output (stdout is for a program) it goes to
 * stderr instead.
 */
export function announce(mutation: MutationName | undefined, output: OutputFormat): string[] {
  if (!mutation) return [];
  const line = `UNSAFE MUTATION ${mutation}: ${MUTATIONS[mutation]} (correct validators run a deliberately broken core)`;
  if (output === 'json') process.stderr.write(line + '\n');
  return output === 'json' ? [] : [line];
}

/** Replay and shrink run what the trace recorded; a flag that says otherwise is a mistake, not an override. */
export function traceMutation(file: string, recorded: MutationName | undefined, flag: MutationName | undefined): MutationName | undefined {
  if (flag !== undefined && flag !== recorded) {
    throw new CommandError(`${file} was recorded ${recorded ? `with --unsafe-mutation ${recorded}` : 'without a mutation'}; with ${flag} it would not reproduce`, 'INVALID_ARGUMENT');
  }
  return recorded;
}

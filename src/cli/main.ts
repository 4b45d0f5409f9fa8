#!/usr/bin/env node
/** The `cmt` command. Exit codes: 0 success, 1 a failure with a message, 2 bad usage. */
import { CommanderError } from 'commander';
import { CmtError } from '../codec/errors.js';
import { USAGE_ERROR_CODES } from './arguments.js';
import { commandOf, registerStubs } from './command-table.js';
import { cmtProgram } from './program.js';

const program = cmtProgram();

// Only the module of the command being run is loaded; help lists every command from the table.
const command = commandOf(process.argv.slice(2));
if (command) (await command.load())(program);
else registerStubs(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; real usage errors were already printed.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else if (err instanceof CmtError) {
    process.stderr.write(`error: ${err.message} [${err.code}]\n`);
    process.exitCode = USAGE_ERROR_CODES.has(err.code) ? 2 : 1;
  } else {
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
